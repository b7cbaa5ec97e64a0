"""The relay: at least once, in order per submission, through crashes and broker outages."""

import json
import uuid
from collections import defaultdict

import pytest
from django.db import transaction

from analytics.handlers import GROUP as ANALYTICS
from analytics.models import DailyEventCount
from contracts.topics import Topic, topic_name
from harness import (
    private_kafka,
    read_topic,
    running_consumer,
    wait_group_caught_up,
    wait_until,
)
from outbox.models import OutboxEvent, ProcessedEvent
from outbox.services import publish_on_commit
from outbox.tests.factories import PaperUploadedFactory
from submissions.tests.factories import submissions_exist


def publish_sequences(submissions: int, per_submission: int, *, per_transaction: int = 1) -> None:
    """Publish ``per_submission`` events for each submission, numbered 0.. in ``word_count``,
    interleaved across submissions as real traffic would be."""
    ids = [uuid.uuid4() for _ in range(submissions)]
    submissions_exist(ids)
    events = [
        PaperUploadedFactory(submission_id=sid, word_count=n)
        for n in range(per_submission)
        for sid in ids
    ]
    for start in range(0, len(events), per_transaction):
        with transaction.atomic():
            for event in events[start : start + per_transaction]:
                publish_on_commit(event)


def unsent() -> int:
    return OutboxEvent.objects.filter(sent_at__isnull=True).count()


def applied() -> int:
    """Events the analytics group has applied (its inbox)."""
    return ProcessedEvent.objects.filter(group="analytics").count()


def consume_everything(expected: int, timeout: float = 120) -> None:
    """Run the analytics consumer until ``expected`` events were applied and the group has
    committed every record of its topics, duplicates included."""
    with running_consumer(ANALYTICS, consumer_config={"max_poll_records": 500}):
        wait_until(
            lambda: applied() >= expected,
            timeout=timeout,
            what=f"{expected} events applied",
        )
        wait_group_caught_up(ANALYTICS.group_id, ANALYTICS.topics, timeout=timeout)


def counted(event_type: str = "paper_uploaded") -> int:
    return sum(
        DailyEventCount.objects.filter(event_type=event_type).values_list("count", flat=True)
    )


def test_relay_killed_mid_batch_loses_nothing_and_effects_happen_once(kafka_topics, spawn):
    publish_sequences(submissions=300, per_submission=10, per_transaction=100)
    assert unsent() == 3000

    relay = spawn("relay", "relay_outbox", "--batch-size", "100")
    wait_until(lambda: unsent() <= 2500, timeout=60, what="the relay to get going")
    relay.kill()  # SIGKILL, mid-stream
    assert 0 < unsent() < 3000, "the kill should land while rows are still unsent"

    spawn("relay-again", "relay_outbox", "--batch-size", "100")
    wait_until(lambda: unsent() == 0, timeout=120, what="the backlog to drain")

    records = read_topic(topic_name(Topic.PAPER_UPLOADED), expected=3000)
    sent_ids = {dict(r.headers)["ce_id"].decode() for r in records}
    assert sent_ids == {str(i) for i in OutboxEvent.objects.values_list("event_id", flat=True)}

    consume_everything(3000)
    assert applied() == 3000
    assert counted() == 3000  # every event's effect exactly once, duplicates or not


def test_two_relays_at_once_keep_each_submissions_order(kafka_topics, spawn):
    publish_sequences(submissions=40, per_submission=50)
    total = 2000
    relays = [
        spawn(f"relay-{n}", "relay_outbox", "--batch-size", "50", "--max-shards", "8")
        for n in range(2)
    ]
    wait_until(lambda: unsent() == 0, timeout=120, what="two relays to drain the outbox")
    for relay in relays:
        assert relay.terminate() == 0  # SIGTERM: a clean exit
    published = [
        int(line.rsplit("published=", 1)[1])
        for relay in relays
        for line in relay.output().splitlines()
        if "relay.stopped published=" in line
    ]
    assert len(published) == 2 and all(published), f"both relays must have worked: {published}"
    assert sum(published) >= total

    seen: dict[bytes, list[int]] = defaultdict(list)
    first: set[bytes] = set()
    for record in read_topic(topic_name(Topic.PAPER_UPLOADED), expected=total):
        event_id = dict(record.headers)["ce_id"]
        if event_id in first:
            continue  # a redelivery; consumers drop it by id
        first.add(event_id)
        seen[record.key].append(json.loads(record.value)["word_count"])
    assert len(seen) == 40
    for key, sequence in seen.items():
        assert sequence == list(range(50)), f"submission {key!r} out of order: {sequence}"


@pytest.fixture
def private_broker(settings):
    """A Kafka broker of this test's own, so it can be stopped without touching the others."""
    with private_kafka(settings, "kafka-outage-", port=19192) as kafka:
        yield kafka.services


def test_kafka_stopped_while_events_are_published_then_started_loses_nothing(private_broker, spawn):
    relay = spawn("relay", "relay_outbox", "--batch-size", "100", OUTBOX_DELIVERY_TIMEOUT_MS="6000")
    consumer = spawn("consumer", "consume_analytics", CONSUMER_SESSION_TIMEOUT_MS="6000")
    publish_sequences(submissions=10, per_submission=10)
    wait_until(lambda: unsent() == 0, timeout=60, what="the first 100 to go out")
    wait_until(lambda: applied() == 100, timeout=60, what="the first 100 to be applied")

    private_broker("stop")
    publish_sequences(submissions=20, per_submission=10, per_transaction=20)  # uploads go on
    wait_until(
        lambda: "relay.kafka_unavailable" in relay.output(), timeout=60, what="the relay to notice"
    )
    assert unsent() == 200

    private_broker("start")
    wait_until(lambda: unsent() == 0, timeout=120, what="the backlog to drain after the outage")
    assert relay.output().count("relay.kafka_unavailable") == 1  # once per state change
    assert "relay.kafka_available" in relay.output()
    assert relay.terminate() == 0

    records = read_topic(topic_name(Topic.PAPER_UPLOADED), expected=300)
    assert {dict(r.headers)["ce_id"].decode() for r in records} == {
        str(i) for i in OutboxEvent.objects.values_list("event_id", flat=True)
    }
    # The consumer polled through the outage and applied every event once.
    wait_until(lambda: applied() == 300, timeout=120, what="all 300 applied after the outage")
    assert consumer.alive(), consumer.output()
    assert consumer.terminate() == 0
    assert counted() == 300
