"""Shared fixtures: real PostgreSQL, Kafka and Redis, kept apart per test.

Every test that touches Kafka gets topics of its own (a unique ``KAFKA_TOPIC_PREFIX``), and
every Celery test gets a queue of its own, so tests neither see each other's messages nor
those of a ``make up`` running beside them.
"""

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

import pytest
from django.db import connection
from kafka.structs import TopicPartition

from outbox.kafka import kafka_admin
from outbox.topic_admin import topics_ensure
from outbox.topics import all_topic_names

ROOT = Path(__file__).resolve().parent


def pytest_configure(config) -> None:
    # WhiteNoise warns about a missing STATIC_ROOT on a fresh clone (collectstatic is for
    # `make up`); the tests do not need the files, only the folder.
    (ROOT / "var" / "static").mkdir(parents=True, exist_ok=True)


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
def celery_worker_env() -> dict[str, str]:
    """Extra environment for the ``celery_worker`` process; override it in a test module."""
    return {}


@pytest.fixture
def celery_worker(transactional_db, settings, celery_worker_env) -> Iterator[str]:
    """A real Celery worker process on Redis, consuming a queue of this test's own, which is
    also where this process sends tasks by default while the test runs. The worker shares
    the test's database and topic prefix (request ``kafka_topics`` first to set one).

    Yields the queue name.
    """
    from config.celery import app

    queue = unique_name("test-")
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
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
            env=subprocess_env(KAFKA_TOPIC_PREFIX=settings.KAFKA_TOPIC_PREFIX, **celery_worker_env),
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
        app.conf.task_default_queue = default_queue
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    log.unlink(missing_ok=True)


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
    kafka = PrivateKafka(name, env, [f"127.0.0.1:{port + 2 * n}" for n in range(brokers)])
    kafka.services("start")
    settings.KAFKA_BOOTSTRAP_SERVERS = kafka.bootstrap
    settings.KAFKA_TOPIC_PREFIX = unique_name(f"{prefix}topics-") + "."
    settings.KAFKA_MIN_INSYNC_REPLICAS = 2 if brokers == 3 else 1
    topics_ensure(names=all_topic_names(), partitions=3, replication_factor=brokers)
    try:
        yield kafka
    finally:
        kafka.services("stop")
        for pattern in (f"var/{name}*", f"var/log/{name}*"):
            for leftover in ROOT.glob(pattern):
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)


def wait_until(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class ManagedProcess:
    """A ``manage.py`` command run as a child process, with its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.log = ROOT / "var" / "log" / f"pytest-{name}-{uuid.uuid4().hex[:8]}.log"
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


@pytest.fixture
def spawn(transactional_db, settings):
    """Start ``manage.py`` commands as child processes sharing this test's database, topics
    and broker; whatever is still running at the end is killed."""
    started: list[ManagedProcess] = []

    def start(name: str, *args: str, **env: str) -> ManagedProcess:
        environment = subprocess_env(
            KAFKA_TOPIC_PREFIX=settings.KAFKA_TOPIC_PREFIX,
            KAFKA_BOOTSTRAP_SERVERS=",".join(settings.KAFKA_BOOTSTRAP_SERVERS),
            LOG_LEVEL="INFO",
            **env,
        )
        process = ManagedProcess(name, list(args), environment)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.alive():
            process.kill()
    for process in started:
        process.log.unlink(missing_ok=True)


def read_topic(topic: str, *, expected: int, timeout: float = 60) -> list:
    """Every record of ``topic`` from the beginning, once at least ``expected`` arrived."""
    from outbox.kafka import kafka_consumer

    consumer = kafka_consumer(group_id=None)
    try:
        partitions = [
            TopicPartition(topic, p)
            for p in wait_until(
                lambda: consumer.partitions_for_topic(topic), timeout=30, what=f"{topic} metadata"
            )
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        records: list = []
        deadline = time.monotonic() + timeout
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        # Anything beyond ``expected`` (duplicates) should be seen too.
        for batch in consumer.poll(timeout_ms=1000).values():
            records.extend(batch)
        return records
    finally:
        consumer.close()


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


def client_for(user):
    """An API client that sends ``user``'s token."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def author(db):
    from submissions.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def other_author(db):
    from submissions.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def editor(db):
    from submissions.tests.factories import EditorFactory

    return EditorFactory()


@pytest.fixture
def api(author):
    """The API as ``author``."""
    return client_for(author)


@pytest.fixture(autouse=True)
def isolated_cache(settings):
    """Each test counts throttling (and caches anything) under a key prefix of its own."""
    settings.CACHES = {"default": settings.CACHES["default"] | {"KEY_PREFIX": unique_name("test-")}}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Test users are made by the hundred; PBKDF2's deliberate slowness is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
