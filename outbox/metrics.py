"""Prometheus metrics of the relay and the consumers (served by ``--metrics-port``)."""

from django.conf import settings
from prometheus_client import Counter, Gauge, Histogram, start_http_server

RELAY_PUBLISHED = Counter("outbox_relay_published_total", "Events acknowledged by Kafka", ["topic"])
RELAY_FAILED = Counter("outbox_relay_failed_total", "Events Kafka did not acknowledge", ["topic"])
RELAY_BATCH_SECONDS = Histogram(
    "outbox_relay_batch_seconds",
    "Time to publish and mark one batch",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RELAY_BACKLOG = Gauge("outbox_relay_backlog", "Unsent outbox rows at the last look")
RELAY_KAFKA_UP = Gauge("outbox_relay_kafka_up", "1 while the relay reaches Kafka")

CONSUMED = Counter(
    "outbox_consumer_events_total", "Events handled, by outcome", ["group", "type", "outcome"]
)
CONSUMER_HANDLE_SECONDS = Histogram(
    "outbox_consumer_handle_seconds", "Time to handle one event", ["group"]
)
CONSUMER_LAG = Gauge(
    "outbox_consumer_lag", "Messages behind the end of each partition", ["group", "topic"]
)

CONSUMER_PAUSED = Gauge(
    "outbox_consumer_paused",
    "1 while the group's consumer is paused by the dead-letter limit",
    ["group"],
)


def metrics_serve(port: int | None) -> None:
    if port:
        start_http_server(port, addr=settings.METRICS_BIND_ADDRESS)
