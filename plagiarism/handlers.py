"""The plagiarism consumer group: every uploaded paper gets a check."""

from kombu.exceptions import OperationalError as BrokerUnavailable

from contracts.events import PAPER_UPLOADED, PaperUploaded
from outbox.consumer import ConsumerGroup, RetryLater
from outbox.wire import ReceivedEvent
from plagiarism.services import check_expect
from plagiarism.tasks import check_submission


def handle_paper_uploaded(event: ReceivedEvent[PaperUploaded]) -> None:
    """Record the version's check as waiting and enqueue it. Enqueued before the inbox
    commits, so a crash in between enqueues it again on redelivery: the task is idempotent,
    a lost check would not be (and the sweep re-enqueues checks left waiting)."""
    # An event about a submission that does not exist costs a task that logs
    # plagiarism.no_such_submission and stops: no lookup here, for every event, to save it.
    check_expect(submission_id=event.data.submission_id, paper_version=event.data.paper_version)
    try:
        check_submission.delay(str(event.data.submission_id), event.data.paper_version)
    except BrokerUnavailable as exc:
        raise RetryLater(f"cannot reach the Celery broker: {exc}") from exc


GROUP = ConsumerGroup(
    name="plagiarism", handlers=dict.fromkeys(PAPER_UPLOADED, handle_paper_uploaded)
)
