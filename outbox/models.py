"""The event plumbing's tables: the outbox, the consumers' inbox, and dead letters."""

import uuid

from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    """An event recorded in the same transaction as the change it describes.

    The relay publishes unsent rows to ``topic`` with ``key`` as the Kafka key, in ``id``
    order within each ``shard``, and sets ``sent_at`` only after Kafka acknowledged them.
    """

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=100)
    version = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=100)
    topic = models.CharField(max_length=249)
    key = models.CharField(max_length=100, help_text="aggregate (submission) id: the Kafka key")
    shard = models.PositiveSmallIntegerField(help_text="which relay lease covers this row")
    payload = models.JSONField()
    headers = models.JSONField(default=dict, blank=True, help_text="extra headers (traceparent)")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The relay reads unsent rows in id order (filtered by the shards it holds).
            models.Index(
                fields=["id"], condition=models.Q(sent_at__isnull=True), name="outbox_unsent"
            ),
            models.Index(
                fields=["sent_at"],
                condition=models.Q(sent_at__isnull=False),
                name="outbox_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} v{self.version} {self.event_id}"


class ProcessedEvent(models.Model):
    """The inbox: an event id here was applied by ``group``, in the same transaction."""

    group = models.CharField(max_length=200)
    event_id = models.UUIDField()
    processed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "event_id"], name="processed_once_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.event_id}"


class DeadLetter(models.Model):
    """An event a consumer group gave up on, kept whole so it can be replayed.

    The same message is also on the topic's dead-letter topic in Kafka, with the reason in
    its headers; this row is what operators search, count and replay from.
    """

    class Reason(models.TextChoices):
        INVALID = "invalid", "invalid event"
        FAILED = "failed", "handler kept failing"

    group = models.CharField(max_length=200)
    event_id = models.CharField(max_length=100, blank=True, help_text="empty when undecodable")
    event_type = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    error = models.TextField()
    traceback = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1)
    topic = models.CharField(max_length=249, help_text="the topic it was read from")
    partition = models.IntegerField()
    offset = models.BigIntegerField()
    key = models.BinaryField(null=True)
    value = models.BinaryField(null=True)
    headers = models.JSONField(default=list, help_text="the original headers, [name, hex]")
    created_at = models.DateTimeField(default=timezone.now)
    replayed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "topic", "partition", "offset"], name="dead_letter_once"
            )
        ]
        indexes = [models.Index(fields=["group", "replayed_at"])]

    def __str__(self) -> str:
        return f"{self.group} {self.event_type or '?'} {self.event_id or '?'} ({self.reason})"
