"""Set-up shared by the benchmarks: a database and topics of their own, torn down after.

A benchmark never touches the database or the topics of a running ``make up``: it creates
the database ``<name>_bench`` beside the configured one and uses topics under a unique
prefix, so that the system's own relay cannot pick up the benchmark's rows.
"""

import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@contextmanager
def bench_environment(name: str) -> Iterator[dict[str, str]]:
    """Point Django at a fresh benchmark database, a unique topic and cache prefix; yield the
    environment for child processes (relays) that must share them."""
    import psycopg

    base = os.environ.get("DATABASE_URL", "postgres://papers:papers@127.0.0.1:5432/papers")
    url = urlparse(base)
    database = f"{url.path.lstrip('/')}_{name}"
    admin_dsn = urlunparse(url._replace(path="/postgres"))
    drop_database(admin_dsn, database)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    env = {
        "DATABASE_URL": urlunparse(url._replace(path=f"/{database}")),
        "KAFKA_TOPIC_PREFIX": f"bench-{uuid.uuid4().hex[:8]}.",
        "CACHE_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
        "LOG_LEVEL": "WARNING",
        # As `make up` runs: DEBUG off, over plain HTTP on this machine.
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or uuid.uuid4().hex * 2,
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from contracts.topics import all_topic_names
    from outbox.kafka import kafka_admin
    from outbox.topic_admin import topics_ensure

    call_command("migrate", verbosity=0)
    topics_ensure(names=all_topic_names())
    try:
        yield os.environ.copy()
    finally:
        from django.db import connections

        connections.close_all()
        admin = kafka_admin()
        admin.delete_topics(all_topic_names())
        admin.close()
        drop_database(admin_dsn, database)


def drop_database(admin_dsn: str, database: str) -> None:
    """Drop a benchmark database, waiting out an autovacuum worker that may still be in it
    (FORCE cannot end another role's backend)."""
    import time

    import psycopg

    for attempt in range(30):
        try:
            with psycopg.connect(admin_dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            return
        except psycopg.errors.InsufficientPrivilege:
            if attempt == 29:
                raise
            time.sleep(1)


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def probe_event(title_prefix: str):
    """One ``paper_uploaded`` event of a submission row made for it, as an upload would
    publish it (consumers skip events about submissions that do not exist)."""
    import hashlib

    from django.contrib.auth import get_user_model

    from contracts.events import PaperUploaded
    from submissions.models import Submission

    author, _ = get_user_model().objects.get_or_create(username="bench-probe")
    title = f"{title_prefix} {uuid.uuid4().hex[:8]}"
    digest = hashlib.sha256(title.encode()).hexdigest()
    paper = Submission.objects.create(
        author=author, title=title, text=title, word_count=3, content_hash=digest
    )
    return PaperUploaded(
        submission_id=paper.id,
        author_id=author.pk,
        title=title,
        content_hash=digest,
        word_count=3,
        paper_version=1,
    )
