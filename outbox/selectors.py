"""Reads of the event plumbing, for operators (``manage.py outbox_status``) and metrics."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min
from kafka.admin import KafkaAdminClient, OffsetSpec
from kafka.structs import TopicPartition

from outbox.kafka import kafka_admin
from outbox.models import DeadLetter, OutboxEvent


@dataclass(frozen=True)
class Backlog:
    unsent: int
    oldest_unsent_at: datetime | None


def outbox_backlog() -> Backlog:
    unsent = OutboxEvent.objects.filter(sent_at__isnull=True).aggregate(
        count=Count("id"), oldest=Min("created_at")
    )
    return Backlog(unsent=unsent["count"], oldest_unsent_at=unsent["oldest"])


def dead_letter_counts() -> list[dict]:
    """Dead letters not yet replayed, by group, event type and reason."""
    return list(
        DeadLetter.objects.filter(replayed_at__isnull=True)
        .values("group", "event_type", "reason")
        .annotate(count=Count("id"))
        .order_by("group", "event_type", "reason")
    )


def _partition_offsets(admin: KafkaAdminClient, topics: list[str]) -> tuple[list, dict, dict]:
    """Every partition of ``topics`` with its earliest and latest offsets."""
    partitions = [
        TopicPartition(t["name"], p["partition_index"])
        for t in admin.describe_topics(topics)
        for p in t["partitions"]
    ]
    earliest = admin.list_partition_offsets(dict.fromkeys(partitions, OffsetSpec.EARLIEST))
    latest = admin.list_partition_offsets(dict.fromkeys(partitions, OffsetSpec.LATEST))
    return partitions, earliest, latest


def topic_message_counts(topics: list[str]) -> dict[str, int]:
    """Messages currently held by each topic (latest minus earliest offset, all partitions)."""
    admin = kafka_admin()
    try:
        partitions, earliest, latest = _partition_offsets(admin, topics)
    finally:
        admin.close()
    counts = dict.fromkeys(topics, 0)
    for tp in partitions:
        counts[tp.topic] += latest[tp].offset - earliest[tp].offset
    return counts


def consumer_group_lag(topics: list[str]) -> dict[str, dict[str, int]]:
    """For each consumer group with committed offsets on ``topics``: its lag per topic.

    A partition the group never committed on counts from the earliest offset.
    """
    admin = kafka_admin()
    try:
        partitions, earliest, latest = _partition_offsets(admin, topics)
        group_ids = [g["group_id"] for g in admin.list_groups() if g["protocol_type"] == "consumer"]
        committed = admin.list_group_offsets(group_ids) if group_ids else {}
    finally:
        admin.close()
    lag: dict[str, dict[str, int]] = {}
    for group_id, offsets in committed.items():
        ours = {tp: o for tp, o in offsets.items() if tp.topic in topics}
        if not ours:
            continue
        subscribed = {tp.topic for tp in ours}
        per_topic = dict.fromkeys(sorted(subscribed), 0)
        for tp in partitions:
            if tp.topic in subscribed:
                position = ours[tp].offset if tp in ours else earliest[tp].offset
                per_topic[tp.topic] += max(0, latest[tp].offset - position)
        lag[group_id] = per_topic
    return lag
