"""A three-node Kafka cluster (KRaft, replication factor 3, min.insync.replicas 2), as
`make up KAFKA_BROKERS=3` runs it: one broker SIGKILLed while the relay publishes and a
consumer consumes loses nothing and applies nothing twice."""

import os
import signal
import uuid

import pytest
from django.db import transaction

from contracts.topics import Topic, topic_name
from harness import ROOT, private_kafka, read_topic, wait_until
from outbox.models import OutboxEvent, ProcessedEvent
from outbox.services import publish_on_commit
from outbox.tests.factories import PaperUploadedFactory
from outbox.tests.test_relay import counted
from submissions.tests.factories import submissions_exist


@pytest.fixture
def kafka_cluster(settings):
    """Three nodes on 19292/19293, 19294/19295 and 19296/19297."""
    with private_kafka(settings, "kafka-cluster-", port=19292, brokers=3) as kafka:
        yield kafka.name


def publish(count: int) -> None:
    for start in range(0, count, 50):
        with transaction.atomic():
            ids = [uuid.uuid4() for _ in range(min(50, count - start))]
            submissions_exist(ids)
            for submission_id in ids:
                publish_on_commit(PaperUploadedFactory(submission_id=submission_id))


def applied() -> int:
    return ProcessedEvent.objects.filter(group="analytics").count()


def test_a_broker_killed_while_events_flow_loses_nothing_and_applies_nothing_twice(
    kafka_cluster, spawn, settings
):
    from kafka.admin import ConfigResource, ConfigResourceType

    from outbox.kafka import kafka_admin

    admin = kafka_admin()
    try:
        topic = topic_name(Topic.PAPER_UPLOADED)
        # A topic just created may not be in every broker's metadata yet.
        described = wait_until(
            lambda: (found := admin.describe_topics([topic])[0])["partitions"] and found,
            timeout=30,
            what="the topic's partitions in the cluster's metadata",
        )
        assert [len(p["replica_nodes"]) for p in described["partitions"]] == [3, 3, 3]
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        assert configs["topic"][topic]["min.insync.replicas"]["value"] == "2"
    finally:
        admin.close()

    cluster_env = {  # spawn passes this test's bootstrap servers (all three) and prefix
        "CONSUMER_SESSION_TIMEOUT_MS": "6000",
        "OUTBOX_DELIVERY_TIMEOUT_MS": "15000",
    }
    relay = spawn("relay", "relay_outbox", "--batch-size", "200", **cluster_env)
    consumer = spawn("consumer", "consume_analytics", **cluster_env)
    publish(1500)
    wait_until(lambda: applied() >= 300, timeout=120, what="events flowing end to end")

    victim = ROOT / "var" / "run" / f"{kafka_cluster}-1.pid"  # also the first bootstrap server
    os.kill(int(victim.read_text()), signal.SIGKILL)
    publish(1500)  # uploads go on while a broker is down

    total = 3000
    wait_until(lambda: applied() == total, timeout=240, what="every event applied")
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 0
    assert counted() == total  # each applied once: no double counting
    assert relay.alive() and consumer.alive()

    records = read_topic(topic_name(Topic.PAPER_UPLOADED), expected=total, timeout=120)
    on_kafka = {dict(record.headers)["ce_id"].decode() for record in records}
    assert on_kafka == {str(i) for i in OutboxEvent.objects.values_list("event_id", flat=True)}
