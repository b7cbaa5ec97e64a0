"""How many events per second each consumer group applies at saturation.

    .venv/bin/python bench/consumer_throughput.py [--events 5000]

The topic is filled first (``paper_uploaded`` events of submissions that exist, each with a
co-author who has an account, produced
straight to Kafka), then the real command (``manage.py consume_<group>``) starts in a child
process and the clock runs from its first applied event to its last (the group's inbox in
PostgreSQL). The plagiarism group enqueues one Celery message per transaction (its checks,
fanned out by the worker), and notifications one per transaction of emails, on queues of the
benchmark's own that no worker serves (purged after).

Beside each group, in the same run, the bare limit: the same topic consumed with kafka-python
and psycopg alone, one row per event written with COPY and the offsets committed after each
poll's rows committed. No group can be faster; each group's ratio to it is printed.
Needs the services up (``ops/services.sh start``).
"""

import argparse
import subprocess
import sys
import time
import uuid

from common import ROOT, bench_environment

GROUPS = ("analytics", "notifications", "plagiarism")


def submissions_make(count: int) -> list[tuple[str, int, str]]:
    """``count`` submissions of 40 authors, bulk-inserted: (id, author id, title)."""
    from django.contrib.auth import get_user_model

    from submissions.models import PaperAuthor, Submission

    authors = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bench{n}", email=f"bench{n}@example.org") for n in range(40)
    )
    papers = Submission.objects.bulk_create(
        (
            Submission(
                author=authors[n % len(authors)],
                title=f"Throughput paper {n}",
                text="words " * 50,
                word_count=50,
                content_hash=f"{n:064x}",
            )
            for n in range(count)
        ),
        batch_size=2000,
    )
    # Each paper lists its submitting author and a co-author with an account, as submitting
    # and ``POST …/authors/`` make them: notifications go to both.
    PaperAuthor.objects.bulk_create(
        (
            PaperAuthor(
                submission=paper,
                position=position,
                name=user.username,
                email=user.email,
                user=user,
                contact=position == 1,
            )
            for n, paper in enumerate(papers)
            for position, user in ((1, paper.author), (2, authors[(n + 1) % len(authors)]))
        ),
        batch_size=2000,
    )
    return [(str(p.id), p.author_id, p.title) for p in papers]


def topic_fill(papers: list[tuple[str, int, str]]) -> None:
    from django.utils import timezone

    from contracts.events import PaperUploaded
    from contracts.topics import topic_name
    from outbox.kafka import kafka_producer
    from outbox.wire import encode_headers

    producer = kafka_producer(linger_ms=20, batch_size=256 * 1024)
    topic = topic_name(PaperUploaded.topic)
    for submission_id, author_id, title in papers:
        event = PaperUploaded(
            submission_id=submission_id,
            author_id=author_id,
            title=title,
            content_hash="0" * 64,
            word_count=50,
            paper_version=1,
        )
        headers = encode_headers(
            event_id=uuid.uuid4(),
            ce_type=event.ce_type(),
            source=event.source,
            subject=f"submission/{event.key}",
            time=timezone.now(),
            extra={},
        )
        producer.send(
            topic, key=event.key.encode(), value=event.model_dump_json().encode(), headers=headers
        )
    producer.flush(120)
    producer.close()


def bare_limit(expected: int) -> float:
    """Events per second of the bare limit (see the module's docstring), first to last."""
    import psycopg
    from django.db import connection

    from contracts.events import PaperUploaded
    from contracts.topics import topic_name
    from outbox.kafka import kafka_consumer

    consumer = kafka_consumer(
        topic_name(PaperUploaded.topic),
        group_id=f"bench-bare-{uuid.uuid4().hex[:8]}",
        max_poll_records=500,
    )
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
    ) as conn:
        conn.execute(
            "CREATE TEMPORARY TABLE bare_inbox (event_id uuid PRIMARY KEY, at timestamptz)"
        )
        conn.commit()
        done, started, deadline = 0, None, time.monotonic() + 600
        while done < expected and time.monotonic() < deadline:
            batches = consumer.poll(timeout_ms=500)
            rows = [
                (dict(r.headers)["ce_id"].decode(), dict(r.headers)["ce_time"].decode())
                for records in batches.values()
                for r in records
            ]
            if not rows:
                continue
            started = started or time.monotonic()
            with conn.cursor().copy("COPY bare_inbox (event_id, at) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            conn.commit()
            consumer.commit()
            done += len(rows)
    consumer.close()
    return done / (time.monotonic() - started) if started else 0.0


def group_measure(group: str, expected: int, env: dict[str, str]) -> float:
    """Events per second ``consume_<group>`` applied, from its first event to its last."""
    from django.db import connection

    def applied() -> int:
        with connection.cursor() as cursor:
            cursor.execute('SELECT count(*) FROM outbox_processedevent WHERE "group" = %s', [group])
            return cursor.fetchone()[0]

    process = subprocess.Popen(
        [sys.executable, "manage.py", f"consume_{group}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 600
        while applied() == 0:
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"consume_{group} applied nothing")
            time.sleep(0.01)
        started, first = time.monotonic(), applied()
        while (done := applied()) < expected:
            if time.monotonic() > deadline:
                raise SystemExit(f"consume_{group} applied {done} of {expected} in 600 s")
            time.sleep(0.02)
        return (expected - first) / (time.monotonic() - started)
    finally:
        process.terminate()
        process.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    print(f"command: .venv/bin/python bench/consumer_throughput.py --events {args.events}")
    queues = f"bench-{uuid.uuid4().hex[:8]}."
    with bench_environment("bench_consumers") as env:
        env = env | {"CELERY_QUEUE_PREFIX": queues, "LOG_LEVEL": "WARNING"}
        papers = submissions_make(args.events)
        topic_fill(papers)
        limit = bare_limit(args.events)
        print(f"bare limit: {limit:,.0f} events/s (kafka-python, COPY, commit per poll)")
        for group in GROUPS:
            rate = group_measure(group, args.events, env)
            print(
                f"{group}: {rate:,.0f} events/s ({args.events:,} paper_uploaded events), "
                f"{rate / limit:.3f} of the bare limit"
            )
        from config.celery import app

        with app.connection_for_write() as conn:
            for queue in ("checks", "email", "default"):
                conn.default_channel.queue_delete(f"{queues}{queue}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
