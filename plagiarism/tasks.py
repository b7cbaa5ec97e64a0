import contextlib
import logging
from datetime import timedelta

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.db import connection
from django.utils import timezone

from plagiarism import index
from plagiarism.selectors import checks_waiting
from plagiarism.services import check_drop, check_fail, check_run

logger = logging.getLogger(__name__)


class CheckTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        """Runs in the worker's main process when the hard time limit killed the check's
        process (the soft limit could not stop it): record it, or the sweep would enqueue
        the same check again every PLAGIARISM_SWEEP_AFTER_MINUTES."""
        if isinstance(exc, TimeLimitExceeded) and args:
            check_fail(
                submission_id=args[0],
                paper_version=args[1] if len(args) > 1 else None,
                error=f"the check was stopped at its hard time limit of {exc.args[0]:g} s",
            )


def connection_discard() -> None:
    """A time limit raised while a query runs leaves the connection mid-protocol (psycopg:
    "connection in transaction status ACTIVE"), and the server still running the query,
    holding its locks: cancel the query and close the connection, so the next statement
    opens a fresh one."""
    raw = connection.connection
    if raw is not None:
        with contextlib.suppress(Exception):
            raw.cancel_safe(timeout=5)
    connection.close()


@shared_task(bind=True, base=CheckTask, name="plagiarism.check_submission", acks_late=True)
def check_submission(self, submission_id: str, paper_version: int | None = None) -> dict:
    """Check one version of a submission (its current one when None; idempotent). Retried
    with backoff; when it keeps failing, the failure is recorded so the submission shows it
    instead of waiting forever."""
    try:
        outcome = check_run(submission_id=submission_id, paper_version=paper_version)
    except LookupError:
        logger.warning("plagiarism.no_such_submission submission_id=%s", submission_id)
        check_drop(submission_id=submission_id)  # or the sweep would try again forever
        return {"submission_id": submission_id, "checked": False}
    except SoftTimeLimitExceeded:
        # The same paper would take as long again: record it at once, no retries.
        connection_discard()
        limit = (self.request.timelimit or (None, None))[1] or self.soft_time_limit
        check_fail(
            submission_id=submission_id,
            paper_version=paper_version,
            error=f"the check took longer than its limit of {limit:g} s "
            "(PLAGIARISM_TASK_SOFT_SECONDS)",
        )
        return {"submission_id": submission_id, "checked": False}
    except Exception as exc:
        if self.request.retries >= settings.PLAGIARISM_TASK_MAX_RETRIES:
            check_fail(
                submission_id=submission_id,
                paper_version=paper_version,
                error=f"{type(exc).__name__}: {exc}",
            )
            raise
        raise self.retry(exc=exc, countdown=min(60, 2**self.request.retries)) from exc
    return {"submission_id": submission_id, "checked": outcome.created}


@shared_task(name="plagiarism.check_many")
def check_many(checks: list[tuple[str, int]]) -> int:
    """The checks one consumer transaction asked for, each run by a task of its own (its own
    retries and time limits): the fan-out happens here, on a worker, not in the consumer."""
    for submission_id, paper_version in checks:
        check_submission.delay(submission_id, paper_version)
    return len(checks)


@shared_task(name="plagiarism.sweep_waiting")
def sweep_waiting() -> int:
    """Periodic (Celery beat): enqueue again the check of any submission that has waited
    far longer than a check takes, in case its task was lost with the broker's memory.
    Checks are idempotent, so one enqueued twice costs only the time."""
    cutoff = timezone.now() - timedelta(minutes=settings.PLAGIARISM_SWEEP_AFTER_MINUTES)
    waiting = checks_waiting(since_before=cutoff)
    for submission_id, paper_version in waiting:
        check_submission.delay(submission_id, paper_version)
    if waiting:
        logger.warning("plagiarism.sweep_enqueued count=%d", len(waiting))
    return len(waiting)


@shared_task(name="plagiarism.merge_index")
def merge_index(force: bool = False) -> dict:
    """Periodic (Celery beat): merge the index's delta into main once it holds
    ``PLAGIARISM_INDEX_DELTA_MAX`` texts (every check reads all of it), or texts an import
    or a reindex left staged. One merge at a time (a second returns at once)."""
    delta, staged = index.pending_counts()
    if not force and delta < settings.PLAGIARISM_INDEX_DELTA_MAX and not staged:
        return {"merged": 0, "delta": delta}
    figures = index.merge()
    index.reclaim()
    return figures
