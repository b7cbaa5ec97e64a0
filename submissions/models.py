"""Submissions, their files and text, and the history of their review."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.orcid import validate_orcid
from contracts.codes import Status
from submissions.workflow import status_label

__all__ = [
    "ChecklistItem",
    "Note",
    "PaperAuthor",
    "Status",
    "Submission",
    "Transition",
    "Version",
]


STATUS_CHOICES = [(status.value, status_label(status)) for status in Status]


def stored_file_name(instance: "Submission", filename: str) -> str:
    """A name the server chooses: the submission's id and the detected type's extension.
    Nothing of the uploaded name reaches the file system."""
    suffix = PurePath(filename).suffix.lower()
    return f"submissions/{instance.created_at:%Y/%m}/{instance.id}{suffix}"


def stored_version_file_name(instance: "Version", filename: str) -> str:
    """Version 1's file is the submission's own; each later one gets ``<id>-v<n>``."""
    suffix = PurePath(filename).suffix.lower()
    return (
        f"submissions/{instance.created_at:%Y/%m}/"
        f"{instance.submission_id}-v{instance.number}{suffix}"
    )


class Submission(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions"
    )
    title = models.CharField(max_length=300)
    abstract = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default=Status.SUBMITTED)
    version = models.PositiveIntegerField(
        default=1, help_text="the current version's number; the fields below are its own"
    )

    file = models.FileField(upload_to=stored_file_name, blank=True, max_length=200)
    original_filename = models.CharField(max_length=255, blank=True)
    file_type = models.CharField(max_length=10, blank=True, help_text="pdf, docx, txt or md")
    file_size = models.PositiveBigIntegerField(null=True, blank=True)

    text = models.TextField(help_text="the extracted text")
    word_count = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the normalised text")

    checklist = models.JSONField(
        default=list, blank=True, help_text="the checklist's items the author confirmed"
    )

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["author", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class Transition(models.Model):
    """One change of a submission's status: who, when, why."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=STATUS_CHOICES, blank=True)
    to_status = models.CharField(max_length=20, choices=STATUS_CHOICES)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="empty when the system made the change",
    )
    comment = models.TextField(blank=True, help_text="addressed to the author")
    version = models.PositiveIntegerField(
        null=True, blank=True, help_text="the version this step brought, when it brought one"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class Version(models.Model):
    """One version of a paper as its author sent it (each gets its own plagiarism check, in
    the plagiarism app). The submission's file and text fields repeat its current (highest)
    version's."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=stored_version_file_name, blank=True, max_length=200)
    original_filename = models.CharField(max_length=255, blank=True)
    file_type = models.CharField(max_length=10, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    text = models.TextField()
    word_count = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    response = models.TextField(blank=True, help_text="the author's letter to the editors")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} v{self.number}"


class Note(models.Model):
    """An editor's internal note on a submission: staff only, never shown to the author."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    transition = models.ForeignKey(
        Transition,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notes",
        help_text="the step it was written with, if any",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class ChecklistItem(models.Model):
    """One statement an author confirms when submitting a paper (the venue's submission
    checklist: "the paper is anonymised", "it is not under review elsewhere"). Editors keep
    the list in the admin; every active item must be confirmed, through the site or the API."""

    text = models.CharField(max_length=500)
    help_text = models.CharField(max_length=500, blank=True, help_text="shown under the item")
    position = models.PositiveIntegerField(default=0, help_text="items are shown in this order")
    active = models.BooleanField(default=True, help_text="asked of new submissions")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class PaperAuthor(models.Model):
    """One of a paper's authors, in the order the paper names them. The submitting author is
    one of them (``contact``) and stays the paper's contact; a co-author whose address
    belongs to a verified account (``user``) sees the paper and hears of it."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="authors")
    position = models.PositiveIntegerField(help_text="1 for the first author")
    name = models.CharField(max_length=200)
    email = models.EmailField(
        max_length=254, blank=True, help_text="kept in lower case; required of co-authors"
    )
    affiliation = models.CharField(max_length=300, blank=True)
    orcid = models.CharField("ORCID iD", max_length=19, blank=True, validators=[validate_orcid])
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authorships",
        help_text="the account whose verified address this is, if any",
    )
    contact = models.BooleanField(default=False, help_text="the submitting author")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submission", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "position"], name="one_author_per_position"
            ),
            models.UniqueConstraint(fields=["submission", "email"], name="one_author_per_email"),
        ]
        indexes = [models.Index(fields=["user"], name="authorship_by_user")]

    def __str__(self) -> str:
        return self.name
