"""The group's Kafka client: connected once the broker answers, committing what is applied
when partitions are taken away."""

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from kafka import ConsumerRebalanceListener, KafkaConsumer
from kafka.errors import KafkaError
from kafka.structs import TopicPartition

from outbox.consumer.group import ConsumerGroup
from outbox.kafka import kafka_consumer

logger = logging.getLogger("outbox.consumer")


class CommitOnRevoke(ConsumerRebalanceListener):
    """Partitions taken away: commit what was applied of them. Partitions given to a paused
    consumer: paused too, so it takes on no new work."""

    def __init__(
        self,
        group: ConsumerGroup,
        *,
        commit: Callable[[set[TopicPartition]], None],
        paused: Callable[[], bool],
        consumer: Callable[[], KafkaConsumer | None],
    ) -> None:
        self.group, self.commit, self.paused, self.consumer = group, commit, paused, consumer

    def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self.commit(revoked)

    def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        consumer = self.consumer()
        if self.paused() and assigned and consumer is not None:
            consumer.pause(*assigned)
        logger.info(
            "consumer.partitions_assigned group=%s partitions=%s",
            self.group.name,
            ",".join(f"{tp.topic}:{tp.partition}" for tp in sorted(assigned)),
        )


def connect(
    group: ConsumerGroup,
    *,
    config: dict[str, Any],
    stopping: threading.Event,
    backoff_seconds: float,
) -> KafkaConsumer | None:
    """The group's consumer, once the broker answers: a consumer started while Kafka is down
    (a restart, a deploy) waits for it with backoff instead of exiting. None if stopped."""
    session_ms = settings.CONSUMER_SESSION_TIMEOUT_MS
    config = {
        "max_poll_records": 100,
        "session_timeout_ms": session_ms,
        "heartbeat_interval_ms": max(300, session_ms // 3),
    } | config
    attempt = 0
    while not stopping.is_set():
        try:
            return kafka_consumer(group_id=group.group_id, **config)
        except KafkaError as exc:
            if attempt == 0:
                logger.warning("consumer.kafka_unavailable group=%s error=%s", group.group_id, exc)
            attempt += 1
            # A short ceiling: once the broker is back, consume again within seconds.
            stopping.wait(min(2.0, backoff_seconds * 2 ** min(attempt, 5)))
    return None


def disconnect(group: ConsumerGroup, consumer: KafkaConsumer | None) -> None:
    if consumer is None:
        return
    try:
        consumer.close(autocommit=False)
    except KafkaError as exc:  # leaving the group needs the broker; it may be gone
        logger.info("consumer.close_failed group=%s error=%s", group.group_id, exc)
