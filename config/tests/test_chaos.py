"""The small chaos run of ``bench/chaos.py`` inside ``make test``: 150 uploads through the
API while the relay, every consumer and the Celery worker are SIGKILLed and restarted, the
Kafka broker is restarted twice, and a second relay and consumers run for a while. Nothing
may be lost, duplicated, dead-lettered or reordered. (The PostgreSQL restart is left to the
benchmark: it would restart the database under the rest of the suite.)"""

import os
import subprocess
import sys

import pytest

from conftest import ROOT, read_topic, subprocess_env, unique_name
from outbox.topic_admin import topics_ensure
from outbox.topics import all_topic_names

sys.path.insert(0, str(ROOT / "bench"))
import chaos


@pytest.fixture
def chaos_broker(settings):
    name = unique_name("kafka-chaos-")
    env = os.environ | {
        "KAFKA_INSTANCE": name,
        "KAFKA_PORT": "19492",
        "KAFKA_CONTROLLER_PORT": "19493",
        "KAFKA_HEAP": "-Xms256m -Xmx512m",
    }
    chaos.services("start", "kafka", env)
    settings.KAFKA_BOOTSTRAP_SERVERS = ["127.0.0.1:19492"]
    settings.KAFKA_TOPIC_PREFIX = unique_name("chaos-") + "."
    topics_ensure(names=all_topic_names(), partitions=3, replication_factor=1)
    try:
        yield env
    finally:
        chaos.services("stop", "kafka", env)
        subprocess.run(["rm", "-rf", f"var/{name}", f"var/log/{name}"], cwd=ROOT, check=False)


@pytest.mark.timeout(900)
@pytest.mark.django_db(transaction=True)
def test_a_small_chaos_run_loses_nothing_and_applies_nothing_twice(chaos_broker, settings):
    env = subprocess_env(
        KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:19492",
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
        kafka_env=chaos_broker,
        restart_postgres_once=False,
        read_topic=read_topic,
        drain_timeout=240,
        out=lines.append,
    )
    report = "\n".join(lines)
    assert sum("fault:" in line for line in lines) == 10, report
    assert verdict.ok, report
    rows = dict(verdict.rows)
    assert rows["uploads accepted (201)"] == "150", report
