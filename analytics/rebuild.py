"""Rebuilding every analytics aggregate from the Kafka topics (``manage.py rebuild_analytics``).

1. Fresh tables beside the live ones are filled from the earliest retained offset of every
   partition up to the end seen at the start, each event id applied once, by the same SQL
   the consumer runs (``analytics_event_apply``).
2. Then, in one transaction holding the analytics fence lock exclusively (the live consumer
   takes it shared for every event, so it pauses between two events), the events that
   arrived meanwhile are read up to the new end, and the fresh tables replace the live
   ones' contents. The consumer's inbox for the group is replaced by the ids the rebuild
   applied, so when the consumer resumes it skips exactly those and applies the rest:
   nothing is counted twice and nothing is left out.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from kafka.errors import KafkaError
from kafka.structs import TopicPartition

from analytics.handlers import GROUP
from analytics.models import (
    DailyEventCount,
    DecisionFact,
    HeldEvent,
    InvitationFact,
    SubmissionFact,
)
from analytics.services import LIVE, Tables, analytics_event_apply
from config.locks import AdvisoryLock
from outbox.kafka import kafka_consumer
from outbox.models import ProcessedEvent
from outbox.wire import InvalidMessage, decode

REBUILD = Tables(
    daily="analytics_rebuild_daily",
    facts="analytics_rebuild_facts",
    decisions="analytics_rebuild_decisions",
    invitations="analytics_rebuild_invitations",
    held="analytics_rebuild_held",
)
SEEN = "analytics_rebuild_seen"


def _columns(model) -> str:
    """Every column of a model's table but a generated id (the live table keeps its own)."""
    return ", ".join(
        f.column for f in model._meta.concrete_fields if not (f.primary_key and f.name == "id")
    )


COLUMNS = {  # copied into the live tables
    LIVE.daily: _columns(DailyEventCount),
    LIVE.facts: _columns(SubmissionFact),
    LIVE.decisions: _columns(DecisionFact),
    LIVE.invitations: _columns(InvitationFact),
    LIVE.held: _columns(HeldEvent),
}
STALL_SECONDS = 60  # no progress for this long below the end offsets: give up


class RebuildError(Exception):
    """The rebuild cannot go on; the live tables are untouched."""


@dataclass
class RebuildReport:
    partitions: int = 0
    events: int = 0  # applied
    duplicates: int = 0  # the same event id again (at-least-once delivery)
    invalid: int = 0  # undecodable or off-contract: the live consumer dead-letters these
    during_fence: int = 0  # of ``events``, read while the live consumer was paused
    seconds: float = 0.0
    per_type: dict[str, int] = field(default_factory=dict)


def analytics_rebuild(
    *,
    on_total: Callable[[int], None] = lambda total: None,
    on_progress: Callable[[int], None] = lambda done: None,
) -> RebuildReport:
    started = time.monotonic()
    report = RebuildReport()
    try:
        consumer = kafka_consumer(group_id=None, client_id="analytics-rebuild")
    except KafkaError as exc:
        raise RebuildError(f"cannot reach Kafka: {exc}") from exc
    try:
        partitions = _partitions(consumer)
        report.partitions = len(partitions)
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        first = consumer.beginning_offsets(partitions)
        ends = consumer.end_offsets(partitions)
        on_total(sum(ends[tp] - first[tp] for tp in partitions))
        _tables_create()
        try:
            _read_until(consumer, ends, report, on_progress)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(%s)", [AdvisoryLock.ANALYTICS_FENCE]
                    )
                before = report.events
                ends = consumer.end_offsets(partitions)
                _read_until(consumer, ends, report, on_progress)
                report.during_fence = report.events - before
                _swap()
        finally:
            _tables_drop()
    finally:
        consumer.close()
    report.seconds = time.monotonic() - started
    return report


def _partitions(consumer) -> list[TopicPartition]:
    partitions = []
    for topic in GROUP.topics:
        numbers = consumer.partitions_for_topic(topic)
        if not numbers:
            raise RebuildError(f"topic {topic} does not exist (run manage.py kafka_topics)")
        partitions += [TopicPartition(topic, n) for n in sorted(numbers)]
    return partitions


def _read_until(consumer, ends: dict, report: RebuildReport, on_progress) -> None:
    """Apply every record below ``ends`` into the rebuild tables."""
    last_progress = time.monotonic()
    while any(consumer.position(tp) < end for tp, end in ends.items()):
        batches = consumer.poll(timeout_ms=1000, max_records=1000)
        if not batches:
            if time.monotonic() - last_progress > STALL_SECONDS:
                raise RebuildError(f"no records for {STALL_SECONDS} s below the end offsets")
            continue
        last_progress = time.monotonic()
        with transaction.atomic(), connection.cursor() as cursor:
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= ends.get(tp, 0):
                        continue  # after the end taken: read again in the next phase
                    _apply(cursor, record, report)
                    on_progress(1)
        for tp, records in batches.items():
            # Records past the end were left out above: read them again in the next phase.
            beyond = [r.offset for r in records if r.offset >= ends.get(tp, 0)]
            if beyond:
                consumer.seek(tp, min(beyond))


def _apply(cursor, record, report: RebuildReport) -> None:
    try:
        received = decode(record.value, record.headers)
    except InvalidMessage:
        report.invalid += 1
        return
    if type(received.data) not in GROUP.handlers:
        return
    cursor.execute(
        f"INSERT INTO {SEEN} (event_id) VALUES (%s) ON CONFLICT DO NOTHING RETURNING event_id",
        [received.id],
    )
    if cursor.fetchone() is None:
        report.duplicates += 1
        return
    analytics_event_apply(event=received, tables=REBUILD)
    report.events += 1
    name = received.data.event_type
    report.per_type[name] = report.per_type.get(name, 0) + 1


def _tables_create() -> None:
    with connection.cursor() as cursor:
        _tables_drop()
        for live, fresh in zip(LIVE.all(), REBUILD.all(), strict=True):
            cursor.execute(f"CREATE UNLOGGED TABLE {fresh} (LIKE {live} INCLUDING ALL)")
        cursor.execute(f"CREATE UNLOGGED TABLE {SEEN} (event_id uuid PRIMARY KEY)")


def _tables_drop() -> None:
    with connection.cursor() as cursor:
        for table in (*REBUILD.all(), SEEN):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _swap() -> None:
    """Inside the fenced transaction: the live tables take the rebuilt contents, and the
    group's inbox the rebuilt set of applied event ids."""
    inbox = ProcessedEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(LIVE.all())}")
        for live, fresh in zip(LIVE.all(), REBUILD.all(), strict=True):
            columns = COLUMNS[live]
            cursor.execute(f"INSERT INTO {live} ({columns}) SELECT {columns} FROM {fresh}")
        cursor.execute(f'DELETE FROM {inbox} WHERE "group" = %s', [GROUP.name])
        cursor.execute(
            f'INSERT INTO {inbox} ("group", event_id, processed_at) '
            f"SELECT %s, event_id, now() FROM {SEEN}",
            [GROUP.name],
        )
