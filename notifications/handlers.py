"""The notifications consumer group: each event becomes a notification for the paper's
author and, for the kinds editors follow, a notice for each editor."""

import logging

from notifications import messages
from notifications.messages import Message
from notifications.selectors import Recipient, editors, submission_recipient
from notifications.services import notification_create
from outbox.consumer import ConsumerGroup
from outbox.events import (
    PAPER_UPLOADED,
    SUBMISSION_DECIDED,
    PaperUploaded,
    PlagiarismChecked,
    PlagiarismCheckFailed,
    SubmissionDecided,
)
from outbox.wire import ReceivedEvent
from outbox.workflow import Status

logger = logging.getLogger(__name__)


def handle_paper_uploaded(event: ReceivedEvent[PaperUploaded]) -> None:
    """The author and title come from the submission, never from the payload: an event is
    not trusted with what the database can answer."""
    data = event.data
    author = _author(event)
    if author is None:
        return
    _notify(
        event,
        author,
        messages.message_received(
            submission_id=data.submission_id, title=author.title, paper_version=data.paper_version
        ),
    )
    _notify_editors(
        event,
        messages.notice_uploaded(
            submission_id=data.submission_id,
            title=author.title,
            author=author.name,
            paper_version=data.paper_version,
        ),
    )


def handle_plagiarism_checked(event: ReceivedEvent[PlagiarismChecked]) -> None:
    data = event.data
    author = _author(event)
    if author is None:
        return
    _notify(
        event,
        author,
        messages.message_checked(
            submission_id=data.submission_id,
            title=author.title,
            score=data.overall_score,
            flagged=data.flagged,
        ),
    )
    if data.flagged:
        _notify_editors(
            event,
            messages.notice_flagged(
                submission_id=data.submission_id, title=author.title, score=data.overall_score
            ),
        )


def handle_plagiarism_check_failed(event: ReceivedEvent[PlagiarismCheckFailed]) -> None:
    """Editors only: the author's page says the check could not be done."""
    data = event.data
    author = _author(event)
    if author is None:
        return
    _notify_editors(
        event,
        messages.notice_check_failed(
            submission_id=data.submission_id, title=author.title, paper_version=data.paper_version
        ),
    )


def handle_submission_decided(event: ReceivedEvent[SubmissionDecided]) -> None:
    data = event.data
    author = _author(event)
    if author is None:
        return
    if data.to_status != Status.SUBMITTED:  # a revision: the upload's notification says so
        _notify(
            event,
            author,
            messages.message_decision(
                submission_id=data.submission_id,
                title=author.title,
                to_status=data.to_status,
                comment=data.comment,
            ),
        )
    if data.to_status == Status.WITHDRAWN:
        _notify_editors(
            event,
            messages.notice_withdrawn(
                submission_id=data.submission_id,
                title=author.title,
                author=author.name,
                reason=data.comment,
            ),
        )


def _author(event: ReceivedEvent) -> Recipient | None:
    """The submission's author; None, logged, for an event about a submission that is gone:
    there is nobody to tell, and retrying would not change that."""
    recipient = submission_recipient(submission_id=event.data.submission_id)
    if recipient is None:
        logger.warning(
            "notifications.skipped reason=unknown_submission event_id=%s submission_id=%s",
            event.id,
            event.data.submission_id,
        )
    return recipient


def _notify(event: ReceivedEvent, recipient: Recipient, message: Message) -> None:
    notification_create(
        event_id=event.id,
        recipient=recipient,
        submission_id=event.data.submission_id,
        occurred_at=event.time,
        message=message,
    )


def _notify_editors(event: ReceivedEvent, message: Message) -> None:
    for editor in editors():
        _notify(event, editor, message)


GROUP = ConsumerGroup(
    name="notifications",
    handlers={
        **dict.fromkeys(PAPER_UPLOADED, handle_paper_uploaded),
        PlagiarismChecked: handle_plagiarism_checked,
        PlagiarismCheckFailed: handle_plagiarism_check_failed,
        **dict.fromkeys(SUBMISSION_DECIDED, handle_submission_decided),
    },
)
