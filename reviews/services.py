"""Writes of peer review: inviting reviewers, their answers, reviews, reminders.

Every change publishes its event in the same transaction (``publish_on_commit``), keyed by
the submission, so a paper's review events reach Kafka in the order they happened. The
author site, the API and the admin all call these functions.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.selectors import email_verified, verified_user_with_email
from config.errors import InvalidField, Refused
from contracts.codes import Reminder, Status
from contracts.events import (
    InvitationAnswered,
    ReviewerInvited,
    ReviewerReminded,
    ReviewerRemoved,
    ReviewSubmitted,
)
from outbox.services import publish_on_commit
from reviews.models import Invitation, Review
from reviews.selectors import conflict_declared_before, review_open, reviews_complete
from submissions.access import editor_required
from submissions.conflicts import Candidate, Conflict, ConflictCode, conflicts_of
from submissions.models import Submission
from submissions.selectors import decided_since
from submissions.services import submission_lock
from submissions.workflow import status_label

logger = logging.getLogger(__name__)


class ReviewRefused(Refused):
    """What was asked cannot be done now (answered as 409); the message says why."""


class ReviewInputError(InvalidField):
    """The input itself is wrong (answered as 400): ``field`` names it."""


class ConflictOfInterest(ReviewRefused):
    """The reviewer is in conflict with the paper; ``conflicts`` says each way, and
    ``reasons`` the sentences."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        self.reasons = [conflict.message for conflict in conflicts]
        super().__init__(
            "this reviewer has a conflict of interest with the paper: "
            + "; ".join(self.reasons)
            + ". Invite someone else, or give override_conflict with your justification."
        )

    def answer(self) -> dict:
        return super().answer() | {"conflicts": self.reasons}


def _candidate(reviewer: str) -> Candidate:
    """Whom ``reviewer`` (a username or an address) names. An address of a verified account
    is that account; any other address is invited by email with a sign-up link."""
    reviewer = reviewer.strip()
    users = get_user_model().objects.filter(is_active=True)
    if "@" in reviewer:
        email = reviewer.lower()
        try:
            validate_email(email)
        except ValidationError:
            raise ReviewInputError(
                f"{reviewer!r} is not an email address; give a username or an address",
                field="reviewer",
            ) from None
        return Candidate(verified_user_with_email(email=email), email)
    user = users.filter(username__iexact=reviewer).first()
    if user is None:
        raise ReviewInputError(
            f"there is no user named {reviewer!r}; invite them by email address instead",
            field="reviewer",
        )
    if not user.email:
        raise ReviewInputError(
            f"{user.get_username()} has no email address, so cannot be told of the invitation",
            field="reviewer",
        )
    return Candidate(user, user.email.lower())


def _due_check(due: date) -> None:
    today = timezone.localdate()
    if due <= today:
        raise ReviewInputError("the due date must be after today", field="due")
    if due > today + timedelta(days=settings.REVIEW_DUE_MAX_DAYS):
        raise ReviewInputError(
            f"the due date must be within {settings.REVIEW_DUE_MAX_DAYS} days", field="due"
        )


def invitation_create(
    *,
    submission: Submission,
    editor: AbstractBaseUser,
    reviewer: str,
    due: date,
    override_conflict: str = "",
) -> Invitation:
    """Invite ``reviewer`` (a username, or an email address) to review the paper by ``due``.

    Refused (``ReviewRefused``) unless the paper is under review, when the person already
    has an open invitation for it, and (``ConflictOfInterest``) when they are in conflict
    with its authors, unless ``override_conflict`` gives the editor's justification, which
    is recorded with the conflicts it overrode."""
    editor_required(user=editor, submission=submission)
    _due_check(due)
    candidate = _candidate(reviewer)
    override_conflict = override_conflict.strip()
    with transaction.atomic():
        locked = submission_lock(submission_id=submission.pk)
        if locked.status != Status.UNDER_REVIEW:
            raise ReviewRefused(
                "reviewers are invited to papers under review; this one's status is "
                f"“{status_label(locked.status)}” (start its review first)"
            )
        reasons = _invitable(locked, candidate, override_conflict)
        invitation = Invitation.objects.create(
            submission=locked,
            reviewer=candidate.user,
            email=candidate.email,
            invited_by=editor,
            due=due,
            paper_version=locked.version,
            conflicts="; ".join(conflict.message for conflict in reasons),
            override_justification=override_conflict if reasons else "",
        )
        publish_on_commit(
            ReviewerInvited(
                submission_id=locked.pk,
                invitation_id=invitation.pk,
                reviewer_id=candidate.user.pk if candidate.user else None,
                editor_id=editor.pk,
                due=due,
                conflict_overridden=bool(reasons),
                invited_at=invitation.created_at,
            )
        )
    logger.info(
        "reviews.invited invitation_id=%s submission_id=%s account=%s overridden=%s",
        invitation.pk,
        locked.pk,
        candidate.user is not None,
        bool(reasons),
    )
    return invitation


