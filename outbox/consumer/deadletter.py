"""Dead letters: a record that cannot be applied goes to its dead-letter topic, with the reason
in ``dlq_*`` headers, and to a row operators search and replay from.

Nothing the record carries can stop this: every text is made storable first, a row the
database refuses for its content is logged and the Kafka copy still sent, and a value too
large for the dead-letter topic is sent without it (the row keeps it). Transient failures
(the database or Kafka away) are retried until they pass.
"""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone
from kafka import KafkaProducer
from kafka.errors import KafkaError, MessageSizeTooLargeError

from contracts.events import event_type_of
from contracts.topics import dead_letter_topic_name
from outbox.kafka import kafka_producer
from outbox.models import DeadLetter
from outbox.wire import H_ID, H_TYPE, header_map, storable

logger = logging.getLogger("outbox.consumer")

DLQ_PREFIX = "dlq_"


class DeadLetterSink:
    def __init__(self, group_name: str, *, sleep: Callable[[int], None]) -> None:
        """``sleep(attempt)`` waits before another try (and raises to give up: a stop)."""
        self.group_name = group_name
        self.sleep = sleep
        self.producer: KafkaProducer | None = None

    def send(self, record, *, reason: str, error: str, attempts: int, trace: str = "") -> str:
        """Dead-letter ``record`` (a Kafka record, or one named by its position); its type."""
        attributes = header_map(record.headers)
        event_id = storable(attributes.get(H_ID, ""))[:100]
        event_type = storable(attributes.get(H_TYPE, ""))[:200]
        error, trace = storable(error), storable(trace)
        failure = {
            "reason": reason,
            "error": error[:2000],
            "traceback": trace[-4000:],
            "original_topic": record.topic,
            "original_partition": str(record.partition),
            "original_offset": str(record.offset),
            "attempts": str(attempts),
            "group": self.group_name,
            "failed_at": timezone.now().isoformat(),
        }
        original = [(n, v) for n, v in record.headers or [] if not n.startswith(DLQ_PREFIX)]
        headers = original + [(f"{DLQ_PREFIX}{n}", v.encode()) for n, v in failure.items()]
        # Kafka takes no message without both key and value: an unreadable record has neither.
        value = b"" if record.value is None and record.key is None else record.value
        row = {
            "event_id": event_id,
            "event_type": event_type_of(event_type)[:100],
            "reason": reason,
            "error": error,
            "traceback": trace,
            "attempts": attempts,
        }
        self._deliver(record, row, headers, value, event_id)
        logger.error(
            "consumer.dead_lettered group=%s event_id=%s type=%s reason=%s error=%s",
            self.group_name,
            event_id or "-",
            event_type or "-",
            reason,
            error[:500],
        )
        return event_type

    def _deliver(self, record, row: dict, headers: list, value, event_id: str) -> None:
        row_written, attempt = False, 0
        while True:
            try:
                if not row_written:
                    self._row(record, row)
                    row_written = True
                self._producer().send(
                    dead_letter_topic_name(record.topic),
                    key=record.key,
                    value=value,
                    headers=headers,
                ).get(timeout=30)
                return
            except MessageSizeTooLargeError as exc:  # the client's limit or the broker's
                if not value:
                    raise  # headers alone cannot be too large: a bug, not a message
                logger.warning(
                    "consumer.dead_letter_value_omitted group=%s event_id=%s bytes=%d error=%s",
                    self.group_name,
                    event_id or "-",
                    len(value),
                    exc,
                )
                headers.append((f"{DLQ_PREFIX}value_omitted", str(len(value)).encode()))
                value = b""
            except (KafkaError, OperationalError, InterfaceError) as exc:
                attempt += 1
                logger.warning(
                    "consumer.dead_letter_failed group=%s event_id=%s error=%s",
                    self.group_name,
                    event_id or "-",
                    exc,
                )
                connection.close()
                self.close()
                self.sleep(attempt)
            except Exception as exc:  # never stop the consumer: the row is there to replay
                logger.error(
                    "consumer.dead_letter_topic_failed group=%s topic=%s partition=%s "
                    "offset=%s error=%r",
                    self.group_name,
                    record.topic,
                    record.partition,
                    record.offset,
                    exc,
                )
                return

    def _row(self, record, row: dict) -> None:
        """The row operators search and replay from. A row the database refuses for what it
        holds (not for being away) is logged, never retried: the Kafka copy still goes."""
        try:
            DeadLetter.objects.get_or_create(
                group=self.group_name,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                defaults=row
                | {
                    "key": record.key,
                    "value": record.value,
                    "headers": [[storable(n), (v or b"").hex()] for n, v in record.headers or []],
                },
            )
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:
            logger.error(
                "consumer.dead_letter_row_failed group=%s topic=%s partition=%s offset=%s error=%r",
                self.group_name,
                record.topic,
                record.partition,
                record.offset,
                exc,
            )

    def _producer(self) -> KafkaProducer:
        if self.producer is None:
            self.producer = kafka_producer(client_id=f"dead-letters-{self.group_name}")
        return self.producer

    def close(self, timeout: float = 0) -> None:
        producer, self.producer = self.producer, None
        if producer is not None:
            producer.close(timeout=timeout)
