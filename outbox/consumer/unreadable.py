"""Records the Kafka client cannot parse (invalid UTF-8 in a header name, a corrupt batch).

``poll`` raises while parsing such a record, and raises at the same place at every poll. A
probe, a fresh client reading each assigned partition from the consumer's position, finds the
partition and offset, so the runner can dead-letter the record by its position and seek past.
"""

import time
from types import SimpleNamespace

from kafka.errors import CorruptRecordError, KafkaError
from kafka.structs import TopicPartition

from outbox.kafka import kafka_consumer

PROBE_SECONDS = 5  # per partition


def find_unreadable(consumer) -> tuple[TopicPartition, int] | None:
    """The first assigned partition whose next record a fresh client cannot parse."""
    if consumer is None:
        return None
    probe = kafka_consumer(group_id=None, max_poll_records=1)
    try:
        for tp in sorted(consumer.assignment()):
            offset = consumer.position(tp)
            if _unreadable_at(probe, tp, offset):
                return tp, offset
        return None
    except KafkaError:
        return None
    finally:
        probe.close()


def _unreadable_at(probe, tp: TopicPartition, offset: int) -> bool:
    probe.assign([tp])
    probe.seek(tp, offset)
    deadline = time.monotonic() + PROBE_SECONDS
    while time.monotonic() < deadline:
        try:
            if probe.poll(timeout_ms=500):
                return False
        except CorruptRecordError:
            return True
        except KafkaError:
            raise
        except Exception:
            return True
    return False


def unreadable_record(tp: TopicPartition, offset: int) -> SimpleNamespace:
    """A record named by its position only: its bytes are beyond the client."""
    return SimpleNamespace(
        topic=tp.topic, partition=tp.partition, offset=offset, key=None, value=None, headers=[]
    )
