"""The shared consumer runtime: decode, validate, dedupe, retry, dead-letter, commit.

Each app names a group and its handlers (``ConsumerGroup``); ``ConsumerRunner`` does the rest.

Effectively-once: a handler runs inside a database transaction that also inserts the event
id into the group's inbox (``ProcessedEvent``); an id already there is skipped. The Kafka
offset is committed only after that transaction committed, so a crash anywhere redelivers,
and a redelivery changes nothing.

Three kinds of failure:
- invalid message (undecodable, unknown type, off-contract): dead-lettered at once;
- transient (the database unreachable, or a handler raising ``RetryLater``): retried with
  backoff for as long as it lasts, offset not committed;
- anything else is taken as a bug: retried ``CONSUMER_MAX_ATTEMPTS`` times with exponential
  backoff, then dead-lettered with the error and a traceback summary in its headers.
The consumer keeps going in every case, and through broker outages: a poll that loses the
broker rejoins the group with a fresh client from the committed offsets. A record the Kafka
client itself cannot parse (invalid UTF-8 in a header name, a corrupt batch) is found by a
probe, dead-lettered by its position and stepped over. Nothing a message carries reaches the
database unchecked: text that PostgreSQL cannot store is off-contract.

The dead-letter limit: when more than ``CONSUMER_DLQ_MAX_RATIO`` of the last
``CONSUMER_DLQ_WINDOW`` events would be dead-lettered, something is wrong upstream (a bad
deploy), not with single events: the consumer pauses its partitions, leaves the offending
event uncommitted, says so in its log and its ``outbox_consumer_paused`` gauge, and waits for
an operator (a restart resumes it) instead of draining a whole topic into the dead letters.
"""

import logging
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CorruptRecordError, KafkaError, MessageSizeTooLargeError
from kafka.structs import OffsetAndMetadata, TopicPartition

from outbox.events import Event, event_type_of
from outbox.kafka import kafka_consumer, kafka_producer
from outbox.metrics import CONSUMED, CONSUMER_HANDLE_SECONDS, CONSUMER_LAG, CONSUMER_PAUSED
from outbox.models import DeadLetter, ProcessedEvent
from outbox.topics import dead_letter_topic_name, topic_name
from outbox.tracing import trace_context
from outbox.wire import (
    H_ID,
    H_TYPE,
    InvalidMessage,
    ReceivedEvent,
    decode,
    header_map,
    storable,
)

logger = logging.getLogger(__name__)

Handler = Callable[[ReceivedEvent], None]

