"""The consumer loop: join the group (waiting for the broker), poll, apply each partition's
records in order through the parts, commit, and rejoin with a fresh client when the broker
goes away under a poll."""

import logging
import threading
import traceback
from typing import Any

from django.conf import settings
from kafka import KafkaConsumer
from kafka.errors import CorruptRecordError, KafkaError
from kafka.structs import TopicPartition

from outbox.consumer.apply import Applier
from outbox.consumer.client import CommitOnRevoke, connect, disconnect
from outbox.consumer.deadletter import DeadLetterSink
from outbox.consumer.group import ConsumerGroup, Paused, Stopped
from outbox.consumer.lag import LagGauge
from outbox.consumer.limit import DeadLetterLimit
from outbox.consumer.offsets import Offsets
from outbox.consumer.records import Records
from outbox.consumer.retry import Retrying
from outbox.consumer.unreadable import find_unreadable, unreadable_record
from outbox.models import DeadLetter

logger = logging.getLogger("outbox.consumer")


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
        self.backoff_seconds = (
            backoff_seconds if backoff_seconds is not None else settings.CONSUMER_BACKOFF_SECONDS
        )
        self.consumer_config = consumer_config or {}
        self.stopping = threading.Event()
        self.consumer: KafkaConsumer | None = None
        self.offsets = Offsets(group.name)
        self.limit = DeadLetterLimit(
            group.name,
            window=settings.CONSUMER_DLQ_WINDOW,
            max_ratio=settings.CONSUMER_DLQ_MAX_RATIO,
        )
        self.dead_letters = DeadLetterSink(group.name, sleep=self._backoff)
        self.lag = LagGauge(group.name)
        self.records = Records(
            group,
            applier=Applier(group),
            retrying=Retrying(
                max_attempts=max_attempts or settings.CONSUMER_MAX_ATTEMPTS,
                backoff_seconds=self.backoff_seconds,
                sleep=self._sleep,
                group_name=group.name,
            ),
            offsets=self.offsets,
            limit=self.limit,
            dead_letter=self.dead_letter,
            stopping=self.stopping,
            on_applied=lambda received: self.on_applied(received),
        )

    @property
    def handled(self) -> int:
        return self.records.handled

    @property
    def paused(self) -> bool:
        return self.limit.paused

    @property
    def pending(self) -> Offsets:
        return self.offsets

    def on_applied(self, received) -> None:
        """Called once an event's effect has committed (a hook for measurements)."""

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> None:
        if not self._join():
            return  # stopped while waiting for the broker
        logger.info(
            "consumer.started group=%s topics=%s", self.group.group_id, ",".join(self.group.topics)
        )
        try:
            while not self.stopping.is_set() and self._poll_once():
                pass
        finally:
            self.close()
        logger.info("consumer.stopped group=%s handled=%d", self.group.group_id, self.handled)

    def _poll_once(self) -> bool:
        """One poll and its records; False when the loop is to end (stopped meanwhile)."""
        try:
            batches = self.consumer.poll(timeout_ms=500)
        except CorruptRecordError as exc:
            return self._step_over_unreadable(exc)
        except KafkaError as exc:
            return self._rejoin(exc)
        except Exception as exc:  # the client failed to parse a record it fetched
            return self._step_over_unreadable(exc)
        try:
            for records in batches.values():
                self.records.handle(records)
        except (Stopped, Paused):
            pass
        finally:
            self.commit()
        self.lag.report(self.consumer)
        self.limit.remind()
        return True

    def stop(self) -> None:
        self.stopping.set()

    def commit(self, only: set[TopicPartition] | None = None) -> None:
        """Commit the offsets of events whose effects are committed."""
        self.offsets.commit(self.consumer, only)

    def _join(self) -> bool:
        """Connect (waiting for the broker if need be) and subscribe; False if stopped."""
        self.consumer = connect(
            self.group,
            config=self.consumer_config,
            stopping=self.stopping,
            backoff_seconds=self.backoff_seconds,
        )
        if self.consumer is None:
            return False
        listener = CommitOnRevoke(
            self.group,
            commit=lambda revoked: self.commit(only=revoked),
            paused=lambda: self.paused,
            consumer=lambda: self.consumer,
        )
        self.consumer.subscribe(self.group.topics, listener=listener)
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

    def close(self) -> None:
        consumer, self.consumer = self.consumer, None
        disconnect(self.group, consumer)
        self.dead_letters.close(timeout=5)

    def _sleep(self, seconds: float) -> None:
        if self.stopping.wait(seconds):
            raise Stopped

    def _backoff(self, attempt: int) -> None:
        self._sleep(min(30.0, self.backoff_seconds * 2 ** min(attempt, 6)))

    # -- dead letters -----------------------------------------------------------------------
    def dead_letter(self, record, *, reason: str, error: str, attempts: int, exc=None) -> None:
        """Dead-letter ``record``, unless the dead-letter limit says pause (``Paused``)."""
        where = f"{record.topic}:{record.partition}@{record.offset}"
        self.limit.admit(where, error, pause=self._pause)
        trace = "".join(traceback.format_exception(exc, limit=-8)) if exc else ""
        event_type = self.dead_letters.send(
            record, reason=reason, error=error, attempts=attempts, trace=trace
        )
        self.limit.dead_lettered()
        self.records.count(event_type or "unknown", "dead_lettered")

    def _pause(self) -> None:
        if self.consumer is not None:
            self.consumer.pause(*self.consumer.assignment())

    def _step_over_unreadable(self, exc: Exception) -> bool:
        """Dead-letter the record ``poll`` cannot parse by its position and seek past it; if
        no probe finds it, start again with a fresh client after a pause. False if stopped
        meanwhile."""
        logger.warning("consumer.poll_failed group=%s error=%r", self.group.name, exc)
        culprit = find_unreadable(self.consumer)
        if culprit is None:
            try:
                self._sleep(min(10.0, self.backoff_seconds * 4))
            except Stopped:
                return False
            return self._rejoin(exc)
        tp, offset = culprit
        try:
            self.dead_letter(
                unreadable_record(tp, offset),
                reason=DeadLetter.Reason.INVALID,
                error=f"unreadable by the Kafka client: {type(exc).__name__}: {exc}",
                attempts=1,
            )
        except (Stopped, Paused):
            return not self.stopping.is_set()
        self.consumer.seek(tp, offset + 1)
        self.offsets.done(tp.topic, tp.partition, offset)
        self.commit()
        return True
