"""The consumer runtime: effectively-once effects, dead letters, replay, scaling out."""

import re
import uuid

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from analytics.handlers import GROUP as ANALYTICS
from analytics.models import DailyEventCount
from analytics.services import analytics_event_apply
from contracts.events import Event, PaperUploaded
from contracts.topics import Topic, dead_letter_topic_name, topic_name
from harness import read_topic, running_consumer, unique_name, wait_until
from outbox.consumer import ConsumerGroup, RetryLater
from outbox.kafka import kafka_producer
from outbox.models import DeadLetter, ProcessedEvent
from outbox.relay import Relay
from outbox.services import publish_on_commit
from outbox.tests.factories import PaperUploadedFactory
from outbox.wire import encode_headers
from submissions.tests.factories import submissions_exist

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def papers(kafka_topics) -> str:
    """The paper_uploaded topic, under this test's own prefix."""
    return topic_name(Topic.PAPER_UPLOADED)


def send(
    topic: str,
    event: Event | None = None,
    *,
    event_id: uuid.UUID | None = None,
    submission_exists: bool = True,
    **override,
) -> str:
    """Put one message on the paper_uploaded topic as the relay would; return its ce_id.

    ``override`` replaces parts of a well-formed message to make it bad: ``value``,
    ``ce_type``.
    """
    event = event or PaperUploadedFactory()
    if submission_exists:  # consumers skip events about submissions that do not exist
        submissions_exist([event.submission_id])
    event_id = event_id or uuid.uuid4()
    headers = encode_headers(
        event_id=event_id,
        ce_type=override.get("ce_type", event.ce_type()),
        source=event.source,
        subject=f"submission/{event.key}",
        time=timezone.now(),
        extra={},
    )
    value = override.get("value", event.model_dump_json().encode())
    producer = kafka_producer()
    try:
        producer.send(topic, key=b"same-key", value=value, headers=headers).get(30)
    finally:
        producer.close()
    return str(event_id)


def applied(group: str, event_id: str) -> bool:
    return ProcessedEvent.objects.filter(group=group, event_id=event_id).exists()


def counted() -> int:
    rows = DailyEventCount.objects.filter(event_type="paper_uploaded")
    return sum(rows.values_list("count", flat=True))


def test_the_same_message_delivered_twice_is_applied_once(papers):
    twice = uuid.uuid4()
    event = PaperUploadedFactory()
    send(papers, event, event_id=twice)
    send(papers, event, event_id=twice)
    sentinel = send(papers)
    with running_consumer(ANALYTICS) as runner:
        wait_until(lambda: applied("analytics", sentinel), timeout=60, what="the sentinel")
    assert runner.handled == 2
    assert ProcessedEvent.objects.filter(group="analytics").count() == 2
    assert counted() == 2  # the twice-delivered event counted once, the sentinel once


def test_poison_messages_are_dead_lettered_with_their_reason_and_the_next_is_handled(papers):
    bad = {
        send(papers, value=b"\xff{ not json"): r"paper_uploaded\.v2 fails its schema",
        send(papers, ce_type="org.papers.paper_shredded.v1"): r"unknown event type",
        send(
            papers, value=b'{"submission_id": "not-a-uuid"}'
        ): r"submission_id: .*author_id: Field required",
    }
    good = send(papers)
    with running_consumer(ANALYTICS):
        wait_until(lambda: applied("analytics", good), timeout=60, what="the good message")
    assert counted() == 1

    letters = {letter.event_id: letter for letter in DeadLetter.objects.all()}
    assert set(letters) == set(bad)
    for event_id, reason in bad.items():
        assert letters[event_id].reason == DeadLetter.Reason.INVALID
        assert re.search(reason, letters[event_id].error), letters[event_id].error
        assert letters[event_id].attempts == 1

    records = read_topic(dead_letter_topic_name(papers), expected=3)
    assert len(records) == 3
    for record in records:
        headers = {name: value.decode(errors="replace") for name, value in record.headers}
        letter = letters[headers["ce_id"]]
        assert headers["dlq_reason"] == "invalid"
        assert headers["dlq_error"] == letter.error
        assert headers["dlq_group"] == "analytics"
        assert headers["dlq_original_topic"] == papers
        assert int(headers["dlq_original_offset"]) == letter.offset
        assert record.value == bytes(letter.value)


def test_a_failing_handler_is_retried_then_dead_lettered_and_a_replay_applies_it_once_fixed(papers):
    broken = {"on": True}
    calls: list[str] = []

    def handle(event) -> None:
        calls.append(str(event.id))
        if broken["on"] and event.data.title == "breaks the handler":
            raise RuntimeError("the handler has a bug")
        analytics_event_apply(event=event)

    group = ConsumerGroup(name=unique_name("flaky-"), handlers={PaperUploaded: handle})
    poison = send(papers, PaperUploadedFactory(title="breaks the handler"))
    good = send(papers)
    with running_consumer(group, max_attempts=3, backoff_seconds=0.01):
        wait_until(lambda: applied(group.name, good), timeout=60, what="the good message")
    assert calls.count(poison) == 3  # bounded retries
    assert counted() == 1

    letter = DeadLetter.objects.get(event_id=poison)
    assert letter.reason == DeadLetter.Reason.FAILED and letter.attempts == 3
    assert letter.error == "RuntimeError: the handler has a bug"
    assert "RuntimeError" in letter.traceback
    (record,) = read_topic(dead_letter_topic_name(papers), expected=1)
    headers = {name: value.decode() for name, value in record.headers}
    assert headers["dlq_attempts"] == "3" and "RuntimeError" in headers["dlq_traceback"]

    broken["on"] = False  # the cause is fixed
    call_command("replay_dead_letters", "--group", group.name)
    letter.refresh_from_db()
    assert letter.replayed_at is not None
    with running_consumer(group, max_attempts=3, backoff_seconds=0.01):
        wait_until(lambda: applied(group.name, poison), timeout=60, what="the replayed event")
    assert counted() == 2
    assert not DeadLetter.objects.filter(replayed_at__isnull=True).exists()