def _invitable(locked: Submission, candidate: Candidate, override_conflict: str) -> list[Conflict]:
    """Under the paper's row lock (so this check and the insert are one step for the paper):
    refused when the person has an open invitation, or is in conflict without the editor's
    justification; the conflicts the justification overrides."""
    earlier = Invitation.objects.filter(
        submission=locked,
        email=candidate.email,
        state__in=[Invitation.State.PENDING, Invitation.State.ACCEPTED],
    )
    if any(review_open(invitation) for invitation in earlier):
        raise ReviewRefused(f"{candidate.email} is already invited to review this paper")
    declared = conflict_declared_before(
        submission_id=locked.pk, email=candidate.email, user=candidate.user
    )
    conflicts = conflicts_of(submission=locked, candidate=candidate, declared=declared)
    if conflicts and not override_conflict:
        raise ConflictOfInterest(conflicts)
    if any(conflict.code == ConflictCode.AUTHOR for conflict in conflicts):
        raise ReviewRefused("an author cannot review their own paper, whatever the reason")
    return conflicts


def invitation_emailed(*, invitation: Invitation) -> None:
    """Mark an invitation to an address as emailed (inside the sender's transaction)."""
    invitation.emailed_at = timezone.now()
    invitation.save(update_fields=["emailed_at"])


CANNOT_REVIEW = "you cannot review this paper; the editors were told, and will be in touch"


class CannotReview(ReviewRefused):
    """The reviewer who accepted is in conflict with the paper. They are told nothing more
    (the reasons would say who the authors are); the invitation is closed and the editors
    read the reasons."""

    def __init__(self) -> None:
        super().__init__(CANNOT_REVIEW)


def _claimed(locked: Invitation, user: AbstractBaseUser) -> list[Conflict]:
    """An invitation sent to an address becomes the account's that proved it read it; the
    conflicts found then with the account (the editor saw only the address's), unless the
    editor overrode conflicts already."""
    if locked.reviewer_id is not None:
        return []
    if not (email_verified(user=user) and user.email.lower() == locked.email):
        raise ReviewRefused(f"confirm your address {locked.email} first (the link we emailed you)")
    locked.reviewer = user
    if locked.override_justification:
        return []
    return conflicts_of(
        submission=locked.submission,
        candidate=Candidate(user, user.email),
        as_of=locked.created_at,  # what they change after seeing the invitation is ignored
    )


def _answer(invitation: Invitation, user: AbstractBaseUser, state: str, **fields) -> Invitation:
    """Record the answer and publish it. An accept that finds a conflict is recorded as a
    decline for that conflict, committed (so it cannot be tried again with other details),
    and then refused with ``CannotReview``."""
    with transaction.atomic():
        locked = (
            Invitation.objects.select_for_update()
            .select_related("submission")
            .get(pk=invitation.pk)
        )
        _answerable(locked)
        found = []
        if state == Invitation.State.ACCEPTED:
            found = _claimed(locked, user)
        elif locked.reviewer_id is None:
            locked.reviewer = user
        if found:
            state, fields = Invitation.State.DECLINED, {"conflict_declared": True}
            locked.conflicts = "; ".join(conflict.message for conflict in found)
        _record_answer(locked, user, state, fields)
    logger.info(
        "reviews.answered invitation_id=%s submission_id=%s answer=%s conflict_found=%s",
        locked.pk,
        locked.submission_id,
        state,
        bool(found),
    )
    if found:
        raise CannotReview()
    return locked


