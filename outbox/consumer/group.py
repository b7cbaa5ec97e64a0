"""A consumer group, and the signals its parts pass each other."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from config.locks import AdvisoryLock
from contracts.events import Event
from contracts.topics import topic_name
from outbox.wire import ReceivedEvent

Handler = Callable[[ReceivedEvent], None]


class RetryLater(Exception):
    """Raised by a handler for a failure that will pass (a mail server down): retry, never
    dead-letter."""


class Stopped(Exception):
    """Stop was asked for while an event was still unfinished: leave its offset uncommitted."""


class Paused(Exception):
    """The dead-letter limit was reached at this event: leave its offset uncommitted."""


@dataclass(frozen=True)
class ConsumerGroup:
    """A consumer group and the handler of each event type it reacts to."""

    name: str
    handlers: dict[type[Event], Handler]
    # An advisory lock taken shared by every event's transaction, so that a maintenance job
    # holding it exclusively (``rebuild_analytics``) pauses the group between two events.
    fence_lock: AdvisoryLock | None = None

    @property
    def group_id(self) -> str:
        return f"{settings.KAFKA_TOPIC_PREFIX}{self.name}"

    @property
    def topics(self) -> list[str]:
        return sorted({topic_name(contract.topic) for contract in self.handlers})
