"""One partition's records, in order: runs of valid events applied together, and an event
that is invalid or fails taking the one-event path (retries, then a dead letter) before the
next run starts, so a partition's order holds."""

import threading
import time
from collections.abc import Callable

from kafka.consumer.fetcher import ConsumerRecord

from outbox.consumer.apply import Applier
from outbox.consumer.group import ConsumerGroup, Stopped
from outbox.consumer.limit import DeadLetterLimit
from outbox.consumer.offsets import Offsets
from outbox.consumer.retry import Retrying
from outbox.metrics import CONSUMED, CONSUMER_HANDLE_SECONDS
from outbox.models import DeadLetter
from outbox.wire import InvalidMessage, ReceivedEvent, decode


class Records:
    def __init__(
        self,
        group: ConsumerGroup,
        *,
        applier: Applier,
        retrying: Retrying,
        offsets: Offsets,
        limit: DeadLetterLimit,
        dead_letter: Callable[..., None],
        stopping: threading.Event,
        on_applied: Callable[[ReceivedEvent], None],
    ) -> None:
        self.group = group
        self.applier = applier
        self.retrying = retrying
        self.offsets = offsets
        self.limit = limit
        self.dead_letter = dead_letter
        self.stopping = stopping
        self.on_applied = on_applied
        self.handled = 0
        self._run_failure: Exception | None = None  # of the event that ended the last run

    def handle(self, records: list[ConsumerRecord]) -> None:
        """Apply one partition's records, in order, in as few transactions as possible."""
        done = 0
        while done < len(records):
            if self.stopping.is_set():
                raise Stopped
            for record in records[done : done + self._run(records[done:])]:
                self.offsets.done(record.topic, record.partition, record.offset)
                done += 1
            if done < len(records):
                record = records[done]
                self.one(record)
                self.offsets.done(record.topic, record.partition, record.offset)
                done += 1

    def _run(self, records: list[ConsumerRecord]) -> int:
        """Apply the leading valid events of ``records`` in one transaction; how many."""
        run: list[ReceivedEvent] = []
        for record in records:
            try:
                run.append(decode(record.value, record.headers))
            except Exception:
                break  # the one-event path dead-letters it
        if not run:
            return 0
        result = self.applier.run(run)
        self._run_failure = result.failure
        spent = result.seconds / max(1, len(result.outcomes))
        for received, outcome in zip(run, result.outcomes, strict=False):
            self._applied(received, outcome, spent)
        return len(result.outcomes)

    def one(self, record: ConsumerRecord) -> None:
        """The one-event path: decode, apply with retries, or dead-letter."""
        try:
            received = decode(record.value, record.headers)
        except InvalidMessage as exc:
            self.dead_letter(record, reason=DeadLetter.Reason.INVALID, error=str(exc), attempts=1)
            return
        except Exception as exc:  # whatever a message carries, it never stops the consumer
            error = f"undecodable: {type(exc).__name__}: {exc}"
            self.dead_letter(record, reason=DeadLetter.Reason.INVALID, error=error, attempts=1)
            return
        handler = self.group.handlers.get(type(received.data))
        if handler is None:  # a known event this group does not react to
            self._applied(received, "ignored", 0.0)
            return
        failure, self._run_failure = self._run_failure, None
        started = time.monotonic()
        outcome = self.retrying.attempt(
            lambda: self.applier.one(received, handler),
            event_id=received.id,
            event_type=received.data.event_type,
            first_failure=failure,
        )
        if outcome.failure is not None:
            exc = outcome.failure
            self.dead_letter(
                record,
                reason=DeadLetter.Reason.FAILED,
                error=f"{type(exc).__name__}: {exc}",
                attempts=outcome.attempts,
                exc=exc,
            )
            return
        label = "handled" if outcome.applied else "duplicate"
        self._applied(received, label, time.monotonic() - started)

    def _applied(self, received: ReceivedEvent, outcome: str, seconds: float) -> None:
        self.count(received.data.event_type, outcome)
        self.limit.passed()
        if outcome == "handled":
            CONSUMER_HANDLE_SECONDS.labels(self.group.name).observe(seconds)
            self.handled += 1
            self.on_applied(received)

    def count(self, event_type: str, outcome: str) -> None:
        CONSUMED.labels(self.group.name, event_type, outcome).inc()
