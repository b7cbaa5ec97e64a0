"""Peer review: editors invite reviewers to a paper, reviewers answer and write reviews.

An invitation belongs to a paper's review round: the reviews it brings are open until the
editors next decide on the paper (accept, reject, ask for a revision), then closed. A new
round after a revision starts with new invitations.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from contracts.codes import RECOMMENDATIONS, InvitationAnswer, InvitationEnd


class Invitation(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "waiting for an answer"
        ACCEPTED = InvitationAnswer.ACCEPTED.value, "accepted"
        DECLINED = InvitationAnswer.DECLINED.value, "declined"
        REMOVED = InvitationEnd.REMOVED.value, "removed by an editor"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    submission = models.ForeignKey(
        "submissions.Submission", on_delete=models.CASCADE, related_name="invitations"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_invitations",
        help_text="empty while the address invited has no verified account",
    )
    email = models.EmailField(max_length=254, help_text="the address invited (lower case)")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    due = models.DateField(help_text="the review is due on this day")
    paper_version = models.PositiveIntegerField(help_text="the version to be reviewed")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.TextField(blank=True, help_text="why the reviewer declined")
    conflict_declared = models.BooleanField(
        default=False, help_text="the reviewer declined for a conflict of interest"
    )
    conflicts = models.TextField(
        blank=True,
        help_text="the conflicts of interest the editor overrode, or found when the account "
        "that owns the address accepted (the invitation is then declined for them)",
    )
    override_justification = models.TextField(blank=True)
    removal_reason = models.TextField(blank=True, help_text="why an editor removed the reviewer")
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="when the invitation was emailed to an address"
    )
    reminded_before_at = models.DateTimeField(null=True, blank=True)
    reminded_overdue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submission", "created_at"]
        # One open invitation per address and round is kept by ``invitation_create`` under
        # the paper's row lock (a round ends with a decision, which no constraint can see).
        indexes = [
            models.Index(fields=["submission", "email"], name="invitation_by_paper_address"),
            models.Index(fields=["reviewer", "-created_at"], name="invitation_by_reviewer"),
            models.Index(fields=["email"], name="invitation_by_email"),
            models.Index(
                fields=["due"],
                condition=models.Q(state=InvitationAnswer.ACCEPTED.value),
                name="invitation_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} for {self.submission_id}"


# The codes are the event contract's (``contracts.codes.RECOMMENDATIONS``); the labels are words.
Recommendation = models.TextChoices(
    "Recommendation", [(code.upper(), (code, code.replace("_", " "))) for code in RECOMMENDATIONS]
)


ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


class Review(models.Model):
    """A reviewer's review of a paper, theirs alone while a draft (``submitted_at`` empty)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="review")
    submission = models.ForeignKey(
        "submissions.Submission", on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_written"
    )
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices)
    score = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE, help_text="1 (low) to 5")
    confidence = models.PositiveSmallIntegerField(
        validators=ONE_TO_FIVE, help_text="the reviewer's confidence, 1 (low) to 5"
    )
    comments_to_authors = models.TextField(blank=True)
    confidential_comments = models.TextField(blank=True, help_text="for the editors only")
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="empty: a draft")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["submission", "invitation__created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="review_score_1_to_5"
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__gte=1, confidence__lte=5),
                name="review_confidence_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"review of {self.submission_id} by {self.reviewer_id}"
