"""The plagiarism consumer group: every uploaded paper gets a check."""

import threading

from kombu.exceptions import OperationalError as BrokerUnavailable

from contracts.events import PAPER_UPLOADED, PaperUploaded
from outbox.consumer import ConsumerGroup, RetryLater
from outbox.wire import ReceivedEvent
from plagiarism.services import check_expect
from plagiarism.tasks import check_many


class CheckBatch:
    """The checks a transaction's events ask for, enqueued in one Celery message before the
    transaction (with the events' inbox rows) commits: a crash in between enqueues them again
    on redelivery, and the tasks are idempotent; a lost check would not be (the sweep also
    re-enqueues checks left waiting). The worker fans the message out (``check_many``)."""

    def __init__(self) -> None:
        self._local = threading.local()  # a consumer thread's own transaction

    def begin(self, events: list[ReceivedEvent]) -> None:
        self._local.checks = []

    def add(self, submission_id, paper_version: int) -> None:
        """Ask for a check: in the run's batch, or at once outside a consumer's run."""
        check = (str(submission_id), paper_version)
        checks = getattr(self._local, "checks", None)
        if checks is None:
            _enqueue([check])
        else:
            checks.append(check)

    def end(self) -> None:
        self._local.checks = None

    def before_commit(self) -> None:
        if self._local.checks:
            _enqueue(self._local.checks)


def _enqueue(checks: list[tuple[str, int]]) -> None:
    try:
        check_many.delay(checks)
    except BrokerUnavailable as exc:
        raise RetryLater(f"cannot reach the Celery broker: {exc}") from exc


BATCH = CheckBatch()


def handle_paper_uploaded(event: ReceivedEvent[PaperUploaded]) -> None:
    """Record the version's check as waiting, and ask for it in the transaction's batch."""
    # An event about a submission that does not exist costs a task that logs
    # plagiarism.no_such_submission and stops: no lookup here, for every event, to save it.
    check_expect(submission_id=event.data.submission_id, paper_version=event.data.paper_version)
    BATCH.add(event.data.submission_id, event.data.paper_version)


GROUP = ConsumerGroup(
    name="plagiarism",
    handlers=dict.fromkeys(PAPER_UPLOADED, handle_paper_uploaded),
    run_hooks=BATCH,
)
