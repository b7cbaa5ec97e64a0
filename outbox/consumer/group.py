"""A consumer group, and the signals its parts pass each other."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from config.locks import AdvisoryLock
from contracts.events import Event
from contracts.topics import topic_name
from outbox.wire import ReceivedEvent

logger = logging.getLogger("outbox.consumer")

Handler = Callable[[ReceivedEvent], None]


class RetryLater(Exception):
    """Raised by a handler for a failure that will pass (a mail server down): retry, never
    dead-letter."""


class Stopped(Exception):
    """Stop was asked for while an event was still unfinished: leave its offset uncommitted."""


class Paused(Exception):
    """The dead-letter limit was reached at this event: leave its offset uncommitted."""


class RunHooks(Protocol):
    """What a group that batches its work across a run of events provides: one Celery
    message for a hundred events instead of a hundred."""

    def begin(self, events: list[ReceivedEvent]) -> None:
        """A transaction that applies ``events`` starts: forget what a rolled-back one
        gathered, and read at once what the handlers will ask of each event."""

    def before_commit(self) -> None:
        """Its events are handled: send what they gathered, still inside the transaction (a
        ``RetryLater`` rolls it back and the events are applied again)."""

    def end(self) -> None:
        """The transaction is over, committed or rolled back: forget the run."""


@dataclass(frozen=True)
class ChainedHooks:
    """Several groups of run hooks as one, called in order (``end`` always reaches all)."""

    hooks: tuple[RunHooks, ...]

    def begin(self, events: list[ReceivedEvent]) -> None:
        for hooks in self.hooks:
            hooks.begin(events)

    def before_commit(self) -> None:
        for hooks in self.hooks:
            hooks.before_commit()

    def end(self) -> None:
        for hooks in self.hooks:
            try:
                hooks.end()
            except Exception:
                logger.exception("consumer.run_hooks_end_failed")


@dataclass(frozen=True)
class ConsumerGroup:
    """A consumer group and the handler of each event type it reacts to."""

    name: str
    handlers: dict[type[Event], Handler]
    # An advisory lock taken shared by every event's transaction, so that a maintenance job
    # holding it exclusively (``rebuild_analytics``) pauses the group between two events.
    fence_lock: AdvisoryLock | None = None
    run_hooks: RunHooks | None = None

    @property
    def group_id(self) -> str:
        return f"{settings.KAFKA_TOPIC_PREFIX}{self.name}"

    @property
    def topics(self) -> list[str]:
        return sorted({topic_name(contract.topic) for contract in self.handlers})
