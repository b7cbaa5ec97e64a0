"""Every PostgreSQL advisory lock the code takes, numbered in one place.

Two locks that share a number wait for each other although nothing they guard is shared
(an index merge once stalled the analytics consumer that way). A new lock takes the next
free number here; ``config/tests/test_locks.py`` fails on a repeated number and on an
advisory lock taken anywhere without this registry.

PostgreSQL keeps the one-key (bigint) and two-key (int, int) forms apart, but the numbers are
kept unique across both so a reader never has to know that.
"""

from enum import IntEnum, unique


@unique
class AdvisoryLock(IntEnum):
    # Two-key form: the class is the first key, the second names the item.
    OUTBOX_KEY = 7301  # per aggregate key, for the length of a publishing transaction
    RELAY_SHARD = 7302  # per relay shard, for the length of one relay batch
    # One-key form.
    CHECK_COMMIT = 7304  # one plagiarism check commits its report and index at a time
    INDEX_MERGE = 7305  # one index merge at a time
    ANALYTICS_FENCE = 7306  # held exclusively (a rebuild's swap), it pauses the analytics consumer
