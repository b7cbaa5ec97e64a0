"""The advisory locks: one registry, unique numbers, and locks that guard different things
never wait for each other (an index merge and the analytics consumer once shared a number)."""

import ast
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from analytics.handlers import GROUP
from analytics.tests.events import DAY, Sender, paper_history
from config.locks import AdvisoryLock
from harness import running_consumer, wait_until
from outbox.models import ProcessedEvent
from plagiarism import index
from plagiarism.tests.factories import add_work, prose

ROOT = Path(settings.BASE_DIR)
PRODUCT_APPS = ("accounts", "analytics", "config", "notifications", "outbox", "plagiarism")
PRODUCT_APPS += ("reviews", "submissions", "web")


def product_modules():
    for app in PRODUCT_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "tests" not in path.parts and "migrations" not in path.parts:
                yield path


def test_no_two_locks_share_a_number():
    assert len(AdvisoryLock.__members__) == len({lock.value for lock in AdvisoryLock})


def test_every_advisory_lock_is_taken_by_its_registry_name():
    unregistered = []
    for path in product_modules():
        if path == ROOT / "config" / "locks.py":
            continue
        source = path.read_text()
        if "advisory" in source and "_lock" in source and "AdvisoryLock" not in source:
            unregistered.append(str(path.relative_to(ROOT)))
        registry = {lock.value for lock in AdvisoryLock}
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and node.value in registry and node.value > 1000:
                unregistered.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}")
    assert unregistered == []


@contextmanager
def held(sql: str, lock: int) -> Iterator[None]:
    """Take a transaction-level lock on a connection of its own, and keep it while in the
    block (as a merge, or an event's transaction, holds it)."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        db = settings.DATABASES["default"]
        with (
            psycopg.connect(
                host=db["HOST"],
                port=db["PORT"],
                dbname=connection.settings_dict["NAME"],
                user=db["USER"],
                password=db["PASSWORD"],
            ) as other,
            other.transaction(),
        ):
            other.execute(sql, [lock])
            taken.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert taken.wait(10), "the lock was not taken"
        yield
    finally:
        release.set()
        holder.join()


@pytest.mark.django_db(transaction=True)
def test_an_index_merge_and_the_analytics_consumer_do_not_wait_for_each_other(kafka_topics):
    for n in range(3):
        add_work(prose(900 + n, 200), f"w{n}")

    # A merge in progress holds its lock for the length of its transaction: the analytics
    # consumer, taking its fence in every transaction, goes on applying events meanwhile.
    with held("SELECT pg_advisory_xact_lock(%s)", AdvisoryLock.INDEX_MERGE):
        events = [event for n in range(3) for event in paper_history(uploaded=DAY, score=0.1)]
        sender = Sender()
        for event in events:
            sender.send(event)
        sender.close()
        with running_consumer(GROUP, backoff_seconds=0.01):
            wait_until(
                lambda: ProcessedEvent.objects.filter(group=GROUP.name).count() == len(events),
                timeout=30,
                what="the analytics consumer to apply its events while a merge holds its lock",
            )

    # The consumer inside an event's transaction holds its fence shared: a merge runs.
    with held("SELECT pg_advisory_xact_lock_shared(%s)", GROUP.fence_lock):
        figures = index.merge()
    assert figures.get("busy") is None and figures["merged"] == 3
