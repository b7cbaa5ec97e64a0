"""The consumer's lag per topic, as the ``outbox_consumer_lag`` gauge."""

import time

from kafka.errors import KafkaError

from outbox.metrics import CONSUMER_LAG

EVERY_SECONDS = 10


class LagGauge:
    def __init__(self, group_name: str) -> None:
        self.group_name = group_name
        self._checked = 0.0

    def report(self, consumer) -> dict[str, int] | None:
        """Set the gauge (at most every ``EVERY_SECONDS``); the lag by topic, or None when
        not measured (too soon, nothing assigned, or the broker not answering)."""
        now = time.monotonic()
        if consumer is None or now - self._checked < EVERY_SECONDS:
            return None
        self._checked = now
        assigned = consumer.assignment()
        if not assigned:
            return None
        by_topic: dict[str, int] = {}
        try:
            ends = consumer.end_offsets(list(assigned), timeout_ms=5000)
            for tp, end in ends.items():
                behind = max(0, end - consumer.position(tp))
                by_topic[tp.topic] = by_topic.get(tp.topic, 0) + behind
        except KafkaError:
            return None
        for topic, lag in by_topic.items():
            CONSUMER_LAG.labels(self.group_name, topic).set(lag)
        return by_topic
