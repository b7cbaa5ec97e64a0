"""End-to-end latency: from the publishing transaction's commit to the consumer's committed
effect, at a steady rate.

    .venv/bin/python bench/e2e_latency.py [--rate 200] [--seconds 60]

The relay runs as the real command (``manage.py relay_outbox``) in a child process. The
publisher and the consumer (the shared ConsumerRunner with the analytics handler) run in two
threads of this process so that both ends read the same clock. Needs the services up.
"""

import argparse
import subprocess
import sys
import threading
import time

from common import ROOT, bench_environment, percentile, probe_event


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200, help="events per second")
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    print(
        f"command: .venv/bin/python bench/e2e_latency.py --rate {args.rate:g} "
        f"--seconds {args.seconds:g}"
    )
    with bench_environment("bench_e2e") as env:
        from django.db import connection, transaction

        from analytics.handlers import GROUP
        from outbox.consumer import ConsumerRunner
        from outbox.services import publish_on_commit

        committed: dict[str, float] = {}
        applied: dict[str, float] = {}

        class TimedRunner(ConsumerRunner):
            def on_applied(self, received) -> None:  # called after the commit
                applied[str(received.id)] = time.perf_counter()

        runner = TimedRunner(GROUP)

        def consume() -> None:
            try:
                runner.run()
            finally:
                connection.close()

        relay = subprocess.Popen(
            [sys.executable, "manage.py", "relay_outbox"],
            cwd=ROOT,
            env=env | {"LOG_LEVEL": "INFO"},
            stderr=subprocess.PIPE,
            text=True,
        )
        consumer = threading.Thread(target=consume, daemon=True)
        consumer.start()
        try:
            while "relay.started" not in relay.stderr.readline():
                pass
            warm = probe_event("Latency probe")  # first event: wait until the path is warm
            with transaction.atomic():
                first = publish_on_commit(warm)
            while str(first.event_id) not in applied:
                time.sleep(0.05)
            applied.clear()

            total = int(args.rate * args.seconds)
            interval = 1 / args.rate
            next_at = time.perf_counter()
            for _ in range(total):
                next_at += interval
                with transaction.atomic():
                    row = publish_on_commit(probe_event("Latency probe"))
                committed[str(row.event_id)] = time.perf_counter()
                pause = next_at - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            deadline = time.monotonic() + 60
            while len(applied) < total and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            runner.stop()
            consumer.join(timeout=30)
            relay.terminate()
            relay.wait(timeout=60)

        latencies = sorted(
            (applied[event_id] - at) * 1000
            for event_id, at in committed.items()
            if event_id in applied
        )
        missing = len(committed) - len(latencies)
        print(f"events: {len(committed)} published, {len(latencies)} applied, {missing} missing")
        print(
            f"commit -> committed effect (ms): p50 {percentile(latencies, 0.50):.1f}  "
            f"p95 {percentile(latencies, 0.95):.1f}  p99 {percentile(latencies, 0.99):.1f}  "
            f"max {latencies[-1]:.1f}"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY "
                "extract(epoch FROM sent_at - created_at) * 1000) FROM outbox_outboxevent"
            )
            relay_p50, relay_p99 = cursor.fetchone()[0]
        print(
            f"  of which publish -> marked sent by the relay (ms): p50 {relay_p50:.1f}  "
            f"p99 {relay_p99:.1f}"
        )
        if missing:
            sys.exit(1)


if __name__ == "__main__":
    main()