DLQ_PREFIX = "dlq_"
INBOX_SQL = (
    f'INSERT INTO {ProcessedEvent._meta.db_table} ("group", event_id, processed_at) '  # noqa: S608
    "VALUES (%s, %s, now()) ON CONFLICT DO NOTHING RETURNING id"
)
INBOX_RUN_SQL = (
    f'INSERT INTO {ProcessedEvent._meta.db_table} ("group", event_id, processed_at) '  # noqa: S608
    "SELECT %s, id, now() FROM unnest(%s::uuid[]) AS ids(id) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)


class RetryLater(Exception):
    """Raised by a handler for a failure that will pass (a mail server down): retry, never
    dead-letter."""


class _Stopped(Exception):
    """Stop was asked for while an event was still unfinished: leave its offset uncommitted."""


class _Paused(Exception):
    """The dead-letter limit was reached at this event: leave its offset uncommitted."""


@dataclass(frozen=True)
class ConsumerGroup:
    """A consumer group and the handler of each event type it reacts to."""

    name: str
    handlers: dict[type[Event], Handler]
    # An advisory lock taken shared by every event's transaction, so that a maintenance job
    # holding it exclusively (``rebuild_analytics``) pauses the group between two events.
    fence_lock: int | None = None

    @property
    def group_id(self) -> str:
        return f"{settings.KAFKA_TOPIC_PREFIX}{self.name}"

    @property
    def topics(self) -> list[str]:
        return sorted({topic_name(contract.topic) for contract in self.handlers})


class _CommitOnRevoke(ConsumerRebalanceListener):
    def __init__(self, runner: "ConsumerRunner") -> None:
        self.runner = runner

    def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self.runner.commit(only=revoked)

    def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        if self.runner.paused and assigned:  # a paused consumer takes on no new work
            self.runner.consumer.pause(*assigned)
        logger.info(
            "consumer.partitions_assigned group=%s partitions=%s",
            self.runner.group.name,
            ",".join(f"{tp.topic}:{tp.partition}" for tp in sorted(assigned)),
        )


class ConsumerRunner:
    def __init__(
        self,
        group: ConsumerGroup,
        *,
        max_attempts: int | None = None,
        backoff_seconds: float | None = None,
        consumer_config: dict[str, Any] | None = None,
    ) -> None:
        self.group = group
        self.max_attempts = max_attempts or settings.CONSUMER_MAX_ATTEMPTS
        self.backoff_seconds = (
            backoff_seconds if backoff_seconds is not None else settings.CONSUMER_BACKOFF_SECONDS
        )
        self.consumer_config = consumer_config or {}
        self.stopping = threading.Event()
        self.consumer: KafkaConsumer | None = None
        self.producer: KafkaProducer | None = None
        self.pending: dict[TopicPartition, int] = {}
        self.handled = 0
        self._lag_checked = 0.0
        # The dead-letter limit: whether each of the last events was dead-lettered.
        self.dlq_window = settings.CONSUMER_DLQ_WINDOW
        self.dlq_max_ratio = settings.CONSUMER_DLQ_MAX_RATIO
        self._recent: deque[bool] = deque(maxlen=max(1, self.dlq_window))
        self.paused = False
        self._paused_logged = 0.0
        self._run_failure: Exception | None = None  # of the event that ended the last run

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> None:
        if not self._join():
            return  # stopped while waiting for the broker
        logger.info(
            "consumer.started group=%s topics=%s", self.group.group_id, ",".join(self.group.topics)
        )
        try:
            while not self.stopping.is_set():
                try:
                    batches = self.consumer.poll(timeout_ms=500)
                except CorruptRecordError as exc:
                    if not self._step_over_unreadable(exc):
                        break
                    continue
                except KafkaError as exc:
                    if not self._rejoin(exc):
                        break
                    continue
                except Exception as exc:  # the client failed to parse a record it fetched
                    if not self._step_over_unreadable(exc):
                        break
                    continue
                try:
                    for records in batches.values():
                        self.handle_records(records)
                except (_Stopped, _Paused):
                    pass
                finally:
                    self.commit()
                self._report_lag()
                self._report_paused()
        finally:
            self.close()
        logger.info("consumer.stopped group=%s handled=%d", self.group.group_id, self.handled)

    def stop(self) -> None:
        self.stopping.set()

    def _join(self) -> bool:
        """Connect (waiting for the broker if need be) and subscribe; False if stopped."""
        self.consumer = self._connect()
        if self.consumer is None:
            return False
        self.consumer.subscribe(self.group.topics, listener=_CommitOnRevoke(self))
        return True

    def _rejoin(self, exc: Exception) -> bool:
        """The broker went away under a poll (a restart, a network cut). Start again from
        the committed offsets with a fresh client rather than trust the state of one that
        failed halfway: events already applied come again and the inbox drops them. False
        if stopped while waiting for the broker."""
        logger.warning("consumer.kafka_lost group=%s error=%s", self.group.group_id, exc)
        self.commit()  # what is already applied, if the broker still takes it
        self.close()
        if not self._join():
            return False
        logger.warning("consumer.kafka_rejoined group=%s", self.group.group_id)
        return True

    def _connect(self) -> KafkaConsumer | None:
        """The group's consumer, once the broker answers: a consumer started while Kafka is
        down (a restart, a deploy) waits for it with backoff instead of exiting."""
        session_ms = settings.CONSUMER_SESSION_TIMEOUT_MS
        config = {
            "max_poll_records": 100,
            "session_timeout_ms": session_ms,
            "heartbeat_interval_ms": max(300, session_ms // 3),
        } | self.consumer_config
        attempt = 0
        while not self.stopping.is_set():
            try:
                return kafka_consumer(group_id=self.group.group_id, **config)
            except KafkaError as exc:
                if attempt == 0:
                    logger.warning(
                        "consumer.kafka_unavailable group=%s error=%s", self.group.group_id, exc
                    )
                attempt += 1
                # A short ceiling: once the broker is back, consume again within seconds.
                self.stopping.wait(min(2.0, self.backoff_seconds * 2 ** min(attempt, 5)))
        return None

    def close(self) -> None:
        consumer, self.consumer = self.consumer, None
        if consumer is not None:
            try:
                consumer.close(autocommit=False)
            except KafkaError as exc:  # leaving the group needs the broker; it may be gone
                logger.info("consumer.close_failed group=%s error=%s", self.group.group_id, exc)
        producer, self.producer = self.producer, None
        if producer is not None:
            producer.close(timeout=5)

    def commit(self, only: set[TopicPartition] | None = None) -> None:
        """Commit the offsets of events whose effects are committed."""
        offsets = {
            tp: OffsetAndMetadata(offset, "", -1)
            for tp, offset in self.pending.items()
            if only is None or tp in only
        }
        if not offsets or self.consumer is None:
            return
        try:
            self.consumer.commit(offsets)
        except KafkaError as exc:
            # Harmless: the events come again and the inbox drops them.
            logger.warning("consumer.commit_failed group=%s error=%s", self.group.group_id, exc)
        for tp in offsets:
            self.pending.pop(tp, None)

    # -- a batch of events -------------------------------------------------------------------
    def handle_records(self, records: list[ConsumerRecord]) -> None:
        """Apply one partition's records, in order, in as few transactions as possible.

        Runs of valid events are applied together: every event's effect and inbox row in
        one transaction (one commit for a hundred events rather than a hundred). An event
        that is invalid, or that fails, ends the run: the events before it commit, and it
        takes the one-event path (retries, transient waits, dead letters) before the next
        run starts, so a partition's order holds.
        """
        done = 0
        while done < len(records):
            if self.stopping.is_set():
                raise _Stopped
            applied = self._apply_run(records[done:])
            for record in records[done : done + applied]:
                self.pending[TopicPartition(record.topic, record.partition)] = record.offset + 1
            done += applied
            if done < len(records):
                record = records[done]
                self.handle_record(record)
                self.pending[TopicPartition(record.topic, record.partition)] = record.offset + 1
                done += 1

    def _apply_run(self, records: list[ConsumerRecord], *, limit: int | None = None) -> int:
        """Apply the leading valid events of ``records`` in one transaction; how many."""
        run: list[ReceivedEvent] = []
        for record in records[:limit]:
            try:
                run.append(decode(record.value, record.headers))
            except Exception:
                break  # the one-event path dead-letters it
        if not run:
            return 0
        started = time.monotonic()
        outcomes: list[str] = []
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                self._fence(cursor)
                # The whole run's inbox rows in one statement: the ids it returns are the
                # events not seen before (an id twice in the run comes back once).
                wanted = [r.id for r in run if type(r.data) in self.group.handlers]
                fresh: set = set()
                if wanted:
                    cursor.execute(INBOX_RUN_SQL, [self.group.name, wanted])
                    fresh = {row[0] for row in cursor.fetchall()}
                for received in run:
                    handler = self.group.handlers.get(type(received.data))
                    if handler is None:  # a known event this group does not react to
                        outcomes.append("ignored")
                        continue
                    if received.id not in fresh:
                        outcomes.append("duplicate")
                        continue
                    fresh.discard(received.id)
                    with trace_context(received.traceparent):
                        handler(received)
                    outcomes.append("handled")
        except Exception as exc:
            # The run is rolled back. Those before the failing event succeeded: apply them
            # again as a run; the failing one takes the one-event path, this failure
            # counting as its first attempt.
            logger.debug("consumer.run_failed group=%s error=%r", self.group.name, exc)
            if isinstance(exc, (OperationalError, InterfaceError)):
                connection.close()
                return 0
            if not isinstance(exc, RetryLater):
                self._run_failure = exc
            return self._apply_run(records, limit=len(outcomes)) if outcomes else 0
        spent = (time.monotonic() - started) / len(run)
        for received, outcome in zip(run, outcomes, strict=True):
            CONSUMED.labels(self.group.name, received.data.event_type, outcome).inc()
            self._recent.append(False)
            if outcome == "handled":
                CONSUMER_HANDLE_SECONDS.labels(self.group.name).observe(spent)
                self.handled += 1
                self.on_applied(received)
        return len(run)

    def on_applied(self, received: ReceivedEvent) -> None:
        """Called once an event's effect has committed (a hook for measurements)."""

    # -- one event --------------------------------------------------------------------------
    def handle_record(self, record: ConsumerRecord) -> None:
        try:
            received = decode(record.value, record.headers)
        except InvalidMessage as exc:
            self.dead_letter(record, reason=DeadLetter.Reason.INVALID, error=str(exc), attempts=1)
            return
        except Exception as exc:  # whatever a message carries, it never stops the consumer
            self.dead_letter(
                record,
                reason=DeadLetter.Reason.INVALID,
                error=f"undecodable: {type(exc).__name__}: {exc}",
                attempts=1,
            )
            return
        handler = self.group.handlers.get(type(received.data))
        event_type = received.data.event_type
        if handler is None:  # a known event this group does not react to
            CONSUMED.labels(self.group.name, event_type, "ignored").inc()
            self._recent.append(False)
            return
        attempt, transient_logged = 0, False
        failed_in_run, self._run_failure = self._run_failure, None
        while True:
            started = time.monotonic()
            try:
                if failed_in_run is not None:  # its first attempt was in a run: count it
                    failed_in_run, exc = None, failed_in_run
                    raise exc
                applied = self._apply(received, handler)
            except (OperationalError, InterfaceError, RetryLater) as exc:
                if not transient_logged:
                    logger.warning(
                        "consumer.transient_failure group=%s event_id=%s error=%s",
                        self.group.name,
                        received.id,
                        str(exc).strip(),
                    )
                    transient_logged = True
                connection.close()
                self._sleep(min(30.0, self.backoff_seconds * 2 ** min(attempt, 6)))
                continue
            except Exception as exc:
                attempt += 1
                logger.warning(
                    "consumer.handler_failed group=%s event_id=%s type=%s attempt=%d error=%r",
                    self.group.name,
                    received.id,
                    event_type,
                    attempt,
                    exc,
                )
                if attempt >= self.max_attempts:
                    self.dead_letter(
                        record,
                        reason=DeadLetter.Reason.FAILED,
                        error=f"{type(exc).__name__}: {exc}",
                        trace="".join(traceback.format_exception(exc, limit=-8)),
                        attempts=attempt,
                    )
                    return
                self._sleep(self.backoff_seconds * 2 ** (attempt - 1))
                continue
            CONSUMER_HANDLE_SECONDS.labels(self.group.name).observe(time.monotonic() - started)
            self._recent.append(False)
            outcome = "handled" if applied else "duplicate"
            CONSUMED.labels(self.group.name, event_type, outcome).inc()
            self.handled += applied
            if applied:
                self.on_applied(received)
            logger.debug(
                "consumer.event_%s group=%s event_id=%s type=%s",
                outcome,
                self.group.name,
                received.id,
                event_type,
            )
            return

    def _apply(self, received: ReceivedEvent, handler: Handler) -> bool:
        """Run the handler and record the event id in one transaction; False if seen."""
        with transaction.atomic():
            with connection.cursor() as cursor:
                self._fence(cursor)
                cursor.execute(INBOX_SQL, [self.group.name, received.id])
                if cursor.fetchone() is None:
                    return False
            with trace_context(received.traceparent):
                handler(received)
        return True

    def _fence(self, cursor) -> None:
        """Take the group's fence lock shared, first thing in an event's transaction, so a
        maintenance job holding it exclusively (``rebuild_analytics``) pauses the group."""
        if self.group.fence_lock is not None:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [self.group.fence_lock])

    def _sleep(self, seconds: float) -> None:
        if self.stopping.wait(seconds):
            raise _Stopped

    # -- dead letters -----------------------------------------------------------------------
    def dead_letter(
        self,
        record: ConsumerRecord | SimpleNamespace,
        *,
        reason: str,
        error: str,
        attempts: int,
        trace: str = "",
    ) -> None:
        """Send ``record`` to its dead-letter topic and keep a row for operators to replay.

        Nothing the record carries can stop this: every text is made storable first, a row
        the database refuses for its content is logged and the Kafka copy still sent, and a
        value too large for the dead-letter topic is sent without it (the row keeps it).
        Transient failures (the database or Kafka away) are retried until they pass, and
        the offset is not committed meanwhile. Raises ``_Paused`` instead when the
        dead-letter limit is reached.
        """
        self._admit_dead_letter(record, error)
        attributes = header_map(record.headers)
        event_id = storable(attributes.get(H_ID, ""))[:100]
        event_type = storable(attributes.get(H_TYPE, ""))[:200]
        error, trace = storable(error), storable(trace)
        failure = {
            "reason": reason,
            "error": error[:2000],
            "traceback": trace[-4000:],
            "original_topic": record.topic,
            "original_partition": str(record.partition),
            "original_offset": str(record.offset),
            "attempts": str(attempts),
            "group": self.group.name,
            "failed_at": timezone.now().isoformat(),
        }
        original = [(n, v) for n, v in record.headers or [] if not n.startswith(DLQ_PREFIX)]
        headers = original + [(f"{DLQ_PREFIX}{n}", v.encode()) for n, v in failure.items()]
        # Kafka takes no message without both key and value: an unreadable record has neither.
        value = b"" if record.value is None and record.key is None else record.value
        row_written, attempt = False, 0
        while True:
            try:
                if not row_written:
                    self._dead_letter_row(
                        record,
                        event_id=event_id,
                        event_type=event_type_of(event_type)[:100],
                        reason=reason,
                        error=error,
                        trace=trace,
                        attempts=attempts,
                    )
                    row_written = True
                self._dead_letter_producer().send(
                    dead_letter_topic_name(record.topic),
                    key=record.key,
                    value=value,
                    headers=headers,
                ).get(timeout=30)
                break
            except MessageSizeTooLargeError as exc:  # the client's limit or the broker's
                if not value:
                    raise  # headers alone cannot be too large: a bug, not a message
                logger.warning(
                    "consumer.dead_letter_value_omitted group=%s event_id=%s bytes=%d error=%s",
                    self.group.name,
                    event_id or "-",
                    len(value),
                    exc,
                )
                headers.append((f"{DLQ_PREFIX}value_omitted", str(len(value)).encode()))
                value = b""
            except (KafkaError, OperationalError, InterfaceError) as exc:
                attempt += 1
                logger.warning(
                    "consumer.dead_letter_failed group=%s event_id=%s error=%s",
                    self.group.name,
                    event_id or "-",
                    exc,
                )
                connection.close()
                if self.producer is not None:
                    self.producer.close(timeout=0)
                    self.producer = None
                self._sleep(min(30.0, self.backoff_seconds * 2 ** min(attempt, 6)))
            except Exception as exc:  # never stop the consumer: the row is there to replay
                logger.error(
                    "consumer.dead_letter_topic_failed group=%s topic=%s partition=%s offset=%s "
                    "error=%r",
                    self.group.name,
                    record.topic,
                    record.partition,
                    record.offset,
                    exc,
                )
                break
        self._recent.append(True)
        CONSUMED.labels(self.group.name, event_type or "unknown", "dead_lettered").inc()
        logger.error(
            "consumer.dead_lettered group=%s event_id=%s type=%s reason=%s error=%s",
            self.group.name,
            event_id or "-",
            event_type or "-",
            reason,
            error[:500],
        )

    def _dead_letter_row(
        self,
        record: ConsumerRecord | SimpleNamespace,
        *,
        event_id: str,
        event_type: str,
        reason: str,
        error: str,
        trace: str,
        attempts: int,
    ) -> None:
        """The row operators search and replay from. A row the database refuses for what it
        holds (not for being away) is logged, never retried: the Kafka copy still goes."""
        try:
            DeadLetter.objects.get_or_create(
                group=self.group.name,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                defaults={
                    "event_id": event_id,
                    "event_type": event_type,
                    "reason": reason,
                    "error": error,
                    "traceback": trace,
                    "attempts": attempts,
                    "key": record.key,
                    "value": record.value,
                    "headers": [[storable(n), (v or b"").hex()] for n, v in record.headers or []],
                },
            )
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:
            logger.error(
                "consumer.dead_letter_row_failed group=%s topic=%s partition=%s offset=%s error=%r",
                self.group.name,
                record.topic,
                record.partition,
                record.offset,
                exc,
            )

    def _admit_dead_letter(self, record: ConsumerRecord | SimpleNamespace, error: str) -> None:
        """Raise ``_Paused`` (and pause) if dead-lettering one more event would pass the limit."""
        limit = self.dlq_max_ratio * self.dlq_window
        if sum(self._recent) + 1 <= limit:
            return
        self.paused = True
        CONSUMER_PAUSED.labels(self.group.name).set(1)
        if self.consumer is not None:
            self.consumer.pause(*self.consumer.assignment())
        self._paused_logged = time.monotonic()
        logger.critical(
            "consumer.dlq_limit_reached group=%s dead_lettered=%d window=%d max_ratio=%g "
            "at=%s:%s@%s error=%s action=paused: fix the cause, then restart the consumer",
            self.group.name,
            sum(self._recent),
            len(self._recent),
            self.dlq_max_ratio,
            record.topic,
            record.partition,
            record.offset,
            storable(error)[:300],
        )
        raise _Paused

    def _report_paused(self) -> None:
        if self.paused and time.monotonic() - self._paused_logged > 60:
            self._paused_logged = time.monotonic()
            logger.critical("consumer.paused group=%s reason=dlq_limit", self.group.name)

    # -- records the client cannot read ------------------------------------------------------
    def _step_over_unreadable(self, exc: Exception) -> bool:
        """``poll`` raised while parsing a fetched record, and will raise at the same place
        at every poll. Find the record with a probe, dead-letter it by its position (its
        bytes are beyond the client; they stay in the topic at that offset) and seek past
        it. If no probe finds it, start again with a fresh client after a pause. False if
        stopped meanwhile."""
        logger.warning("consumer.poll_failed group=%s error=%r", self.group.name, exc)
        culprit = self._find_unreadable()
        if culprit is None:
            try:
                self._sleep(min(10.0, self.backoff_seconds * 4))
            except _Stopped:
                return False
            return self._rejoin(exc)
        tp, offset = culprit
        unreadable = SimpleNamespace(
            topic=tp.topic, partition=tp.partition, offset=offset, key=None, value=None, headers=[]
        )
        try:
            self.dead_letter(
                unreadable,
                reason=DeadLetter.Reason.INVALID,
                error=f"unreadable by the Kafka client: {type(exc).__name__}: {exc}",
                attempts=1,
            )
        except (_Stopped, _Paused):
            return not self.stopping.is_set()
        self.consumer.seek(tp, offset + 1)
        self.pending[tp] = offset + 1
        self.commit()
        return True

    def _find_unreadable(self) -> tuple[TopicPartition, int] | None:
        """The first assigned partition whose next record a fresh client cannot parse."""
        if self.consumer is None:
            return None
        probe = kafka_consumer(group_id=None, max_poll_records=1)
        try:
            for tp in sorted(self.consumer.assignment()):
                offset = self.consumer.position(tp)
                probe.assign([tp])
                probe.seek(tp, offset)
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    try:
                        if probe.poll(timeout_ms=500):
                            break
                    except KafkaError as exc:
                        if isinstance(exc, CorruptRecordError):
                            return tp, offset
                        raise
                    except Exception:
                        return tp, offset
            return None
        except KafkaError:
            return None
        finally:
            probe.close()

    def _dead_letter_producer(self) -> KafkaProducer:
        if self.producer is None:
            self.producer = kafka_producer(client_id=f"dead-letters-{self.group.name}")
        return self.producer

    # -- lag --------------------------------------------------------------------------------
    def _report_lag(self) -> None:
        now = time.monotonic()
        if self.consumer is None or now - self._lag_checked < 10:
            return
        self._lag_checked = now
        assigned = self.consumer.assignment()
        if not assigned:
            return
        by_topic: dict[str, int] = {}
        try:  # a gauge: skipped while the broker does not answer
            ends = self.consumer.end_offsets(list(assigned), timeout_ms=5000)
            for tp, end in ends.items():
                by_topic[tp.topic] = by_topic.get(tp.topic, 0) + max(
                    0, end - self.consumer.position(tp)
                )
        except KafkaError:
            return
        for topic, lag in by_topic.items():
            CONSUMER_LAG.labels(self.group.name, topic).set(lag)
