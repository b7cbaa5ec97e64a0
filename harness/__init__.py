"""Process and broker helpers shared by the tests and the benchmarks.

Nothing here is a pytest fixture: ``conftest.py`` wraps these in fixtures, and ``bench/``
scripts call them directly. Each helper talks to the real services (PostgreSQL, Kafka) and
runs the system's real commands as child processes.
"""

import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kafka.structs import TopicPartition

ROOT = Path(__file__).resolve().parent.parent


class WaitTimeout(AssertionError):
    """A condition a test or benchmark waited for did not come in time."""


def unique_name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a child process of the system that shares this process's
    database (the test database under pytest)."""
    from django.db import connection

    db = connection.settings_dict
    env = os.environ.copy()
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    env["PYTHONUNBUFFERED"] = "1"
    return env | extra


@dataclass
class PrivateKafka:
    """A Kafka broker, or a three-node cluster, of one test's own (``private_kafka``)."""

    name: str  # its KAFKA_INSTANCE: files under var/<name>[-<n>], pids var/run/<name>[-<n>].pid
    env: dict[str, str]  # the environment ops/services.sh runs it with
    bootstrap: list[str]

    def services(self, action: str) -> None:
        """``ops/services.sh <action> kafka`` for this broker only."""
        subprocess.run(
            ["ops/services.sh", action, "kafka"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=240,
            env=self.env,
        )


@contextmanager
def private_kafka(settings, prefix: str, *, port: int, brokers: int = 1) -> Iterator[PrivateKafka]:
    """Start a broker of this test's own on ``port`` and the port after it (a cluster: node n
    on ``port + 2(n-1)``), so it can be stopped, killed or restarted without touching the
    others; point ``settings`` at it with fresh topics; stop it and remove its files after."""
    name = unique_name(prefix)
    env = os.environ | {
        "KAFKA_INSTANCE": name,
        "KAFKA_BROKERS": str(brokers),
        "KAFKA_PORT": str(port),
        "KAFKA_CONTROLLER_PORT": str(port + 1),
        "KAFKA_HEAP": "-Xms256m -Xmx512m",
    }
    from contracts.topics import all_topic_names
    from outbox.topic_admin import topics_ensure

    kafka = PrivateKafka(name, env, [f"127.0.0.1:{port + 2 * n}" for n in range(brokers)])
    kafka.services("start")
    saved = {
        name: getattr(settings, name)
        for name in ("KAFKA_BOOTSTRAP_SERVERS", "KAFKA_TOPIC_PREFIX", "KAFKA_MIN_INSYNC_REPLICAS")
    }
    settings.KAFKA_BOOTSTRAP_SERVERS = kafka.bootstrap
    settings.KAFKA_TOPIC_PREFIX = unique_name(f"{prefix}topics-") + "."
    settings.KAFKA_MIN_INSYNC_REPLICAS = 2 if brokers == 3 else 1
    topics_ensure(names=all_topic_names(), partitions=3, replication_factor=brokers)
    try:
        yield kafka
    finally:
        for name, value in saved.items():  # the broker is gone: point back at the usual one
            setattr(settings, name, value)
        kafka.services("stop")
        for pattern in (f"var/{name}*", f"var/log/{name}*"):
            for leftover in ROOT.glob(pattern):
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)


def wait_until(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; ``WaitTimeout`` when time runs
    out (an ``AssertionError``, so a test reports it as a failure)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise WaitTimeout(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class ManagedProcess:
    """A ``manage.py`` command run as a child process, with its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.log = ROOT / "var" / "log" / f"harness-{name}-{uuid.uuid4().hex[:8]}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)

    def terminate(self, timeout: float = 60) -> int:
        self.process.terminate()
        return self.process.wait(timeout=timeout)

    def alive(self) -> bool:
        return self.process.poll() is None


def end_offsets(topics: list[str], *, timeout: float = 30) -> dict[TopicPartition, int]:
    """The end offset of every partition of ``topics``: how many records each holds."""
    from outbox.kafka import kafka_consumer

    consumer = kafka_consumer(group_id=None)
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in wait_until(
                lambda t=topic: consumer.partitions_for_topic(t),
                timeout=timeout,
                what=f"{topic} metadata",
            )
        ]
        return consumer.end_offsets(partitions)
    finally:
        consumer.close()


def read_topic(topic: str, *, expected: int, timeout: float = 60) -> list:
    """Every record of ``topic`` from the beginning, once at least ``expected`` are there.

    Reads up to the end offsets seen after that, so duplicates beyond ``expected`` are
    returned too, without waiting a fixed time for them.
    """
    from outbox.kafka import kafka_consumer

    ends = wait_until(
        lambda: (e := end_offsets([topic])) and sum(e.values()) >= expected and e,
        timeout=timeout,
        interval=0.3,
        what=f"{expected} records in {topic}",
    )
    consumer = kafka_consumer(group_id=None)
    try:
        consumer.assign(list(ends))
        consumer.seek_to_beginning()
        records: list = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            if time.monotonic() > deadline:
                raise WaitTimeout(f"timed out reading {topic} up to its end offsets")
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def wait_group_caught_up(group_id: str, topics: list[str], *, timeout: float = 60) -> None:
    """Wait until consumer group ``group_id`` has committed every record of ``topics``: its
    committed offsets equal the end offsets, so every event, duplicates included, was
    handled and nothing more is in flight."""
    from outbox.kafka import kafka_admin

    ends = end_offsets(topics)
    admin = kafka_admin()
    try:

        def caught_up() -> bool:
            committed = admin.list_group_offsets([group_id]).get(group_id, {})
            return all(
                end == 0 or (tp in committed and committed[tp].offset >= end)
                for tp, end in ends.items()
            )

        wait_until(caught_up, timeout=timeout, interval=0.3, what=f"{group_id} to catch up")
    finally:
        admin.close()


@contextmanager
def running_consumer(group, **runner_options) -> Iterator:
    """Run a ``ConsumerRunner`` for ``group`` in a thread of this process while in the block.

    The thread has its own database connection, so use it with committed data
    (``transactional_db``).
    """
    from django.db import connection as thread_connection

    from outbox.consumer import ConsumerRunner

    runner = ConsumerRunner(group, **runner_options)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            runner.run()
        except BaseException as exc:  # reported in the test, not lost in the thread
            logging.getLogger(__name__).exception("harness.consumer_failed group=%s", group.name)
            failure.append(exc)
        finally:
            thread_connection.close()

    thread = threading.Thread(target=run, name=f"consumer-{group.name}", daemon=True)
    thread.start()
    try:
        yield runner
    finally:
        runner.stop()
        thread.join(timeout=60)
    assert not thread.is_alive(), "the consumer did not stop within 60 s of stop()"
    if failure:
        raise failure[0]


def token_for(user) -> str:
    """A new login token of ``user``'s, as ``POST /api/auth/token/`` would give them."""
    from accounts.services import login_token_create

    return login_token_create(user=user)


def client_for(user):
    """A DRF API client that sends ``user``'s token."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


def http_for(server, user=None):
    """An HTTP client of the live server (``live_api``), sending ``user``'s token if given:
    requests that go through the real server, its middleware and its sockets."""
    import httpx

    headers = {"Authorization": f"Token {token_for(user)}"} if user is not None else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30)


def csp_violations(page) -> list[str]:
    """What Chromium reports, from now on, as Content-Security-Policy violations on this
    Playwright page (it logs each to the console)."""
    found: list[str] = []

    def heard(message) -> None:
        if "Content Security Policy" in message.text:
            found.append(f"{page.url}: {message.text}")

    page.on("console", heard)
    return found
