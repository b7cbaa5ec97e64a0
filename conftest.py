"""Shared fixtures: real PostgreSQL, Kafka and Redis, kept apart per test.

Every test that touches Kafka gets topics of its own (a unique ``KAFKA_TOPIC_PREFIX``), and
every Celery test gets a queue of its own, so tests neither see each other's messages nor
those of a ``make up`` running beside them.
"""

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from contracts.topics import all_topic_names
from harness import ROOT, ManagedProcess, client_for, subprocess_env, unique_name
from outbox.kafka import kafka_admin
from outbox.topic_admin import topics_ensure


def pytest_configure(config) -> None:
    # WhiteNoise warns about a missing STATIC_ROOT on a fresh clone (collectstatic is for
    # `make up`); the tests do not need the files, only the folder.
    (ROOT / "var" / "static").mkdir(parents=True, exist_ok=True)


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


@pytest.fixture
def celery_worker_env() -> dict[str, str]:
    """Extra environment for the ``celery_worker`` process; override it in a test module."""
    return {}


def celery_worker_command(queues: str, hostname: str) -> list[str]:
    """A worker as production runs one (prefork: time limits need it), one process."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        "1",
        "--queues",
        queues,
        "--hostname",
        hostname,
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
    ]


@pytest.fixture
def celery_worker(transactional_db, settings, celery_worker_env) -> Iterator[str]:
    """A real Celery worker process on Redis, consuming a queue of this test's own, which is
    also where this process sends tasks by default while the test runs. The worker shares
    the test's database and topic prefix (request ``kafka_topics`` first to set one).

    Yields the name of its default queue.
    """
    from config.celery import app

    prefix = unique_name("test-") + "."
    settings.CELERY_QUEUE_PREFIX = prefix  # route_task reads it when a task is sent
    queues = ",".join(f"{prefix}{queue}" for queue in ("checks", "email", "default"))
    hostname = f"{prefix}worker@localhost"
    log = ROOT / "var" / "log" / f"pytest-celery-{prefix}log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = subprocess_env(
        KAFKA_TOPIC_PREFIX=settings.KAFKA_TOPIC_PREFIX,
        CELERY_QUEUE_PREFIX=prefix,
        **celery_worker_env,
    )
    with log.open("wb") as out:
        worker = subprocess.Popen(
            celery_worker_command(queues, hostname),
            cwd=ROOT,
            env=env,
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
        yield f"{prefix}default"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    log.unlink(missing_ok=True)


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


@pytest.fixture
def live_api(live_server):
    """The live server (pytest-django's, in a thread, on the test's database) for clients that
    come over HTTP. Its request threads open connections of their own: with the production
    setting (kept 60 s) they would outlive the threads and hold the test database open."""
    from django.db import connections

    database = connections.settings["default"]
    kept, database["CONN_MAX_AGE"] = database["CONN_MAX_AGE"], 0
    yield live_server
    database["CONN_MAX_AGE"] = kept
