"""The dead-letter limit: a consumer that would dead-letter too many events pauses instead.

When more than ``CONSUMER_DLQ_MAX_RATIO`` of the last ``CONSUMER_DLQ_WINDOW`` events would be
dead-lettered, something is wrong upstream (a bad deploy), not with single events: the
consumer pauses its partitions, leaves the offending event uncommitted, says so in its log
and its ``outbox_consumer_paused`` gauge, and waits for an operator (a restart resumes it)
instead of draining a whole topic into the dead letters.
"""

import logging
import time
from collections import deque
from collections.abc import Callable

from outbox.consumer.group import Paused
from outbox.metrics import CONSUMER_PAUSED
from outbox.wire import storable

logger = logging.getLogger("outbox.consumer")


class DeadLetterLimit:
    def __init__(self, group_name: str, *, window: int, max_ratio: float) -> None:
        self.group_name = group_name
        self.window = window
        self.max_ratio = max_ratio
        self.recent: deque[bool] = deque(maxlen=max(1, window))  # dead-lettered or not
        self.paused = False
        self._logged = 0.0

    def passed(self) -> None:
        """An event was applied, ignored or skipped as a duplicate."""
        self.recent.append(False)

    def dead_lettered(self) -> None:
        self.recent.append(True)

    def admit(self, where: str, error: str, *, pause: Callable[[], None]) -> None:
        """Raise ``Paused`` (after calling ``pause``) if one more dead letter would pass the
        limit; ``where`` names the record for the log."""
        if sum(self.recent) + 1 <= self.max_ratio * self.window:
            return
        self.paused = True
        CONSUMER_PAUSED.labels(self.group_name).set(1)
        pause()
        self._logged = time.monotonic()
        logger.critical(
            "consumer.dlq_limit_reached group=%s dead_lettered=%d window=%d max_ratio=%g "
            "at=%s error=%s action=paused: fix the cause, then restart the consumer",
            self.group_name,
            sum(self.recent),
            len(self.recent),
            self.max_ratio,
            where,
            storable(error)[:300],
        )
        raise Paused

    def remind(self) -> None:
        """While paused, say so again every minute."""
        if self.paused and time.monotonic() - self._logged > 60:
            self._logged = time.monotonic()
            logger.critical("consumer.paused group=%s reason=dlq_limit", self.group_name)
