"""Submissions, their files and text, and the history of their review."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone


class Status(models.TextChoices):
    SUBMITTED = "submitted", "submitted"
    CHECKED = "checked", "checked"
    UNDER_REVIEW = "under_review", "under review"
    ACCEPTED = "accepted", "accepted"
    REJECTED = "rejected", "rejected"
    REVISION_REQUESTED = "revision_requested", "revision requested"
    WITHDRAWN = "withdrawn", "withdrawn"


def stored_file_name(instance: "Submission", filename: str) -> str:
    """A name the server chooses: the submission's id and the detected type's extension.
    Nothing of the uploaded name reaches the file system."""
    suffix = PurePath(filename).suffix.lower()
    return f"submissions/{instance.created_at:%Y/%m}/{instance.id}{suffix}"


class Submission(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions"
    )
    title = models.CharField(max_length=300)
    abstract = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)

    file = models.FileField(upload_to=stored_file_name, blank=True, max_length=200)
    original_filename = models.CharField(max_length=255, blank=True)
    file_type = models.CharField(max_length=10, blank=True, help_text="pdf, docx, txt or md")
    file_size = models.PositiveBigIntegerField(null=True, blank=True)

    text = models.TextField(help_text="the extracted text")
    word_count = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the normalised text")

    similarity_score = models.FloatField(null=True, blank=True)
    plagiarism_flagged = models.BooleanField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    plagiarism_error = models.CharField(
        max_length=500, blank=True, help_text="why the plagiarism check could not be done"
    )

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["author", "-created_at"]),
            # The plagiarism sweep's question, answered without reading the checked papers.
            models.Index(
                fields=["created_at"],
                name="submission_unchecked",
                condition=models.Q(checked_at__isnull=True, plagiarism_error=""),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Transition(models.Model):
    """One change of a submission's status: who, when, why."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="empty when the system made the change",
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"
