import random

from django.utils import timezone


def prose(seed: int, count: int) -> str:
    """``count`` words of reproducible nonsense, unlikely to share a phrase with other seeds."""
    rng = random.Random(seed)
    return " ".join(f"word{rng.randrange(3000)}" for _ in range(count))


def check_recorded(submission, *, score: float | None, flagged: bool | None = None, error=""):
    """Record a check of the submission's current version as the check workers would (done
    with ``score``, or failed with ``error`` when score is None), without running the engine:
    for tests of what other apps show of a check."""
    from plagiarism.models import Check
    from submissions.services import submission_mark_checked

    state = Check.State.FAILED if score is None else Check.State.DONE
    Check.objects.update_or_create(
        submission_id=submission.pk,
        paper_version=submission.version,
        defaults={
            "state": state,
            "score": score,
            "flagged": flagged if flagged is not None else score is not None and score >= 0.1,
            "error": error,
            "checked_at": None if score is None else timezone.now(),
        },
    )
    if state == Check.State.DONE:
        submission, _ = submission_mark_checked(
            submission_id=submission.pk, paper_version=submission.version
        )
    return submission


def check_state(submission, paper_version: int = 1) -> str | None:
    """The state of a version's check (waiting, done, failed), None when it has none."""
    from plagiarism.models import Check

    return (
        Check.objects.filter(submission_id=submission.pk, paper_version=paper_version)
        .values_list("state", flat=True)
        .first()
    )
