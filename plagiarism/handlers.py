"""The plagiarism consumer group: every uploaded paper gets a check."""

import logging

from kombu.exceptions import OperationalError as BrokerUnavailable

from outbox.consumer import ConsumerGroup, RetryLater
from outbox.events import PaperUploaded
from outbox.wire import ReceivedEvent
from plagiarism.tasks import check_submission
from submissions.selectors import submission_exists

logger = logging.getLogger(__name__)


def handle_paper_uploaded(event: ReceivedEvent[PaperUploaded]) -> None:
    """Enqueue the check. Enqueued before the inbox commits, so a crash in between enqueues
    it again on redelivery: the task is idempotent, a lost check would not be."""
    if not submission_exists(submission_id=event.data.submission_id):
        logger.warning(
            "plagiarism.skipped reason=unknown_submission event_id=%s submission_id=%s",
            event.id,
            event.data.submission_id,
        )
        return
    try:
        check_submission.delay(str(event.data.submission_id))
    except BrokerUnavailable as exc:
        raise RetryLater(f"cannot reach the Celery broker: {exc}") from exc


GROUP = ConsumerGroup(name="plagiarism", handlers={PaperUploaded: handle_paper_uploaded})
