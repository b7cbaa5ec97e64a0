"""Writes of the event plumbing: publishing, purging sent rows, recording and replaying
dead letters."""

import logging
import zlib
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from kafka import KafkaProducer

from config.locks import AdvisoryLock
from contracts.events import Event
from contracts.topics import topic_name
from outbox.models import DeadLetter, OutboxEvent
from outbox.tracing import current_traceparent

logger = logging.getLogger(__name__)

NOTIFY_CHANNEL = "outbox_event"


class OutsideTransaction(RuntimeError):
    """Publishing outside ``transaction.atomic`` could commit an event without its change."""


def shard_for(key: str) -> int:
    return zlib.crc32(key.encode()) % settings.OUTBOX_SHARDS


def publish_on_commit(event: Event) -> OutboxEvent:
    """Record ``event`` in the outbox, to reach Kafka if and only if the caller commits.

    Must run inside the caller's ``transaction.atomic``, which also holds the domain change.
    Events of one aggregate (submission) reach Kafka in commit order: a transaction-level
    advisory lock on the key makes a second publisher of the same key wait until the first
    commits, so row ids of one key follow commit order, and the relay sends in id order.
    """
    if not connection.in_atomic_block:
        raise OutsideTransaction(
            f"publish_on_commit({event.event_type}) must run inside transaction.atomic"
        )
    key = event.key
    with connection.cursor() as cursor:
        # The NOTIFY is delivered at commit only, folded into one per transaction: a hint
        # that wakes the relay. One round trip for both.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s)), pg_notify(%s, '')",
            [AdvisoryLock.OUTBOX_KEY, key, NOTIFY_CHANNEL],
        )
    extra = {"traceparent": tp} if (tp := current_traceparent()) else {}
    row = OutboxEvent.objects.create(
        event_type=event.event_type,
        version=event.version,
        source=event.source,
        topic=topic_name(event.topic),
        key=key,
        shard=shard_for(key),
        payload=event.model_dump(mode="json"),
        headers=extra,
    )
    logger.info(
        "outbox.event_recorded event_id=%s type=%s key=%s", row.event_id, row.event_type, key
    )
    return row


def outbox_purge_sent(*, older_than: timedelta | None = None, chunk: int = 10_000) -> int:
    """Delete rows sent longer ago than the retention period; return how many went."""
    cutoff = timezone.now() - (older_than or timedelta(hours=settings.OUTBOX_RETENTION_HOURS))
    deleted = 0
    while True:
        ids = list(
            OutboxEvent.objects.filter(sent_at__lt=cutoff).values_list("id", flat=True)[:chunk]
        )
        if not ids:
            break
        deleted += OutboxEvent.objects.filter(id__in=ids).delete()[0]
    logger.info("outbox.purged count=%d cutoff=%s", deleted, cutoff.isoformat())
    return deleted


def dead_letters_for_replay(
    *, group: str | None = None, event_type: str | None = None, event_id: str | None = None
) -> QuerySet[DeadLetter]:
    # A letter without a value is a record the Kafka client could not read: there is nothing
    # to send back; it stays in its topic at the recorded offset for an operator to inspect.
    letters = DeadLetter.objects.filter(replayed_at__isnull=True, value__isnull=False)
    letters = letters.order_by("id")
    if group:
        letters = letters.filter(group=group)
    if event_type:
        letters = letters.filter(event_type=event_type)
    if event_id:
        letters = letters.filter(event_id=event_id)
    return letters


def dead_letter_replay(*, letter: DeadLetter, producer: KafkaProducer) -> None:
    """Send a dead letter back to the topic it came from, as it first arrived.

    The consumer group that gave up on it handles it afresh (its inbox never recorded it);
    other groups that already applied it skip it by event id.
    """
    headers = [(name, bytes.fromhex(value)) for name, value in letter.headers]
    producer.send(
        letter.topic,
        key=bytes(letter.key) if letter.key is not None else None,
        value=bytes(letter.value) if letter.value is not None else None,
        headers=headers,
    ).get(timeout=30)
    DeadLetter.objects.filter(pk=letter.pk).update(replayed_at=timezone.now())
    logger.info(
        "outbox.dead_letter_replayed event_id=%s group=%s topic=%s",
        letter.event_id or "-",
        letter.group,
        letter.topic,
    )
