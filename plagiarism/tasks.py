import logging

from celery import shared_task
from django.conf import settings

from plagiarism.services import submission_check, submission_check_failed

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="plagiarism.check_submission", acks_late=True)
def check_submission(self, submission_id: str) -> dict:
    """Check one submission (idempotent). Retried with backoff; when it keeps failing, the
    failure is recorded so the submission shows it instead of waiting forever."""
    try:
        outcome = submission_check(submission_id=submission_id)
    except LookupError:
        logger.warning("plagiarism.no_such_submission submission_id=%s", submission_id)
        return {"submission_id": submission_id, "checked": False}
    except Exception as exc:
        if self.request.retries >= settings.PLAGIARISM_TASK_MAX_RETRIES:
            submission_check_failed(
                submission_id=submission_id, error=f"{type(exc).__name__}: {exc}"
            )
            raise
        raise self.retry(exc=exc, countdown=min(60, 2**self.request.retries)) from exc
    return {"submission_id": submission_id, "checked": outcome.created}
