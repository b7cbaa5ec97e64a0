"""How soon the consumers consume again after a Kafka broker restart.

    .venv/bin/python bench/broker_restart.py [--restarts 3]

A broker of its own (ops/services.sh with another KAFKA_INSTANCE and port), and the real
``manage.py consume_analytics`` in a child process. Each round: an event is applied, the
broker is stopped and started again (the start returns once the broker answers a metadata
request: "back"), an event is published at once, and the clock runs from "back" until the
consumer has applied it. Needs PostgreSQL up (``ops/services.sh start``).
"""

import argparse
import sys
import time

from common import bench_environment, percentile, probe_event

PORT = 19492


def publish_and_relay(relay) -> str:
    from django.db import transaction

    from outbox.services import publish_on_commit

    with transaction.atomic():
        row = publish_on_commit(probe_event("Restart probe"))
    while relay.run_once():
        pass
    return str(row.event_id)


def applied(event_id: str) -> bool:
    from outbox.models import ProcessedEvent

    return ProcessedEvent.objects.filter(group="analytics", event_id=event_id).exists()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restarts", type=int, default=3)
    args = parser.parse_args()
    print(f"command: .venv/bin/python bench/broker_restart.py --restarts {args.restarts}")
    with bench_environment("bench_restart") as env:
        from django.conf import settings

        from harness import ManagedProcess, private_kafka, wait_until
        from outbox.relay import Relay

        with private_kafka(settings, "bench-restart-", port=PORT) as kafka:
            child_env = env | {
                "KAFKA_BOOTSTRAP_SERVERS": ",".join(kafka.bootstrap),
                "KAFKA_TOPIC_PREFIX": settings.KAFKA_TOPIC_PREFIX,
                "LOG_LEVEL": "INFO",
            }
            consumer = ManagedProcess("bench-consumer", ["consume_analytics"], child_env)
            relay = Relay()
            recoveries = []
            try:
                first = publish_and_relay(relay)
                wait_until(lambda: applied(first), timeout=120, what="the first event")
                for n in range(args.restarts):
                    kafka.services("stop")
                    kafka.services("start")
                    back = time.monotonic()
                    event_id = publish_and_relay(relay)
                    wait_until(lambda e=event_id: applied(e), timeout=300, what="after restart")
                    recoveries.append(time.monotonic() - back)
                    print(f"restart {n + 1}: consuming again {recoveries[-1]:.1f} s after")
                    time.sleep(2)
            finally:
                relay.close()
                consumer.terminate()
                log = consumer.output()
                consumer.log.unlink(missing_ok=True)
    ordered = sorted(recoveries)
    print(
        f"broker restart → consuming again: median {percentile(ordered, 0.5):.1f} s, "
        f"worst {ordered[-1]:.1f} s over {len(ordered)} restarts"
    )
    print(
        f"consumer log lines mentioning the broker: {log.count('consumer.kafka_lost')} lost, "
        f"{log.count('consumer.kafka_rejoined')} rejoined"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
