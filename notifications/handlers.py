"""The notifications consumer group: each event becomes one notification for the author."""

import logging

from notifications.selectors import submission_recipient
from notifications.services import (
    Message,
    message_checked,
    message_decision,
    message_received,
    notification_create,
)
from outbox.consumer import ConsumerGroup
from outbox.events import PaperUploaded, PlagiarismChecked, SubmissionDecided
from outbox.wire import ReceivedEvent

logger = logging.getLogger(__name__)


def handle_paper_uploaded(event: ReceivedEvent[PaperUploaded]) -> None:
    """The author and title come from the submission, never from the payload: an event is
    not trusted with what the database can answer."""
    _notify_owner(
        event,
        lambda title: message_received(submission_id=event.data.submission_id, title=title),
    )


def handle_plagiarism_checked(event: ReceivedEvent[PlagiarismChecked]) -> None:
    data = event.data
    _notify_owner(
        event,
        lambda title: message_checked(
            submission_id=data.submission_id,
            title=title,
            score=data.overall_score,
            flagged=data.flagged,
        ),
    )


def handle_submission_decided(event: ReceivedEvent[SubmissionDecided]) -> None:
    data = event.data
    _notify_owner(
        event,
        lambda title: message_decision(
            submission_id=data.submission_id,
            title=title,
            to_status=data.to_status,
            comment=data.comment,
        ),
    )


def _notify_owner(event: ReceivedEvent, message_for) -> None:
    """Tell the submission's author; an event about a submission that is gone is skipped
    (logged): there is nobody to tell, and retrying would not change that."""
    recipient = submission_recipient(submission_id=event.data.submission_id)
    if recipient is None:
        logger.warning(
            "notifications.skipped reason=unknown_submission event_id=%s submission_id=%s",
            event.id,
            event.data.submission_id,
        )
        return
    message: Message = message_for(recipient.title)
    notification_create(
        event_id=event.id,
        recipient=recipient,
        submission_id=event.data.submission_id,
        occurred_at=event.time,
        message=message,
    )


GROUP = ConsumerGroup(
    name="notifications",
    handlers={
        PaperUploaded: handle_paper_uploaded,
        PlagiarismChecked: handle_plagiarism_checked,
        SubmissionDecided: handle_submission_decided,
    },
)
