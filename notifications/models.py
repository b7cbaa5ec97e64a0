"""What authors, reviewers and editors are told, and how they want to hear it."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from contracts.codes import Status


class Kind(models.TextChoices):
    # To authors, about their own papers.
    RECEIVED = "received", "paper received"
    CHECKED = Status.CHECKED.value, "plagiarism check done"
    DECISION = "decision", "editorial decision"
    # To editors (staff), about every paper.
    NEW_SUBMISSION = "new_submission", "new submission (editors)"
    FLAGGED = "flagged", "check flagged a paper (editors)"
    CHECK_FAILED = "check_failed", "check failed (editors)"
    WITHDRAWN = Status.WITHDRAWN.value, "paper withdrawn (editors)"
    REVISION_RECEIVED = "revision_received", "revision received (editors)"
    # To reviewers, about papers they are asked to review.
    REVIEW_INVITATION = "review_invitation", "invitation to review"
    REVIEW_REMINDER = "review_reminder", "review reminder"
    # To editors, about reviews.
    REVIEW_RECEIVED = "review_received", "review received (editors)"
    REVIEWS_COMPLETE = "reviews_complete", "all reviews in (editors)"
    REVIEW_DECLINED = "review_declined", "reviewer declined (editors)"


AUTHOR_KINDS = (Kind.RECEIVED, Kind.CHECKED, Kind.DECISION)
REVIEWER_KINDS = (Kind.REVIEW_INVITATION, Kind.REVIEW_REMINDER)
OWN_KINDS = AUTHOR_KINDS + REVIEWER_KINDS  # what anyone may hear of, editor or not
EDITOR_KINDS = tuple(kind for kind in Kind if kind not in OWN_KINDS)
# The words of a notification's link, by kind (any other: "Open it").
LINK_TEXT = {
    Kind.CHECKED: "Read the report",
    Kind.RECEIVED: "See your paper",
    Kind.DECISION: "See your paper",
}


class Notification(models.Model):
    """One message to one person, made from one event (an event and a person are unique
    together: a redelivered event cannot make a second)."""

    class Email(models.TextChoices):
        PENDING = "pending", "to be sent"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"
        OFF = "off", "turned off by the author"
        NO_ADDRESS = "no_address", "no email address"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event_id = models.UUIDField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    submission_id = models.UUIDField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    data = models.JSONField(default=dict, help_text="the facts shown: score, decision, comment")
    link = models.URLField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now, help_text="when it happened")
    read_at = models.DateTimeField(null=True, blank=True)

    email = models.CharField(max_length=20, choices=Email.choices, default=Email.PENDING)
    email_attempts = models.PositiveIntegerField(default=0)
    email_error = models.CharField(max_length=500, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-event_id"]
        constraints = [
            models.UniqueConstraint(fields=["event_id", "user"], name="one_notification_per_event")
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_by_user"),
            models.Index(
                fields=["user"], condition=models.Q(read_at__isnull=True), name="unread_by_user"
            ),
            models.Index(
                fields=["created_at"],
                condition=models.Q(email="pending"),
                name="notification_email_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def link_text(self) -> str:
        """What the notification's link says, on the site and in its email."""
        return LINK_TEXT.get(self.kind, "Open it")


class Preference(models.Model):
    """Which kinds of notification a user also wants by email (all, unless turned off)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    email_received = models.BooleanField(default=True)
    email_checked = models.BooleanField(default=True)
    email_decision = models.BooleanField(default=True)
    email_new_submission = models.BooleanField(default=True)
    email_flagged = models.BooleanField(default=True)
    email_check_failed = models.BooleanField(default=True)
    email_withdrawn = models.BooleanField(default=True)
    email_revision_received = models.BooleanField(default=True)
    email_review_invitation = models.BooleanField(default=True)
    email_review_reminder = models.BooleanField(default=True)
    email_review_received = models.BooleanField(default=True)
    email_reviews_complete = models.BooleanField(default=True)
    email_review_declined = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"preferences of {self.user}"

    def wants_email(self, kind: str) -> bool:
        return getattr(self, f"email_{kind}")
