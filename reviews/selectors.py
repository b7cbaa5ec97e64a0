"""Reads of peer review. Reviewers see only their own invitations and the papers they
accepted to review; authors see reviews only once the editors decided, without names."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.selectors import email_verified
from contracts.codes import ReviewProgress, Status
from reviews.models import Invitation, Review
from submissions.selectors import decided_since, decision_times, paper_version


def double_blind() -> bool:
    return settings.REVIEW_BLIND_MODE == "double"


def _addressed_to(user: AbstractBaseUser) -> Q:
    """Invitations to the account, and those sent to its address before it was an account's
    (only once the address is proven: claiming an address is not enough to see a paper)."""
    mine = Q(reviewer=user)
    if user.email and email_verified(user=user):
        mine |= Q(reviewer__isnull=True, email=user.email.lower())
    return mine


def invitations_of_reviewer(*, user: AbstractBaseUser) -> QuerySet[Invitation]:
    """The reviewer's own invitations, newest first, with each paper's title and status."""
    return (
        Invitation.objects.filter(_addressed_to(user))
        .select_related("submission", "review")  # ``overdue`` reads the review
        .defer("submission__text", "submission__abstract")
        .order_by("-created_at")
    )


def invitation_of_reviewer(*, user: AbstractBaseUser, invitation_id) -> Invitation | None:
    return invitations_of_reviewer(user=user).filter(pk=invitation_id).first()


def invitations_of_submission(*, submission_id) -> QuerySet[Invitation]:
    """For editors: every invitation of the paper, oldest first, with the review's state."""
    return (
        Invitation.objects.filter(submission_id=submission_id)
        .select_related("reviewer", "invited_by", "review")
        .order_by("created_at")
    )


def review_progress(invitation: Invitation) -> ReviewProgress:
    """How far the invitation's review has come: none, a draft, or submitted."""
    review = getattr(invitation, "review", None)  # the reverse accessor raises AttributeError
    if review is None:
        return ReviewProgress.NONE
    return ReviewProgress.SUBMITTED if review.submitted_at else ReviewProgress.DRAFT


def invitation_overdue(invitation: Invitation) -> bool:
    """Accepted, due before today, and no review submitted."""
    review = getattr(invitation, "review", None)  # the reverse accessor raises AttributeError
    return (
        invitation.state == Invitation.State.ACCEPTED
        and invitation.due < timezone.localdate()
        and (review is None or review.submitted_at is None)
    )


def overdue_invitations() -> QuerySet[Invitation]:
    """Every accepted invitation whose review is late (editors' list, the admin's filter)."""
    return Invitation.objects.filter(
        state=Invitation.State.ACCEPTED,
        due__lt=timezone.localdate(),
        submission__status=Status.UNDER_REVIEW,
    ).exclude(review__submitted_at__isnull=False)


def conflict_declared_before(*, submission_id, email: str, user) -> bool:
    """Whether this person declined to review this paper for a conflict of interest."""
    who = Q(email=email.lower())
    if user is not None:
        who |= Q(reviewer=user)
    return Invitation.objects.filter(
        who, submission_id=submission_id, conflict_declared=True
    ).exists()


def reviewing_of(*, user: AbstractBaseUser) -> QuerySet[Invitation]:
    """The reviewer's accepted invitations (the papers they review), due first."""
    return (
        Invitation.objects.filter(reviewer=user, state=Invitation.State.ACCEPTED)
        .select_related("submission", "review")
        .defer("submission__text")
        .order_by("due", "created_at")
    )


def reviewing_paper(*, user: AbstractBaseUser, submission_id) -> Invitation | None:
    """What a reviewer may read of a paper: their latest invitation to it, with the paper
    and the version they were invited to review (``invitation.version``). None (answered as
    404, like any paper not theirs) unless that invitation is accepted and the paper is not
    withdrawn; once the round is decided, only if ``REVIEW_ACCESS_AFTER_DECISION`` keeps
    the decided round's text. A later version is theirs only when invited to it; declining,
    or being removed by an editor, ends it."""
    latest = (
        Invitation.objects.filter(reviewer=user, submission_id=submission_id)
        .select_related("submission", "review")
        .order_by("-created_at")
        .first()
    )
    if latest is None or latest.state != Invitation.State.ACCEPTED:
        return None
    if latest.submission.status == Status.WITHDRAWN:
        return None
    if not settings.REVIEW_ACCESS_AFTER_DECISION and not review_open(latest):
        return None
    latest.version = paper_version(submission_id=submission_id, number=latest.paper_version)
    return latest