def _answerable(locked: Invitation) -> None:
    if locked.state != Invitation.State.PENDING:
        raise ReviewRefused(
            f"this invitation was {locked.get_state_display()} already"
            f" on {locked.answered_at:%Y-%m-%d}"
        )
    if locked.submission.status != Status.UNDER_REVIEW or not review_open(locked):
        raise ReviewRefused("the paper is no longer under review in the round you were invited to")


def _record_answer(locked: Invitation, user: AbstractBaseUser, state: str, fields: dict) -> None:
    locked.state = state
    locked.answered_at = timezone.now()
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save()
    publish_on_commit(
        InvitationAnswered(
            submission_id=locked.submission_id,
            invitation_id=locked.pk,
            reviewer_id=user.pk,
            answer=state,
            conflict_declared=locked.conflict_declared,
            reviews_complete=state == Invitation.State.DECLINED
            and reviews_complete(submission_id=locked.submission_id),
            invited_at=locked.created_at,
            answered_at=locked.answered_at,
        )
    )


def invitation_accept(*, invitation: Invitation, reviewer: AbstractBaseUser) -> Invitation:
    """The reviewer agrees to review by the due date (once; not after declining)."""
    return _answer(invitation, reviewer, Invitation.State.ACCEPTED)


def invitation_decline(
    *, invitation: Invitation, reviewer: AbstractBaseUser, reason: str = "", conflict: bool = False
) -> Invitation:
    """The reviewer declines, with a reason for the editor; ``conflict``: because of a
    conflict of interest, which keeps them from being invited to this paper again (unless
    an editor overrides it)."""
    reason = reason.strip()
    if conflict and not reason:
        raise ReviewInputError("say what the conflict of interest is", field="reason")
    return _answer(
        invitation, reviewer, Invitation.State.DECLINED, reason=reason, conflict_declared=conflict
    )


def invitation_remove(
    *, invitation: Invitation, editor: AbstractBaseUser, reason: str
) -> Invitation:
    """An editor takes the reviewer off the paper (an invitation pending or accepted, in
    the open round, whose review is not in): they no longer read it, and are told.
    ``reason`` is kept for the editors."""
    reason = reason.strip()
    if not reason:
        raise ReviewInputError("say why, for the other editors", field="reason")
    with transaction.atomic():
        submission_lock(submission_id=invitation.submission_id)
        locked = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("submission", "review")
            .get(pk=invitation.pk)
        )
        editor_required(user=editor, submission=locked.submission)
        _removable(locked)
        locked.state = Invitation.State.REMOVED
        locked.removal_reason = reason[:5000]
        locked.removed_at = timezone.now()
        locked.save(update_fields=["state", "removal_reason", "removed_at"])
        publish_on_commit(
            ReviewerRemoved(
                submission_id=locked.submission_id,
                invitation_id=locked.pk,
                reviewer_id=locked.reviewer_id,
                editor_id=editor.pk,
                removed_at=locked.removed_at,
            )
        )
    logger.info(
        "reviews.removed invitation_id=%s submission_id=%s", locked.pk, locked.submission_id
    )
    return locked


def _removable(locked: Invitation) -> None:
    if locked.state not in (Invitation.State.PENDING, Invitation.State.ACCEPTED):
        raise ReviewRefused(f"this invitation was {locked.get_state_display()} already")
    if not review_open(locked):
        raise ReviewRefused("its round is decided: the reviewer no longer reads the paper")
    review = getattr(locked, "review", None)
    if review is not None and review.submitted_at is not None:
        raise ReviewRefused("their review is in: it stays part of the round's record")


@dataclass(frozen=True)
class ReviewFields:
    recommendation: str
    score: int
    confidence: int
    comments_to_authors: str = ""
    confidential_comments: str = ""


