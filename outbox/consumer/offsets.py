"""The offsets a consumer may commit: those of events whose effects have committed."""

import logging

from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

logger = logging.getLogger("outbox.consumer")


class Offsets:
    """The next offset to commit, per partition. An event is marked done once its effect
    committed (or it went to the dead letters); ``commit`` hands the marks to Kafka."""

    def __init__(self, group_name: str) -> None:
        self.group_name = group_name
        self.pending: dict[TopicPartition, int] = {}

    def __bool__(self) -> bool:
        return bool(self.pending)

    def done(self, topic: str, partition: int, offset: int) -> None:
        self.pending[TopicPartition(topic, partition)] = offset + 1

    def commit(self, consumer, only: set[TopicPartition] | None = None) -> None:
        """Commit the marked offsets (of the partitions in ``only``, if given). A commit the
        broker refuses is harmless: the events come again and the inbox drops them."""
        offsets = {
            tp: OffsetAndMetadata(offset, "", -1)
            for tp, offset in self.pending.items()
            if only is None or tp in only
        }
        if not offsets or consumer is None:
            return
        try:
            consumer.commit(offsets)
        except KafkaError as exc:
            logger.warning("consumer.commit_failed group=%s error=%s", self.group_name, exc)
        for tp in offsets:
            self.pending.pop(tp, None)
