"""Shared fixtures: real PostgreSQL, Kafka and Redis, kept apart per test.

Every test that touches Kafka gets topics of its own (a unique ``KAFKA_TOPIC_PREFIX``), and
every Celery test gets a queue of its own, so tests neither see each other's messages nor
those of a ``make up`` running beside them.
"""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from outbox.kafka import kafka_admin
from outbox.topic_admin import topics_ensure
from outbox.topics import all_topic_names

ROOT = Path(__file__).resolve().parent


def unique_name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


@pytest.fixture
def kafka_topics(settings) -> Iterator[list[str]]:
    """The system's topics under a prefix unique to this test, created on the real broker."""
    settings.KAFKA_TOPIC_PREFIX = unique_name("test-") + "."
    names = all_topic_names()
    topics_ensure(names=names, partitions=3, replication_factor=1)
    yield names
    admin = kafka_admin()
    try:
        admin.delete_topics(names)
    finally:
        admin.close()


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a child process of the system that shares this test's database."""
    db = connection.settings_dict
    env = os.environ.copy()
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    env["PYTHONUNBUFFERED"] = "1"
    return env | extra


@pytest.fixture
def celery_worker(transactional_db) -> Iterator[str]:
    """A real Celery worker process on Redis, consuming a queue of this test's own.

    Yields the queue name; send tasks with ``.apply_async(queue=...)``.
    """
    from config.celery import app

    queue = unique_name("test-")
    hostname = f"{queue}@localhost"
    log = ROOT / "var" / "log" / f"pytest-celery-{queue}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--queues",
                queue,
                "--hostname",
                hostname,
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=subprocess_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[hostname], timeout=0.5):
            if worker.poll() is not None:
                pytest.fail(f"the Celery worker exited with {worker.returncode}; see {log}")
            if time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not answer a ping in 60 s; see {log}")
        yield queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    log.unlink(missing_ok=True)