def review_save(
    *,
    submission: Submission,
    reviewer: AbstractBaseUser,
    fields: ReviewFields,
    submit: bool = True,
    create: bool | None = None,
) -> Review:
    """Write the reviewer's review of the paper: a draft (``submit`` false, seen by nobody
    else) or submitted. Editable until the editors decide on the paper. ``create``: True
    refuses an existing review (POST), False a missing one (PUT), None takes either."""
    with transaction.atomic():
        invitation, review = _review_to_write(submission, reviewer, submit=submit, create=create)
        for name, value in vars(fields).items():
            setattr(review, name, value)
        first = submit and review.submitted_at is None
        now = timezone.now()
        if first:
            review.submitted_at = now
        review.save()
        if submit:
            publish_on_commit(
                ReviewSubmitted(
                    submission_id=submission.pk,
                    invitation_id=invitation.pk,
                    review_id=review.pk,
                    reviewer_id=reviewer.pk,
                    recommendation=review.recommendation,
                    score=review.score,
                    confidence=review.confidence,
                    first=first,
                    reviews_complete=reviews_complete(submission_id=submission.pk),
                    submitted_at=now,
                )
            )
    logger.info(
        "reviews.saved review_id=%s submission_id=%s submitted=%s first=%s",
        review.pk,
        submission.pk,
        submit,
        first,
    )
    return review


def _review_to_write(submission, reviewer, *, submit: bool, create: bool | None):
    """The reviewer's accepted invitation (locked) and its review (new if none), or why the
    review may not be written now."""
    invitation = (
        Invitation.objects.select_for_update()
        .filter(submission=submission, reviewer=reviewer, state=Invitation.State.ACCEPTED)
        .order_by("-created_at")
        .first()
    )
    if invitation is None:
        raise ReviewRefused("you have not accepted to review this paper")
    if decided_since(submission_id=submission.pk, since=invitation.created_at):
        raise ReviewRefused(
            "the editors have decided on this paper: its reviews can no longer change"
        )
    review = Review.objects.filter(invitation=invitation).first()
    if create is True and review is not None:
        raise ReviewRefused("you have written this review already; change it with PUT")
    if create is False and review is None:
        raise ReviewRefused("you have not written this review yet; send it with POST")
    if review is None:
        review = Review(invitation=invitation, submission=submission, reviewer=reviewer)
    if review.submitted_at is not None and not submit:
        raise ReviewRefused("a submitted review cannot become a draft again")
    return invitation, review


def reminders_send(*, today: date | None = None) -> int:
    """Remind reviewers who accepted and have not submitted: once when the due date is
    ``REVIEW_REMIND_DAYS_BEFORE`` days away or nearer, once more when it has passed. Each
    reminder is marked on its invitation in the transaction that publishes it, and rows
    another run holds are skipped, so two runs at once still remind once. How many sent."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=settings.REVIEW_REMIND_DAYS_BEFORE)
    sent = 0
    for reminder, when, marked in (
        (Reminder.BEFORE_DUE, {"due__lte": soon, "due__gte": today}, "reminded_before_at"),
        (Reminder.OVERDUE, {"due__lt": today}, "reminded_overdue_at"),
    ):
        while True:
            with transaction.atomic():
                batch = list(
                    Invitation.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(
                        state=Invitation.State.ACCEPTED,
                        reviewer__isnull=False,
                        submission__status=Status.UNDER_REVIEW,
                        **when,
                        **{f"{marked}__isnull": True},
                    )
                    .exclude(review__submitted_at__isnull=False)
                    .order_by("due")[:200]
                )
                now = timezone.now()
                for invitation in batch:
                    setattr(invitation, marked, now)
                    invitation.save(update_fields=[marked])
                    publish_on_commit(
                        ReviewerReminded(
                            submission_id=invitation.submission_id,
                            invitation_id=invitation.pk,
                            reviewer_id=invitation.reviewer_id,
                            reminder=reminder,
                            due=invitation.due,
                        )
                    )
            sent += len(batch)
            if len(batch) < 200:
                break
    if sent:
        logger.info("reviews.reminded count=%d", sent)
    return sent
