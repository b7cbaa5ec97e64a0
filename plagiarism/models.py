"""The fingerprint index and the plagiarism reports."""

import uuid

from django.conf import settings as django_settings
from django.db import models
from django.utils import timezone

from plagiarism.engine import SourceKind

SOURCE_KINDS = [(kind.value, kind.label) for kind in SourceKind]


class PublishedWork(models.Model):
    """A published text the checks compare papers with (a back catalogue imported by
    ``plagiarism_import``): a source, never a submission. Public, so a report names it to
    the author as well."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    external_id = models.CharField(
        max_length=300, unique=True, help_text="its id in the import (or the file's path)"
    )
    title = models.CharField(max_length=1000)
    authors = models.CharField(max_length=2000, blank=True, help_text="as given, in order")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    doi = models.CharField(max_length=300, blank=True, db_index=True)
    url = models.URLField(max_length=1000, blank=True)
    text = models.TextField()
    words = models.PositiveIntegerField(default=0)
    content_hash = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the text: a second copy is skipped"
    )
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


class IndexDoc(models.Model):
    """A text in the index (``plagiarism.index``): a submission's current version or a
    published work, under a compact integer id. Its terms are in main, or, until the next
    merge, in its own row (the delta)."""

    id = models.AutoField(primary_key=True)
    submission_id = models.UUIDField(null=True, blank=True, unique=True)
    work = models.OneToOneField(
        PublishedWork, null=True, blank=True, on_delete=models.CASCADE, related_name="indexed"
    )
    author_id = models.BigIntegerField(null=True, blank=True)
    algorithm_version = models.CharField(max_length=50)
    fingerprints = models.PositiveIntegerField()
    indexed_at = models.DateTimeField(default=timezone.now)
    sequence = models.BigIntegerField(
        db_index=True, help_text="order of indexing: tells a check what was added meanwhile"
    )
    pending_prints = models.BinaryField(null=True, blank=True, help_text="until merged")
    pending_sketch = models.BinaryField(null=True, blank=True, help_text="until merged")
    staged = models.BooleanField(
        default=False, help_text="imported in bulk: read by checks once merged"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["id"],
                name="indexdoc_delta",
                condition=models.Q(pending_prints__isnull=False, staged=False),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(submission_id__isnull=True) ^ models.Q(work__isnull=True),
                name="indexdoc_submission_or_work",
            )
        ]

    def __str__(self) -> str:
        return f"doc {self.pk}: {self.submission_id or self.work_id}"


class IndexBucket(models.Model):
    """Main: one bucket of postings (``plagiarism.index``). Rewritten whole by a merge."""

    pk = models.CompositePrimaryKey("kind", "bucket")
    kind = models.SmallIntegerField()
    bucket = models.IntegerField()
    base = models.IntegerField()
    wide = models.BooleanField()
    keys = models.BinaryField()
    docs = models.BinaryField()

    def __str__(self) -> str:
        return f"bucket {self.kind}:{self.bucket}"


class IndexState(models.Model):
    """The index's one row: its algorithm and layout, and when it was last merged."""

    algorithm_version = models.CharField(max_length=50)
    prints_bits = models.PositiveSmallIntegerField(default=16)
    sketch_bits = models.PositiveSmallIntegerField(default=16)
    merged_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"index {self.algorithm_version}"

    def bits(self, kind: int) -> int:
        return self.sketch_bits if kind else self.prints_bits


class Check(models.Model):
    """The similarity check of one version of a paper: waiting, done or failed, and the
    summary every other app reads (through ``plagiarism.selectors``). Made waiting when the
    paper's upload arrives; the sweep re-enqueues checks left waiting too long."""

    class State(models.TextChoices):
        WAITING = "waiting", "waiting"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    submission_id = models.UUIDField()
    paper_version = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    score = models.FloatField(null=True, blank=True, help_text="of the report in force")
    flagged = models.BooleanField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="why it failed, for editors only")
    report = models.ForeignKey(
        "Report",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the report in force: the check's own, or an editor's re-score of it",
    )
    created_at = models.DateTimeField(default=timezone.now, help_text="waiting since")
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission_id", "paper_version"], name="one_check_per_paper_version"
            )
        ]
        indexes = [
            # The sweep's question, answered without reading the checks that are done.
            models.Index(
                fields=["created_at"],
                name="check_waiting",
                condition=models.Q(state="waiting"),
            )
        ]

    def __str__(self) -> str:
        return f"check {self.submission_id} v{self.paper_version}: {self.state}"


class Report(models.Model):
    class State(models.TextChoices):
        DONE = "done", "done"
        FAILED = "failed", "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    submission_id = models.UUIDField()
    paper_version = models.PositiveIntegerField(default=1, help_text="the version checked")
    algorithm_version = models.CharField(max_length=50)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DONE)
    error = models.TextField(blank=True)
    score = models.FloatField(null=True)
    flagged = models.BooleanField(null=True)
    counted_words = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    words_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="the paper was longer: only its first N words were checked"
    )
    excluded_words = models.PositiveIntegerField(
        default=0, help_text="words not counted: quotations, block quotations, references"
    )
    flag_reasons = models.JSONField(default=list, blank=True, help_text="why it is flagged")
    own_score = models.FloatField(
        null=True, blank=True, help_text="share credited to the author's own earlier papers"
    )
    versions_score = models.FloatField(
        null=True, blank=True, help_text="share credited to earlier versions of this paper"
    )
    settings = models.JSONField(
        default=dict,
        blank=True,
        help_text="how it was scored: the exclusions on or off, the sources left out",
    )
    original = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rescores",
        help_text="set on an editor's re-score: the check's own report, which is kept",
    )
    made_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the editor who re-scored (empty: the check)",
    )
    reason = models.TextField(blank=True, help_text="the editor's reason for the re-score")
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission_id", "paper_version", "algorithm_version"],
                condition=models.Q(original__isnull=True),
                name="one_report_per_paper_version",
            )
        ]

    def __str__(self) -> str:
        return f"report {self.submission_id} v{self.paper_version} ({self.algorithm_version})"


class ReportSource(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sources")
    source_submission_id = models.UUIDField()
    score = models.FloatField()
    words = models.PositiveIntegerField()
    primary_words = models.PositiveIntegerField(help_text="words credited to it")
    share = models.FloatField(default=0.0, help_text="share of the paper's words credited to it")
    kind = models.CharField(max_length=10, choices=SOURCE_KINDS, default=SourceKind.OTHER)
    source_version = models.PositiveIntegerField(
        default=0, help_text="the source's version most of its words were found in"
    )
    verdict = models.CharField(max_length=20, blank=True)
    evidence = models.JSONField(
        default=dict, blank=True, help_text="the signals behind the verdict, and which drove it"
    )

    class Meta:
        ordering = ["-primary_words", "-score"]

    def __str__(self) -> str:
        return f"{self.source_submission_id} ({self.score:.0%})"

    @property
    def counts(self) -> bool:
        return SourceKind(self.kind).counts


class MatchedPassage(models.Model):
    source = models.ForeignKey(ReportSource, on_delete=models.CASCADE, related_name="passages")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    source_start = models.PositiveIntegerField()
    source_end = models.PositiveIntegerField()
    words = models.PositiveIntegerField()
    source_version = models.PositiveIntegerField(
        default=0, help_text="the source's version the passage was found in"
    )

    class Meta:
        ordering = ["start"]

    def __str__(self) -> str:
        return f"{self.start}-{self.end} ↔ {self.source_start}-{self.source_end}"
