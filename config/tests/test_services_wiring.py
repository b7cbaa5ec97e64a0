"""The test suite runs against the real services: PostgreSQL, Kafka (KRaft) and Redis."""

import json
import os
import time
import uuid

import pytest
from django.db import connection

from config.celery import ping
from outbox.kafka import kafka_consumer, kafka_producer


@pytest.mark.django_db
def test_the_database_is_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        (version,) = cursor.fetchone()
    assert int(version) >= 150000


def test_a_message_round_trips_through_the_real_broker(kafka_topics):
    topic = kafka_topics[0]
    key = str(uuid.uuid4()).encode()
    body = json.dumps({"hello": "kafka"}).encode()
    producer = kafka_producer()
    try:
        metadata = producer.send(topic, key=key, value=body, headers=[("ce_id", b"1")]).get(30)
    finally:
        producer.close()
    assert metadata.topic == topic and metadata.offset == 0

    consumer = kafka_consumer(topic, group_id=f"roundtrip-{uuid.uuid4().hex}")
    try:
        received = []
        deadline = time.monotonic() + 30
        while not received and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                received.extend(records)
    finally:
        consumer.close()
    assert [(r.key, r.value, r.headers) for r in received] == [(key, body, [("ce_id", b"1")])]
    assert received[0].partition == metadata.partition


def test_a_celery_task_runs_in_a_real_worker_through_redis(celery_worker):
    result = ping.apply_async(args=["pong"], queue=celery_worker)
    answer = result.get(timeout=30)
    assert answer["value"] == "pong"
    assert answer["pid"] != os.getpid()  # executed by the worker process, not eagerly here
