"""The operators' commands: kafka_topics, outbox_status, replay_dead_letters, the purge."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from kafka.admin import ConfigResource, ConfigResourceType

from analytics.handlers import GROUP as ANALYTICS
from contracts.topics import Topic, all_topic_names, topic_name
from harness import running_consumer, unique_name, wait_until
from outbox.kafka import kafka_admin
from outbox.models import DeadLetter, OutboxEvent, ProcessedEvent
from outbox.relay import Relay
from outbox.services import outbox_purge_sent, publish_on_commit
from outbox.tests.factories import PaperUploadedFactory


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def publish(count: int, *, relay: bool) -> None:
    with transaction.atomic():
        for _ in range(count):
            publish_on_commit(PaperUploadedFactory())
    if relay:
        relayer = Relay()
        while relayer.run_once():
            pass
        relayer.close()


def test_kafka_topics_creates_every_topic_with_partitions_and_seven_day_retention(settings):
    settings.KAFKA_TOPIC_PREFIX = unique_name("test-") + "."
    names = all_topic_names()
    assert f"{settings.KAFKA_TOPIC_PREFIX}paper_uploaded.dlq" in names
    try:
        first = run("kafka_topics", "--partitions", "4")
        assert all(f"created {name}" in first for name in names)
        second = run("kafka_topics")
        assert all(f"exists  {name}" in second for name in names)

        admin = kafka_admin()
        try:
            described = {t["name"]: t for t in admin.describe_topics(names)}
            configs = admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
            )
        finally:
            admin.close()
        assert {len(t["partitions"]) for t in described.values()} == {4}
        retention = {name: c["retention.ms"]["value"] for name, c in configs["topic"].items()}
        assert retention == dict.fromkeys(names, "604800000")
    finally:
        admin = kafka_admin()
        admin.delete_topics(names)
        admin.close()


def test_kafka_topics_says_in_one_line_when_the_broker_is_unreachable(settings):
    settings.KAFKA_BOOTSTRAP_SERVERS = ["127.0.0.1:1"]
    settings.KAFKA_BOOTSTRAP_TIMEOUT_MS = 2000
    with pytest.raises(CommandError, match="cannot reach or change the broker"):
        run("kafka_topics")


def test_outbox_status_shows_backlog_dead_letters_and_consumer_lag(kafka_topics, transactional_db):
    papers = topic_name(Topic.PAPER_UPLOADED)
    publish(2, relay=True)
    with running_consumer(ANALYTICS):
        wait_until(lambda: ProcessedEvent.objects.count() == 2, timeout=60, what="2 applied")
    publish(3, relay=True)  # consumed by nobody: lag 3
    publish(4, relay=False)  # still in the outbox
    DeadLetter.objects.create(
        group="analytics",
        event_id="e1",
        event_type="paper_uploaded",
        reason=DeadLetter.Reason.INVALID,
        error="bad",
        topic=papers,
        partition=0,
        offset=7,
    )

    output = run("outbox_status")

    assert "outbox: unsent=4 oldest_unsent_age=" in output
    assert "dead letters not replayed: 1" in output
    assert "group=analytics type=paper_uploaded reason=invalid count=1" in output
    assert f"group={ANALYTICS.group_id} topic={papers} lag=3" in output


@pytest.mark.django_db
def test_the_purge_deletes_only_rows_sent_before_the_retention_period():
    with transaction.atomic():
        old, recent, unsent = (publish_on_commit(PaperUploadedFactory()) for _ in range(3))
    OutboxEvent.objects.filter(pk=old.pk).update(sent_at=timezone.now() - timedelta(days=10))
    OutboxEvent.objects.filter(pk=recent.pk).update(sent_at=timezone.now() - timedelta(hours=1))

    assert outbox_purge_sent(older_than=timedelta(days=3)) == 1
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {recent.pk, unsent.pk}


@pytest.mark.django_db
def test_replay_dead_letters_asks_which_when_given_no_selector():
    with pytest.raises(CommandError, match="say which"):
        run("replay_dead_letters")


@pytest.mark.django_db
def test_replay_dead_letters_dry_run_lists_and_sends_nothing():
    DeadLetter.objects.create(
        group="analytics",
        event_id="e9",
        event_type="paper_uploaded",
        reason=DeadLetter.Reason.FAILED,
        error="RuntimeError: boom",
        topic="paper_uploaded",
        partition=1,
        offset=3,
        value=b"{}",
    )
    DeadLetter.objects.create(  # a record the client could not read: nothing to send back
        group="analytics",
        event_type="paper_uploaded",
        reason=DeadLetter.Reason.INVALID,
        error="unreadable by the Kafka client",
        topic="paper_uploaded",
        partition=1,
        offset=4,
        value=None,
    )
    output = run("replay_dead_letters", "--type", "paper_uploaded", "--dry-run")
    assert "e9 group=analytics type=paper_uploaded" in output
    assert "1 dead letters would be replayed" in output
    assert not DeadLetter.objects.filter(replayed_at__isnull=False).exists()