def review_of_reviewer(*, user: AbstractBaseUser, submission_id) -> Review | None:
    invitation = reviewing_paper(user=user, submission_id=submission_id)
    return getattr(invitation, "review", None) if invitation is not None else None


def review_open(invitation: Invitation) -> bool:
    """Whether its review can still be written or changed (no decision since)."""
    return not decided_since(submission_id=invitation.submission_id, since=invitation.created_at)


def reviews_for_editors(*, submission_id) -> list[Review]:
    """Every submitted review of the paper, in the order the reviewers were invited."""
    return list(
        Review.objects.filter(submission_id=submission_id, submitted_at__isnull=False)
        .select_related("reviewer", "invitation")
        .order_by("invitation__created_at")
    )


@dataclass(frozen=True)
class ReviewForAuthors:
    """What an author reads of a review: its reviewer's number, the version reviewed and
    the comments addressed to them."""

    number: int
    label: str
    paper_version: int
    comments_to_authors: str
    submitted_at: datetime


def reviews_for_authors(
    *, submission_id, decided_at: datetime | None = None
) -> list[ReviewForAuthors]:
    """The submitted reviews of the rounds the editors have decided (``decided_at``: of the
    round that decision ended only), never who wrote them, their scores or their
    confidential comments. A reviewer keeps one number ("Reviewer 1") across rounds, given
    in the order they were first invited."""
    decisions = decision_times(submission_id=submission_id)
    numbers: dict[int, int] = {}
    shown = []
    for review in reviews_for_editors(submission_id=submission_id):
        ended = next((d for d in decisions if d > review.invitation.created_at), None)
        if ended is None:
            continue  # its round is open: the authors see it with the decision
        number = numbers.setdefault(review.reviewer_id, len(numbers) + 1)
        if decided_at is not None and ended != decided_at:
            continue
        shown.append(
            ReviewForAuthors(
                number,
                f"Reviewer {number}",
                review.invitation.paper_version,
                review.comments_to_authors,
                review.submitted_at,
            )
        )
    return shown


def reviews_complete(*, submission_id) -> bool:
    """Whether the open round's reviews are all in: at least one submitted, every reviewer
    who accepted has submitted, and no invitation still waits for an answer (the editors
    can decide)."""
    current = [
        invitation
        for invitation in Invitation.objects.filter(
            submission_id=submission_id,
            state__in=[Invitation.State.PENDING, Invitation.State.ACCEPTED],
        ).select_related("review")
        if review_open(invitation)
    ]
    submitted = [
        invitation
        for invitation in current
        if getattr(invitation, "review", None) is not None
        and invitation.review.submitted_at is not None
    ]
    return bool(submitted) and len(submitted) == len(current)


def invitation_for_notice(*, invitation_id) -> Invitation | None:
    """An invitation with its paper's title and the reviewer, for a notification."""
    return (
        Invitation.objects.filter(pk=invitation_id)
        .select_related("submission", "reviewer")
        .defer("submission__text")
        .first()
    )


def invitation_for_email(*, invitation_id) -> Invitation | None:
    """Inside a transaction: the invitation to an address without an account, locked, if
    its email is still to be sent."""
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("submission")
        .defer("submission__text")
        .filter(pk=invitation_id, reviewer__isnull=True, emailed_at__isnull=True)
        .first()
    )


def invitation_emails_waiting(*, older_than: timedelta, limit: int = 500) -> list[str]:
    """Invitations to addresses whose email was never sent (its enqueue was lost)."""
    cutoff = timezone.now() - older_than
    waiting = Invitation.objects.filter(
        reviewer__isnull=True,
        emailed_at__isnull=True,
        state=Invitation.State.PENDING,
        created_at__lt=cutoff,
    )
    return [str(pk) for pk in waiting.values_list("pk", flat=True)[:limit]]
