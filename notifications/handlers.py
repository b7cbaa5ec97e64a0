"""The notifications consumer group: each event becomes a notification for the paper's
authors (its submitting author and co-authors with an account), for a reviewer, and, for
the kinds editors follow, a notice for each editor."""

import logging

from contracts.codes import InvitationAnswer, Status
from contracts.events import (
    PAPER_UPLOADED,
    SUBMISSION_DECIDED,
    InvitationAnswered,
    PaperUploaded,
    PlagiarismChecked,
    PlagiarismCheckFailed,
    ReviewerInvited,
    ReviewerReminded,
    ReviewerRemoved,
    ReviewSubmitted,
    SubmissionDecided,
)
from notifications import messages
from notifications.messages import Message
from notifications.selectors import (
    RUN,
    Recipient,
    editors_of,
    submission_recipients,
    user_recipient,
)
from notifications.services import (
    PENDING,
    invitation_email_enqueue_on_commit,
    notification_create,
)
from outbox.consumer import ConsumerGroup
from outbox.consumer.group import ChainedHooks
from outbox.wire import ReceivedEvent
from reviews.selectors import invitation_for_notice, reviews_for_authors

REVIEWED_DECISIONS = (Status.ACCEPTED, Status.REJECTED, Status.REVISION_REQUESTED)

logger = logging.getLogger(__name__)


