"""Applying events: each event's effect and its id in the group's inbox in one transaction.

A run of events (one partition's, in order) is applied in one transaction: one commit for a
hundred events rather than a hundred, the inbox rows in one statement. An id already in the
inbox is skipped (at-least-once delivery), so applying is effectively once.
"""

import logging
import time
from dataclasses import dataclass, field

from django.db import InterfaceError, OperationalError, connection, transaction

from config.locks import AdvisoryLock
from outbox.consumer.group import ConsumerGroup, Handler, RetryLater
from outbox.models import ProcessedEvent
from outbox.tracing import trace_context
from outbox.wire import ReceivedEvent

logger = logging.getLogger("outbox.consumer")

INBOX_SQL = (
    f'INSERT INTO {ProcessedEvent._meta.db_table} ("group", event_id, processed_at) '  # noqa: S608
    "VALUES (%s, %s, now()) ON CONFLICT DO NOTHING RETURNING id"
)
INBOX_RUN_SQL = (
    f'INSERT INTO {ProcessedEvent._meta.db_table} ("group", event_id, processed_at) '  # noqa: S608
    "SELECT %s, id, now() FROM unnest(%s::uuid[]) AS ids(id) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)


@dataclass
class RunResult:
    """What became of a run: each applied event's outcome (``handled``, ``duplicate``,
    ``ignored``), in order, and the failure that ended it early, if any."""

    outcomes: list[str] = field(default_factory=list)
    failure: Exception | None = None
    seconds: float = 0.0


class Applier:
    def __init__(self, group: ConsumerGroup) -> None:
        self.group = group

    def run(self, run: list[ReceivedEvent]) -> RunResult:
        """Apply ``run`` in one transaction. When an event fails, the transaction is rolled
        back and the events before it are applied again as a run: the result holds theirs,
        and the failure (for the one-event path to take the failing event from there)."""
        started = time.monotonic()
        outcomes: list[str] = []
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                self.fence(cursor)
                self._begin(run)
                fresh = self._inbox_run(cursor, run)
                for received in run:
                    outcomes.append(self._handle_in_run(received, fresh))
                self._before_commit()
        except (OperationalError, InterfaceError) as exc:
            # The database went away: nothing of the run holds; the one-event path waits
            # for it to come back.
            logger.debug("consumer.run_failed group=%s error=%r", self.group.name, exc)
            connection.close()
            return RunResult()
        except Exception as exc:
            logger.debug("consumer.run_failed group=%s error=%r", self.group.name, exc)
            return self._after_failure(run, outcomes, exc)
        finally:
            self._end()
        return RunResult(outcomes, None, time.monotonic() - started)

    def _after_failure(self, run, outcomes: list[str], exc: Exception) -> RunResult:
        # A handler's RetryLater is not an attempt: the one-event path starts afresh.
        failure = None if isinstance(exc, RetryLater) else exc
        if len(outcomes) == len(run):
            # Every handler ran; the run's batch failed (its writes, or sending it): no one
            # event is to blame, so the one-event path takes the run again event by event,
            # each with attempts of its own.
            return RunResult([], None)
        before = self.run(run[: len(outcomes)]) if outcomes else RunResult()
        return RunResult(before.outcomes, failure, before.seconds)

    def _inbox_run(self, cursor, run: list[ReceivedEvent]) -> set:
        """The whole run's inbox rows in one statement: the ids of the events not seen
        before (an id twice in the run comes back once)."""
        wanted = [r.id for r in run if type(r.data) in self.group.handlers]
        if not wanted:
            return set()
        cursor.execute(INBOX_RUN_SQL, [self.group.name, wanted])
        return {row[0] for row in cursor.fetchall()}

    def _handle_in_run(self, received: ReceivedEvent, fresh: set) -> str:
        handler = self.group.handlers.get(type(received.data))
        if handler is None:  # a known event this group does not react to
            return "ignored"
        if received.id not in fresh:
            return "duplicate"
        fresh.discard(received.id)
        with trace_context(received.traceparent):
            handler(received)
        return "handled"

    def one(self, received: ReceivedEvent, handler: Handler) -> bool:
        """Run the handler and record the event id in one transaction; False if seen."""
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    self.fence(cursor)
                    cursor.execute(INBOX_SQL, [self.group.name, received.id])
                    if cursor.fetchone() is None:
                        return False
                self._begin([received])
                with trace_context(received.traceparent):
                    handler(received)
                self._before_commit()
        finally:
            self._end()
        return True

    def _begin(self, events: list[ReceivedEvent]) -> None:
        if self.group.run_hooks is not None:
            self.group.run_hooks.begin(events)

    def _before_commit(self) -> None:
        if self.group.run_hooks is not None:
            self.group.run_hooks.before_commit()

    def _end(self) -> None:
        if self.group.run_hooks is not None:
            self.group.run_hooks.end()

    def fence(self, cursor) -> None:
        """Take the group's fence lock shared, first thing in an event's transaction, so a
        maintenance job holding it exclusively (``rebuild_analytics``) pauses the group."""
        lock: AdvisoryLock | None = self.group.fence_lock
        if lock is not None:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [lock])
