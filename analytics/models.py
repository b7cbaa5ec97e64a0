"""Durable analytics state, built from the event topics, each event applied once.

Per-submission facts rather than pre-summed counters: the summary's percentiles are exact
and any date range can be asked for, while each event still changes one row (or two).
PostgreSQL computes the aggregates from these rows when asked (``analytics.selectors``).
"""

from django.db import models


class DailyEventCount(models.Model):
    """How many events of each type happened on each day (UTC), each event counted once."""

    day = models.DateField()
    event_type = models.CharField(max_length=100)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "event_type"], name="one_count_per_day_and_type")
        ]
        ordering = ["-day", "event_type"]

    def __str__(self) -> str:
        return f"{self.day} {self.event_type}: {self.count}"


class SubmissionFact(models.Model):
    """What the events told about one submission. Its events arrive on three topics, so in
    any order; every update here gives the same row whatever that order was."""

    submission_id = models.UUIDField(primary_key=True)
    uploaded_at = models.DateTimeField(null=True)
    uploaded_on = models.DateField(null=True, help_text="UTC day of the upload")
    status = models.CharField(max_length=20)
    score = models.FloatField(null=True)
    flagged = models.BooleanField(null=True)
    checked_at = models.DateTimeField(null=True, help_text="the first check's report")
    versions = models.PositiveIntegerField(default=1, help_text="the highest version uploaded")

    class Meta:
        indexes = [models.Index(fields=["uploaded_on"], name="fact_by_upload_day")]

    def __str__(self) -> str:
        return f"{self.submission_id} ({self.status})"


class DecisionFact(models.Model):
    """One editorial decision (or withdrawal), from its ``submission_decided`` event."""

    event_id = models.UUIDField(primary_key=True)
    submission_id = models.UUIDField()
    decision = models.CharField(max_length=20)
    from_status = models.CharField(max_length=20, blank=True, help_text="the status it left")
    decided_at = models.DateTimeField()
    decided_on = models.DateField(help_text="UTC day of the decision")

    class Meta:
        indexes = [models.Index(fields=["decided_on"], name="decision_by_day")]

    def __str__(self) -> str:
        return f"{self.submission_id} {self.decision}"


class InvitationFact(models.Model):
    """One invitation to review, from its events (``review_invitations`` and ``reviews``,
    both keyed by the submission, so one invitation's events arrive in order; still, every
    update keeps what another event set)."""

    invitation_id = models.UUIDField(primary_key=True)
    submission_id = models.UUIDField()
    reviewer_id = models.BigIntegerField(null=True, help_text="empty until an address answers")
    invited_at = models.DateTimeField(null=True)
    invited_on = models.DateField(null=True, help_text="UTC day of the invitation")
    answer = models.CharField(max_length=10, blank=True, help_text="accepted or declined")
    answered_at = models.DateTimeField(null=True)
    reviewed_at = models.DateTimeField(null=True, help_text="when the review was first submitted")
    recommendation = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["invited_on"], name="invitation_fact_by_day"),
            models.Index(fields=["submission_id"], name="invitation_fact_by_paper"),
        ]

    def __str__(self) -> str:
        return f"{self.invitation_id} ({self.answer or 'unanswered'})"


class HeldEvent(models.Model):
    """An event about a submission whose first upload analytics has not applied yet. A
    submission's events come on several topics, so a check or a decision can be read before
    its upload; it waits here and is applied when the upload is. An event about a submission
    that was never uploaded (forged, or written by something else) stays here and never shows
    in the figures."""

    event_id = models.UUIDField(primary_key=True)
    submission_id = models.UUIDField()
    ce_type = models.CharField(max_length=200)
    time = models.DateTimeField()
    data = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["submission_id"], name="held_event_by_paper")]

    def __str__(self) -> str:
        return f"{self.ce_type} for {self.submission_id}"