def test_a_transient_failure_is_retried_until_it_passes_and_never_dead_lettered(papers):
    failures = {"left": 3}

    def handle(event) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise RetryLater("the mail server is down")
        analytics_event_apply(event=event)

    group = ConsumerGroup(name=unique_name("transient-"), handlers={PaperUploaded: handle})
    event_id = send(papers)
    with running_consumer(group, max_attempts=1, backoff_seconds=0.01):
        wait_until(lambda: applied(group.name, event_id), timeout=60, what="the event")
    assert failures["left"] == 0
    assert counted() == 1
    assert not DeadLetter.objects.exists()


def last_assignment(output: str) -> set[str]:
    lines = [line for line in output.splitlines() if "consumer.partitions_assigned" in line]
    if not lines:
        return set()
    listed = lines[-1].rsplit("partitions=", 1)[1].strip()
    return set(filter(None, listed.split(",")))


def publish_and_relay(count: int) -> None:
    events = [PaperUploadedFactory() for _ in range(count)]
    submissions_exist([event.submission_id for event in events])
    with transaction.atomic():
        for event in events:
            publish_on_commit(event)
    relay = Relay()
    while relay.run_once():
        pass
    relay.close()


def test_two_consumers_split_the_partitions_and_a_killed_one_hands_them_over(papers, spawn):
    short = {"CONSUMER_SESSION_TIMEOUT_MS": "3000"}
    first = spawn("consumer-a", "consume_analytics", **short)
    second = spawn("consumer-b", "consume_analytics", **short)
    papers = {f"{papers}:{n}" for n in range(3)}

    def split() -> bool:
        a, b = last_assignment(first.output()), last_assignment(second.output())
        return bool(a & papers) and bool(b & papers) and not (a & b) and (a | b) >= papers

    wait_until(split, timeout=60, what="the two consumers to split the partitions")

    publish_and_relay(300)
    wait_until(lambda: counted() == 300, timeout=60, what="the first 300 events")

    first.kill()  # SIGKILL: no goodbye to the group, its partitions wait for the session timeout
    publish_and_relay(300)
    wait_until(
        lambda: last_assignment(second.output()) >= papers,
        timeout=60,
        what="the survivor to take over every partition",
    )
    wait_until(lambda: ProcessedEvent.objects.count() >= 600, timeout=60, what="all 600 events")
    assert second.terminate() == 0  # SIGTERM: finish, commit, exit 0
    assert ProcessedEvent.objects.filter(group="analytics").count() == 600
    assert counted() == 600


def test_a_consumer_started_while_kafka_is_down_waits_for_it_and_stops_cleanly(settings, caplog):
    settings.KAFKA_BOOTSTRAP_SERVERS = ["127.0.0.1:1"]  # nothing listens there
    settings.KAFKA_BOOTSTRAP_TIMEOUT_MS = 2000
    group = ConsumerGroup(name=unique_name("waiting-"), handlers={PaperUploaded: lambda e: None})
    with (
        caplog.at_level("WARNING", logger="outbox.consumer"),
        running_consumer(group, backoff_seconds=0.05),
    ):
        wait_until(
            lambda: "consumer.kafka_unavailable" in caplog.text,
            timeout=60,
            what="the consumer to report the broker missing",
        )
    # running_consumer re-raises anything the runner raised: it waited, then stopped.
    assert caplog.text.count("consumer.kafka_unavailable") == 1


def test_a_poll_that_loses_the_broker_rejoins_and_applies_everything_once(papers, caplog):
    """kafka-python can raise out of ``poll`` when the broker goes away at the wrong moment
    (seen in the chaos run: a metadata refresh refused during a broker restart). The runner
    must not exit: it rejoins from the committed offsets and the inbox drops repeats."""
    from kafka.errors import KafkaConnectionError

    first = send(papers)
    with (
        caplog.at_level("WARNING", logger="outbox.consumer"),
        running_consumer(ANALYTICS) as runner,
    ):
        wait_until(lambda: applied("analytics", first), timeout=60, what="the first event")
        broken = runner.consumer

        def poll_losing_the_broker(*args, **kwargs):
            raise KafkaConnectionError("111 ECONNREFUSED (injected)")

        broken.poll = poll_losing_the_broker  # on the real client, for its next poll
        wait_until(lambda: runner.consumer is not broken, timeout=60, what="a fresh client")
        later = [send(papers) for _ in range(3)]
        wait_until(
            lambda: all(applied("analytics", e) for e in later), timeout=90, what="later events"
        )
    assert "consumer.kafka_lost" in caplog.text and "consumer.kafka_rejoined" in caplog.text
    assert ProcessedEvent.objects.filter(group="analytics").count() == 4
    assert counted() == 4
