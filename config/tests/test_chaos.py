"""The small chaos run of ``bench/chaos.py`` inside ``make test``: 150 uploads through the
API while the relay, every consumer and the Celery worker are SIGKILLed and restarted, the
Kafka broker is restarted twice, and a second relay and consumers run for a while. Nothing
may be lost, duplicated, dead-lettered or reordered. (The PostgreSQL restart is left to the
benchmark: it would restart the database under the rest of the suite.)"""

import sys

import pytest

from harness import ROOT, private_kafka, read_topic, subprocess_env

sys.path.insert(0, str(ROOT / "bench"))
import chaos


@pytest.fixture
def chaos_broker(settings):
    with private_kafka(settings, "kafka-chaos-", port=19492) as kafka:
        yield kafka


@pytest.mark.timeout(900)
@pytest.mark.django_db(transaction=True)
def test_a_small_chaos_run_loses_nothing_and_applies_nothing_twice(chaos_broker, settings):
    env = subprocess_env(
        KAFKA_BOOTSTRAP_SERVERS=",".join(chaos_broker.bootstrap),
        KAFKA_TOPIC_PREFIX=settings.KAFKA_TOPIC_PREFIX,
        CELERY_BROKER_URL="redis://127.0.0.1:6379/7",
        CELERY_RESULT_BACKEND="redis://127.0.0.1:6379/8",
    )
    lines: list[str] = []
    verdict = chaos.run(
        env=env,
        submissions=150,
        rate=8,
        authors=4,
        kafka_env=chaos_broker.env,
        restart_postgres_once=False,
        read_topic=read_topic,
        drain_timeout=240,
        out=lines.append,
    )
    report = "\n".join(lines)
    if not verdict.ok:  # what the system's processes said last, to tell why
        report += "".join(
            f"\n--- {log.name} (last lines)\n" + "\n".join(log.read_text().splitlines()[-25:])
            for log in sorted(chaos.LOGS.glob("chaos-*.log"))
        )
    assert sum("fault:" in line for line in lines) == 10, report
    assert verdict.ok, report
    rows = dict(verdict.rows)
    assert rows["uploads accepted (201)"] == "150", report
