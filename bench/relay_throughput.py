"""How fast ``manage.py relay_outbox`` drains the outbox into Kafka with acks=all, next to
Kafka's own producer perf tool with the same count, size and acks.

    .venv/bin/python bench/relay_throughput.py [--events 100000] [--size 1024] [--relays 1]

The relays run as the real command, in child processes, already started and idle; the clock
starts when one transaction commits all the events (as a burst of uploads would) and stops
when the last row is marked sent. Needs the services up (``ops/services.sh start``).
"""

import argparse
import os
import re
import subprocess
import sys
import time

from common import ROOT, bench_environment

FILL_SQL = """
    INSERT INTO outbox_outboxevent
        (event_id, event_type, version, source, topic, key, shard, payload, headers, created_at)
    SELECT gen_random_uuid(), 'submission_decided', 1, '/submissions', %(topic)s, k.key,
           (abs(hashtext(k.key)) %% %(shards)s), jsonb_build_object(
               'submission_id', k.key, 'from_status', 'under_review', 'to_status', 'accepted',
               'editor_id', 7, 'decided_at', now(), 'comment', %(comment)s),
           '{}'::jsonb, now()
    FROM (SELECT gen_random_uuid()::text AS key FROM generate_series(1, %(count)s / 10)) k,
         generate_series(1, 10)
"""
UNSENT_SQL = "SELECT EXISTS (SELECT 1 FROM outbox_outboxevent WHERE sent_at IS NULL)"


def relay_drain(count: int, size: int, relays: int, env: dict[str, str]) -> float:
    from django.conf import settings
    from django.db import connection, transaction

    from contracts.topics import Topic, topic_name
    from outbox.services import NOTIFY_CHANNEL

    shards = settings.OUTBOX_SHARDS
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "relay_outbox",
                "--max-shards",
                str(-(-shards // relays)),
            ],
            cwd=ROOT,
            env=env | {"LOG_LEVEL": "INFO"},
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(relays)
    ]
    try:
        for process in processes:  # wait until each relay is up and idle
            while "relay.started" not in process.stderr.readline():
                pass
        time.sleep(1)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                FILL_SQL,
                {
                    "topic": topic_name(Topic.SUBMISSION_DECIDED),
                    "shards": shards,
                    "comment": "x" * max(0, size - 200),  # the rest is ids and field names
                    "count": count,
                },
            )
            cursor.execute("SELECT pg_notify(%s, '')", [NOTIFY_CHANNEL])
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT avg(length(payload::text)) FROM outbox_outboxevent")
            print(f"outbox filled: {count} events, {cursor.fetchone()[0]:.0f} bytes of JSON each")
            while True:
                cursor.execute(UNSENT_SQL)
                if not cursor.fetchone()[0]:
                    return time.perf_counter() - started
                time.sleep(0.1)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)


def kafka_perf(count: int, size: int, topic: str) -> tuple[float, str]:
    libs = ROOT / ".cache" / "kafka" / "libs"
    command = [
        "java",
        "-Xmx512m",
        "-cp",
        f"{libs}/*",
        "org.apache.kafka.tools.ProducerPerformance",
        "--topic",
        topic,
        "--num-records",
        str(count),
        "--record-size",
        str(size),
        "--throughput",
        "-1",
        "--producer-props",
        "bootstrap.servers=127.0.0.1:9092",
        "acks=all",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    summary = [line for line in output.splitlines() if "records sent" in line][-1]
    rate = float(re.search(r"([\d.]+) records/sec", summary).group(1))
    return rate, " ".join(command)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=1024, help="approximate event size, bytes")
    parser.add_argument("--relays", type=int, default=1, help="relay processes at once")
    args = parser.parse_args()
    compression = os.environ.get("KAFKA_COMPRESSION_TYPE", "")
    print(
        f"command: {f'KAFKA_COMPRESSION_TYPE={compression} ' if compression else ''}"
        f".venv/bin/python bench/relay_throughput.py --events {args.events} "
        f"--size {args.size} --relays {args.relays}"
    )
    with bench_environment("bench_relay") as env:
        from contracts.topics import Topic, topic_name

        elapsed = relay_drain(args.events, args.size, args.relays, env)
        relay_rate = args.events / elapsed
        print(
            f"relay_outbox x{args.relays}: {args.events} events in {elapsed:.2f} s = "
            f"{relay_rate:,.0f} events/s (acks=all, idempotent, CloudEvents headers)"
        )
        perf_rate, perf_command = kafka_perf(
            args.events, args.size, topic_name(Topic.PAPER_UPLOADED)
        )
        print(f"ProducerPerformance: {perf_rate:,.0f} records/s")
        print(f"  {perf_command}")
        print(f"ratio relay / ProducerPerformance: {relay_rate / perf_rate:.2f}")


if __name__ == "__main__":
    main()
