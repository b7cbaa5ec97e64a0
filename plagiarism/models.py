"""Models of the plagiarism app."""
