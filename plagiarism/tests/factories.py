import hashlib
import random

from django.utils import timezone

from plagiarism import index, postings
from plagiarism.models import IndexDoc, PublishedWork
from plagiarism.services import engine_config, index_sequence_next


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


def add_work(text: str, ref: str) -> IndexDoc:
    work = PublishedWork.objects.create(
        external_id=ref,
        title=ref,
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )
    return index.doc_add(
        terms=postings.Terms.of_text(text, engine_config()),
        sequence=index_sequence_next(),
        work_id=work.pk,
    )
