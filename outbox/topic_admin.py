"""Creating and checking the system's topics on the broker (``manage.py kafka_topics``)."""

from dataclasses import dataclass

from django.conf import settings
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

from outbox.kafka import kafka_admin


@dataclass(frozen=True)
class TopicState:
    name: str
    partitions: int
    created: bool
    retention_ms: int
    warning: str = ""


def _topics_create(admin, names, partitions: int, replication_factor: int, configs) -> None:
    if names:
        admin.create_topics(
            [
                NewTopic(
                    name=name,
                    num_partitions=partitions,
                    replication_factor=replication_factor,
                    topic_configs=configs,
                )
                for name in names
            ],
            wait_for_metadata=True,
        )


def topics_ensure(
    *,
    names: list[str],
    partitions: int | None = None,
    replication_factor: int | None = None,
    retention_ms: int | None = None,
) -> list[TopicState]:
    """Create the missing topics and set every topic's retention; return what is there.

    Partitions are never added to an existing topic: that would move keys to other
    partitions and break the per-submission order. A topic with fewer partitions than asked
    for is reported with a warning instead.
    """
    partitions = partitions or settings.KAFKA_TOPIC_PARTITIONS
    replication_factor = replication_factor or settings.KAFKA_REPLICATION_FACTOR
    retention_ms = retention_ms or settings.KAFKA_RETENTION_MS
    topic_configs = {
        "retention.ms": str(retention_ms),
        "min.insync.replicas": str(min(settings.KAFKA_MIN_INSYNC_REPLICAS, replication_factor)),
    }
    admin = kafka_admin()
    try:
        existing = set(admin.list_topics())
        missing = [name for name in names if name not in existing]
        _topics_create(admin, missing, partitions, replication_factor, topic_configs)
        present = [name for name in names if name in existing]
        if present:
            admin.alter_configs(
                [
                    ConfigResource(ConfigResourceType.TOPIC, name, configs=topic_configs)
                    for name in present
                ],
                incremental=True,
            )
        described = {topic["name"]: topic for topic in admin.describe_topics(names)}
    finally:
        admin.close()
    states = []
    for name in names:
        count = len(described[name]["partitions"])
        warning = (
            f"has {count} partitions, fewer than the {partitions} configured; "
            "not changed (adding partitions would reorder keys)"
            if count < partitions
            else ""
        )
        states.append(
            TopicState(
                name=name,
                partitions=count,
                created=name in missing,
                retention_ms=retention_ms,
                warning=warning,
            )
        )
    return states
