"""Kafka clients configured from settings, made when asked for (never at import time)."""

from typing import Any

from django.conf import settings
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer


def kafka_admin(**overrides: Any) -> KafkaAdminClient:
    config: dict[str, Any] = {
        "bootstrap_servers": settings.KAFKA_BOOTSTRAP_SERVERS,
        "client_id": "papers-admin",
        "request_timeout_ms": 10_000,
        "bootstrap_timeout_ms": settings.KAFKA_BOOTSTRAP_TIMEOUT_MS,
    }
    return KafkaAdminClient(**(config | overrides))


def kafka_producer(**overrides: Any) -> KafkaProducer:
    """An idempotent producer with ``acks=all``.

    kafka-python quietly turns idempotence off when ``acks``, ``retries`` or
    ``max_in_flight_requests_per_connection`` conflict with it, so none of those are set here.
    """
    config: dict[str, Any] = {
        "bootstrap_servers": settings.KAFKA_BOOTSTRAP_SERVERS,
        "client_id": "papers-producer",
        "enable_idempotence": True,
        "acks": "all",
        "allow_auto_create_topics": False,
        "compression_type": None
        if settings.KAFKA_COMPRESSION_TYPE == "none"
        else settings.KAFKA_COMPRESSION_TYPE,
    }
    return KafkaProducer(**(config | overrides))


def kafka_consumer(*topics: str, group_id: str | None, **overrides: Any) -> KafkaConsumer:
    """A consumer that never commits on its own: offsets are committed after the effect."""
    config: dict[str, Any] = {
        "bootstrap_servers": settings.KAFKA_BOOTSTRAP_SERVERS,
        "group_id": group_id,
        "client_id": f"papers-{group_id or 'reader'}",
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "allow_auto_create_topics": False,
        "bootstrap_timeout_ms": settings.KAFKA_BOOTSTRAP_TIMEOUT_MS,
    }
    return KafkaConsumer(*topics, **(config | overrides))
