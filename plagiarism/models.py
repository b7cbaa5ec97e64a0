"""The fingerprint index and the plagiarism reports."""

import uuid

from django.conf import settings as django_settings
from django.db import models
from django.utils import timezone

from plagiarism.engine import SourceKind

SOURCE_KINDS = [(kind.value, kind.label) for kind in SourceKind]


class IndexedPaper(models.Model):
    """A submission whose fingerprints are in the index, and with which algorithm."""

    submission_id = models.UUIDField(primary_key=True)
    author_id = models.BigIntegerField()
    algorithm_version = models.CharField(max_length=50)
    fingerprints = models.PositiveIntegerField()
    indexed_at = models.DateTimeField(default=timezone.now)
    sequence = models.BigIntegerField(
        db_index=True, help_text="order of indexing: tells a check what was added meanwhile"
    )

    def __str__(self) -> str:
        return str(self.submission_id)


class Fingerprint(models.Model):
    """One winnowed k-gram hash of an indexed paper. The primary key (hash first) is the
    index the candidate search reads: no scan of the corpus."""

    pk = models.CompositePrimaryKey("hash", "submission_id", "position")
    hash = models.BigIntegerField()
    submission_id = models.UUIDField()
    position = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["submission_id"], name="fingerprint_by_paper")]

    def __str__(self) -> str:
        return f"{self.hash} @ {self.submission_id}:{self.position}"


class SketchKey(models.Model):
    """One MinHash key of an indexed paper's windows of words (``engine.sketch``): the
    candidate search for heavy revisions, which share word sets but few runs of words."""

    pk = models.CompositePrimaryKey("key", "submission_id")
    key = models.BigIntegerField()
    submission_id = models.UUIDField()

    class Meta:
        indexes = [models.Index(fields=["submission_id"], name="sketch_by_paper")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.submission_id}"


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
