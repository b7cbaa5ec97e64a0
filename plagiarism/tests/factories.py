import random


def prose(seed: int, count: int) -> str:
    """``count`` words of reproducible nonsense, unlikely to share a phrase with other seeds."""
    rng = random.Random(seed)
    return " ".join(f"word{rng.randrange(3000)}" for _ in range(count))
