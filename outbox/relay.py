"""The relay: publishes outbox rows to Kafka, at least once, in order per submission.

One round: lease shards (session advisory locks, so no two relays hold the same shard),
read the leased shards' unsent rows in id order, produce them with the idempotent
``acks=all`` producer, flush, mark the acknowledged ones sent, release the shards. A row is
marked only after Kafka acknowledged it, so a relay killed at any instant leaves its rows
unsent and another round sends them again (consumers drop the duplicate by event id).
Within one key, only the acknowledged prefix is marked, so a failed row is never
overtaken by a later row of the same submission.
"""

import json
import logging
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.conf import settings
from django.db import DatabaseError, connection
from kafka import KafkaProducer
from kafka.errors import KafkaError

from config.locks import AdvisoryLock
from contracts.events import ce_type_of
from outbox.kafka import kafka_producer
from outbox.metrics import (
    RELAY_BACKLOG,
    RELAY_BATCH_SECONDS,
    RELAY_FAILED,
    RELAY_KAFKA_UP,
    RELAY_PUBLISHED,
)
from outbox.models import OutboxEvent
from outbox.services import NOTIFY_CHANNEL
from outbox.wire import encode_headers

logger = logging.getLogger(__name__)

TABLE = OutboxEvent._meta.db_table
# Django's PostgreSQL backend hands jsonb columns over as text, unparsed: the payload goes
# to Kafka exactly as stored, without a decode and re-encode.
FETCH_SQL = f"""
    SELECT id, event_id, event_type, version, source, topic, key, payload, headers,
           created_at
    FROM {TABLE}
    WHERE sent_at IS NULL AND shard = ANY(%s)
    ORDER BY id
    LIMIT %s
"""  # noqa: S608 - the table name is ours
MARK_SQL = f"UPDATE {TABLE} SET sent_at = now() WHERE id = ANY(%s)"  # noqa: S608
BACKLOG_SQL = f"SELECT count(*) FROM {TABLE} WHERE sent_at IS NULL"  # noqa: S608
LEASE_SQL = """
    SELECT s FROM unnest(%s::int[]) WITH ORDINALITY AS t(s, o)
    WHERE pg_try_advisory_lock(%s, s)
    LIMIT %s
"""
RELEASE_SQL = "SELECT pg_advisory_unlock(%s, s) FROM unnest(%s::int[]) AS s"


@dataclass
class Backoff:
    """Exponential backoff with jitter, reset on success."""

    initial: float = 0.2
    maximum: float = 10.0
    current: float = field(init=False, default=0.0)

    def next(self) -> float:
        self.current = min(self.maximum, self.current * 2 if self.current else self.initial)
        return self.current * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not crypto

    def reset(self) -> None:
        self.current = 0.0


