"""Models of the submissions app."""
