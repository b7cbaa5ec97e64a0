"""One event's attempts: transient failures are waited out, anything else is a bug retried a
bounded number of times with exponential backoff before the event is dead-lettered."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError, connection

from outbox.consumer.group import RetryLater

logger = logging.getLogger("outbox.consumer")

# The database unreachable, or a handler's word that the failure will pass.
TRANSIENT = (OperationalError, InterfaceError, RetryLater)


def transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT)


@dataclass(frozen=True)
class Outcome:
    applied: bool = False  # False for a duplicate, or a failure
    failure: Exception | None = None  # the last error, when it gave up
    attempts: int = 0  # failed attempts (transient ones not counted)


@dataclass(frozen=True)
class Retrying:
    max_attempts: int
    backoff_seconds: float
    sleep: Callable[[float], None]  # raises to stop waiting (a stop was asked for)
    group_name: str = ""

    def transient_delay(self, waits: int) -> float:
        return min(30.0, self.backoff_seconds * 2 ** min(waits, 6))

    def failure_delay(self, attempt: int) -> float:
        return self.backoff_seconds * 2 ** (attempt - 1)

    def attempt(
        self,
        apply: Callable[[], bool],
        *,
        event_id,
        event_type: str,
        first_failure: Exception | None = None,
    ) -> Outcome:
        """Call ``apply`` until it succeeds or the attempts run out. ``first_failure``: the
        event already failed once (in a run), which counts as its first attempt."""
        attempt, transient_logged = 0, False
        while True:
            try:
                if first_failure is not None:
                    failure, first_failure = first_failure, None
                    raise failure
                return Outcome(applied=apply(), attempts=attempt)
            except TRANSIENT as exc:
                if not transient_logged:
                    logger.warning(
                        "consumer.transient_failure group=%s event_id=%s error=%s",
                        self.group_name,
                        event_id,
                        str(exc).strip(),
                    )
                    transient_logged = True
                connection.close()
                self.sleep(self.transient_delay(attempt))
            except Exception as exc:
                attempt += 1
                logger.warning(
                    "consumer.handler_failed group=%s event_id=%s type=%s attempt=%d error=%r",
                    self.group_name,
                    event_id,
                    event_type,
                    attempt,
                    exc,
                )
                if attempt >= self.max_attempts:
                    return Outcome(failure=exc, attempts=attempt)
                self.sleep(self.failure_delay(attempt))