class Relay:
    def __init__(
        self,
        *,
        batch_size: int | None = None,
        poll_seconds: float | None = None,
        max_shards: int | None = None,
        producer_config: dict[str, Any] | None = None,
    ) -> None:
        self.batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
        self.poll_seconds = (
            poll_seconds if poll_seconds is not None else settings.OUTBOX_POLL_SECONDS
        )
        self.max_shards = max_shards or settings.OUTBOX_SHARDS
        self.producer_config = producer_config or {}
        self.stopping = threading.Event()
        self.producer: KafkaProducer | None = None
        self.kafka_up: bool | None = None
        self.database_up: bool | None = None
        self.backoff = Backoff()
        self.listener: psycopg.Connection | None = None
        self.published = 0
        self._backlog_checked = 0.0
        self.session_configured: object | None = None

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> None:
        """Relay until ``stop()``; returns after the in-flight batch is finished."""
        logger.info("relay.started batch_size=%d shards=%d", self.batch_size, self.max_shards)
        while not self.stopping.is_set():
            try:
                sent = self.run_once()
            except DatabaseError as exc:
                self._database_down(exc)
                continue
            except KafkaError as exc:
                self._kafka_down(exc)
                continue
            self._database_ok()
            if sent == 0:
                self._wait_for_work()
        self.close()
        logger.info("relay.stopped published=%d", self.published)

    def stop(self) -> None:
        self.stopping.set()

    def close(self) -> None:
        if self.producer is not None:
            self.producer.close(timeout=5)
            self.producer = None
        if self.listener is not None:
            self.listener.close()
            self.listener = None

    def run_once(self) -> int:
        """One round; returns how many events Kafka acknowledged."""
        self._report_backlog()
        shards = self._lease()
        if not shards:
            return 0
        try:
            with connection.cursor() as cursor:
                cursor.execute(FETCH_SQL, [shards, self.batch_size])
                rows = cursor.fetchall()
            if not rows:
                return 0
            started = time.monotonic()
            acknowledged = self._publish(rows)
            if acknowledged:
                with connection.cursor() as cursor:
                    cursor.execute(MARK_SQL, [acknowledged])
            RELAY_BATCH_SECONDS.observe(time.monotonic() - started)
            logger.debug(
                "relay.batch_published count=%d ms=%.1f",
                len(acknowledged),
                (time.monotonic() - started) * 1000,
            )
            self.published += len(acknowledged)
            if len(acknowledged) < len(rows):
                raise KafkaError(f"{len(rows) - len(acknowledged)} of {len(rows)} not acknowledged")
            self._kafka_ok()
            return len(acknowledged)
        finally:
            self._release(shards)

    # -- Kafka ------------------------------------------------------------------------------
    def _publish(self, rows: list[tuple]) -> list[int]:
        """Produce ``rows`` and return the ids of the acknowledged prefix of each key."""
        producer = self._producer()
        pending = []
        for (
            row_id,
            event_id,
            event_type,
            version,
            source,
            topic,
            key,
            payload,
            extra,
            created,
        ) in rows:
            headers = encode_headers(
                event_id=event_id,
                ce_type=ce_type_of(event_type, version),
                source=source,
                subject=f"submission/{key}",
                time=created,
                extra=json.loads(extra) if extra != "{}" else {},
            )
            future = producer.send(topic, key=key.encode(), value=payload.encode(), headers=headers)
            pending.append((row_id, topic, key, event_id, future))
        producer.flush(timeout=settings.OUTBOX_DELIVERY_TIMEOUT_MS / 1000 + 5)
        acknowledged, failed_keys = [], set()
        published: Counter[str] = Counter()
        for row_id, topic, key, event_id, future in pending:
            if key not in failed_keys and future.is_done and future.succeeded():
                acknowledged.append(row_id)
                published[topic] += 1
            else:
                failed_keys.add(key)
                RELAY_FAILED.labels(topic).inc()
                if self.kafka_up is not False:
                    logger.warning(
                        "relay.event_not_acknowledged event_id=%s topic=%s error=%s",
                        event_id,
                        topic,
                        future.exception if future.is_done else "timed out",
                    )
        for topic, count in published.items():
            RELAY_PUBLISHED.labels(topic).inc(count)
        return acknowledged

    def _producer(self) -> KafkaProducer:
        if self.producer is None:
            delivery_ms = settings.OUTBOX_DELIVERY_TIMEOUT_MS
            self.producer = kafka_producer(
                **{
                    "client_id": "outbox-relay",
                    "linger_ms": 5,
                    "batch_size": 256 * 1024,
                    "max_block_ms": 10_000,
                    "request_timeout_ms": min(10_000, delivery_ms // 2),
                    "delivery_timeout_ms": delivery_ms,
                    "bootstrap_timeout_ms": 10_000,
                }
                | self.producer_config
            )
        return self.producer

    def _kafka_down(self, exc: Exception) -> None:
        if self.kafka_up is not False:
            logger.warning("relay.kafka_unavailable error=%s", exc)
        self.kafka_up = False
        RELAY_KAFKA_UP.set(0)
        # A fresh producer after a failure: no stale idempotence state or dead connections.
        if self.producer is not None:
            self.producer.close(timeout=0)
            self.producer = None
        self.stopping.wait(self.backoff.next())

    def _kafka_ok(self) -> None:
        if self.kafka_up is False:
            logger.info("relay.kafka_available")
        self.kafka_up = True
        RELAY_KAFKA_UP.set(1)
        self.backoff.reset()

    # -- PostgreSQL -------------------------------------------------------------------------
    def _lease(self) -> list[int]:
        shards = list(range(settings.OUTBOX_SHARDS))
        random.shuffle(shards)  # relays that lease fewer than all shards spread out
        with connection.cursor() as cursor:
            if self.session_configured is not connection.connection:
                # Right after a burst of inserts the table's statistics are stale and the
                # planner picks a bitmap scan that reads and sorts every unsent row for each
                # batch; the partial index already yields them in id order.
                cursor.execute("SET enable_bitmapscan = off")
                self.session_configured = connection.connection
            cursor.execute(LEASE_SQL, [shards, AdvisoryLock.RELAY_SHARD, self.max_shards])
            return [shard for (shard,) in cursor.fetchall()]

    def _release(self, shards: list[int]) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(RELEASE_SQL, [AdvisoryLock.RELAY_SHARD, shards])
        except DatabaseError:
            connection.close()  # the session's locks end with it

    def _report_backlog(self) -> None:
        now = time.monotonic()
        if now - self._backlog_checked >= 5:
            self._backlog_checked = now
            with connection.cursor() as cursor:
                cursor.execute(BACKLOG_SQL)
                RELAY_BACKLOG.set(cursor.fetchone()[0])

    def _database_down(self, exc: Exception) -> None:
        if self.database_up is not False:
            logger.warning("relay.database_unavailable error=%s", str(exc).strip())
        self.database_up = False
        connection.close()
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        self.stopping.wait(self.backoff.next())

    def _database_ok(self) -> None:
        if self.database_up is False:
            logger.info("relay.database_available")
            self.backoff.reset()
        self.database_up = True

    def _wait_for_work(self) -> None:
        """Sleep until a publishing transaction commits (NOTIFY) or the poll interval ends."""
        try:
            if self.listener is None:
                params = connection.get_connection_params()
                params.pop("cursor_factory", None)
                params.pop("context", None)
                self.listener = psycopg.connect(**params, autocommit=True)
                self.listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
            for _ in self.listener.notifies(timeout=self.poll_seconds, stop_after=1):
                pass
        except psycopg.Error:
            # The hint is only an optimisation: fall back to polling.
            if self.listener is not None:
                self.listener.close()
                self.listener = None
            self.stopping.wait(self.poll_seconds)