def handle_paper_uploaded(event: ReceivedEvent[PaperUploaded]) -> None:
    """The authors and title come from the submission, never from the payload: an event is
    not trusted with what the database can answer."""
    data = event.data
    authors = _authors(event)
    if not authors:
        return
    author = authors[0]
    _notify_all(
        event,
        authors,
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
    authors = _authors(event)
    if not authors:
        return
    author = authors[0]
    _notify_all(
        event,
        authors,
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
    authors = _authors(event)
    if not authors:
        return
    author = authors[0]
    _notify_editors(
        event,
        messages.notice_check_failed(
            submission_id=data.submission_id, title=author.title, paper_version=data.paper_version
        ),
    )


def handle_submission_decided(event: ReceivedEvent[SubmissionDecided]) -> None:
    """A decision reaches every author with what the reviewers of the round it ends wrote to
    them (closed by the decision, so a redelivery reads the same)."""
    data = event.data
    authors = _authors(event)
    if not authors:
        return
    author = authors[0]
    if data.to_status != Status.SUBMITTED:  # a revision: the upload's notification says so
        reviews = ()
        if data.to_status in REVIEWED_DECISIONS:
            reviews = [
                (review.label, review.comments_to_authors)
                for review in reviews_for_authors(
                    submission_id=data.submission_id, decided_at=data.decided_at
                )
            ]
        _notify_all(
            event,
            authors,
            messages.message_decision(
                submission_id=data.submission_id,
                title=author.title,
                to_status=data.to_status,
                comment=data.comment,
                reviews=reviews,
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


def _authors(event: ReceivedEvent) -> list[Recipient]:
    """The submission's authors, its submitting author first; none, logged, for an event
    about a submission that is gone: there is nobody to tell, and retrying would not change
    that."""
    recipients = submission_recipients(submission_id=event.data.submission_id)
    if not recipients:
        logger.warning(
            "notifications.skipped reason=unknown_submission event_id=%s submission_id=%s",
            event.id,
            event.data.submission_id,
        )
    return recipients


def _notify_all(event: ReceivedEvent, recipients: list[Recipient], message: Message) -> None:
    for recipient in recipients:
        _notify(event, recipient, message)


# -- peer review -------------------------------------------------------------------------------
def handle_reviewer_invited(event: ReceivedEvent[ReviewerInvited]) -> None:
    """The reviewer hears of the invitation: in the site if they have an account, and by
    email in any case (an address without an account gets a sign-up link instead)."""
    data = event.data
    invitation = _invitation(event)
    if invitation is None:
        return
    title = invitation.submission.title
    if data.reviewer_id is None:
        invitation_email_enqueue_on_commit(str(data.invitation_id))
        return
    reviewer = user_recipient(user_id=data.reviewer_id)
    if reviewer is not None:
        _notify(
            event,
            reviewer,
            messages.message_invited(submission_id=data.submission_id, title=title, due=data.due),
        )


def handle_invitation_answered(event: ReceivedEvent[InvitationAnswered]) -> None:
    """Editors hear of a decline, so they can invite someone else (and, if it was the last
    answer awaited, that the reviews are all in)."""
    data = event.data
    if data.answer != InvitationAnswer.DECLINED:
        return
    invitation = _invitation(event)
    if invitation is None:
        return
    reviewer = invitation.reviewer.get_username() if invitation.reviewer else invitation.email
    _notify_editors(
        event,
        messages.notice_declined(
            submission_id=data.submission_id,
            title=invitation.submission.title,
            reviewer=reviewer,
            reason=invitation.reason or _conflicts_found(invitation),
            conflict=data.conflict_declared,
            complete=data.reviews_complete,
        ),
    )


def _conflicts_found(invitation) -> str:
    """The conflicts found with the account that accepted an invitation to an address (the
    reviewer was told only that they cannot review the paper)."""
    if not invitation.conflicts or invitation.override_justification:
        return ""
    return f"we found, when they accepted: {invitation.conflicts}"


def handle_reviewer_removed(event: ReceivedEvent[ReviewerRemoved]) -> None:
    """The reviewer hears that they no longer review the paper (nothing of why)."""
    data = event.data
    invitation = _invitation(event)
    reviewer = user_recipient(user_id=data.reviewer_id) if data.reviewer_id else None
    if invitation is None or reviewer is None:
        return
    _notify(
        event,
        reviewer,
        messages.message_removed(
            submission_id=data.submission_id, title=invitation.submission.title
        ),
    )


def handle_reviewer_reminded(event: ReceivedEvent[ReviewerReminded]) -> None:
    data = event.data
    invitation = _invitation(event)
    reviewer = user_recipient(user_id=data.reviewer_id)
    if invitation is None or reviewer is None:
        return
    _notify(
        event,
        reviewer,
        messages.message_reminder(
            submission_id=data.submission_id,
            title=invitation.submission.title,
            due=data.due,
            reminder=data.reminder,
        ),
    )


def handle_review_submitted(event: ReceivedEvent[ReviewSubmitted]) -> None:
    """Editors hear of each review when it is first submitted (not of later changes), and
    that all are in when the last awaited one arrives."""
    data = event.data
    if not data.first:
        return
    invitation = _invitation(event)
    if invitation is None:
        return
    _notify_editors(
        event,
        messages.notice_review_received(
            submission_id=data.submission_id,
            title=invitation.submission.title,
            recommendation=data.recommendation,
            complete=data.reviews_complete,
        ),
    )


def _invitation(event: ReceivedEvent):
    invitation = invitation_for_notice(invitation_id=event.data.invitation_id)
    if invitation is None or invitation.submission_id != event.data.submission_id:
        logger.warning(
            "notifications.skipped reason=unknown_invitation event_id=%s invitation_id=%s",
            event.id,
            event.data.invitation_id,
        )
        return None
    return invitation


def _notify(event: ReceivedEvent, recipient: Recipient, message: Message) -> None:
    notification_create(
        event_id=event.id,
        recipient=recipient,
        submission_id=event.data.submission_id,
        occurred_at=event.time,
        message=message,
    )


def _notify_editors(event: ReceivedEvent, message: Message) -> None:
    for editor in editors_of(submission_id=event.data.submission_id):
        _notify(event, editor, message)


GROUP = ConsumerGroup(
    name="notifications",
    handlers={
        **dict.fromkeys(PAPER_UPLOADED, handle_paper_uploaded),
        PlagiarismChecked: handle_plagiarism_checked,
        PlagiarismCheckFailed: handle_plagiarism_check_failed,
        **dict.fromkeys(SUBMISSION_DECIDED, handle_submission_decided),
        ReviewerInvited: handle_reviewer_invited,
        InvitationAnswered: handle_invitation_answered,
        ReviewerReminded: handle_reviewer_reminded,
        ReviewerRemoved: handle_reviewer_removed,
        ReviewSubmitted: handle_review_submitted,
    },
    # A run's recipients read at its start, its notifications written at its end.
    run_hooks=ChainedHooks((RUN, PENDING)),
)
