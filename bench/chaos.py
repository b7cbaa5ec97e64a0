"""Soak and chaos: the whole system under steady uploads while its parts are killed.

    .venv/bin/python bench/chaos.py [--submissions 10000] [--rate 25] [--authors 8]

Brings the system up as ``make up`` does (gunicorn, the relay, the three consumers, a Celery
worker and beat) against a database, Redis databases and a Kafka broker of its own (on
19392), drives uploads through the API from several authors at a steady rate (a tenth of
them withdrawn by their author right away), and meanwhile, on the schedule it prints,
SIGKILLs the relay, each consumer and the worker (each restarted after a pause), restarts
the broker twice and PostgreSQL once, and runs a second relay and a second consumer of each
group for part of the run. Once the system has drained it verifies, from the database and
Kafka: every accepted upload has exactly one report, exactly the expected notifications and
no others, analytics totals equal to the uploads, nothing in a dead-letter topic, and
per-submission event order on every topic. Prints a table and exits non-zero on any loss,
duplicate, dead letter or order violation.

Restarting PostgreSQL restarts the machine's cluster: other users of it see the restart too.
``config/tests/test_chaos.py`` runs a small version (no PostgreSQL restart) in ``make test``.
"""

import argparse
import contextlib
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "var" / "log"
PY = sys.executable


# -- processes ----------------------------------------------------------------------------------
class Process:
    """One process of the system, in a session of its own so that a kill reaches its
    children too (gunicorn's and Celery's workers)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log = LOGS / f"chaos-{name}.log"
        self.popen: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(timeout=30)

    def stop(self, timeout: float = 30) -> None:
        self.signal(signal.SIGTERM)
        if self.popen is not None:
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()


def system_processes(env: dict[str, str], web_port: int) -> dict[str, Process]:
    manage = [PY, "manage.py"]
    commands = {
        "web": [
            PY,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{web_port}",
            "--workers",
            "3",
            "--access-logfile",
            "/dev/null",
        ],
        "relay": [*manage, "relay_outbox"],
        "consume_analytics": [*manage, "consume_analytics"],
        "consume_plagiarism": [*manage, "consume_plagiarism"],
        "consume_notifications": [*manage, "consume_notifications"],
        "worker": [
            PY,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel",
            "WARNING",
            "--queues",
            "checks,email,default",
            "--concurrency",
            "2",
            "--hostname",
            f"chaos-{uuid.uuid4().hex[:6]}@%h",
        ],
        "beat": [
            PY,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel",
            "WARNING",
            "--schedule",
            str(ROOT / "var" / "run" / f"chaos-beat-{os.getpid()}"),
        ],
    }
    return {name: Process(name, argv, env) for name, argv in commands.items()}


# -- the load -----------------------------------------------------------------------------------
@dataclass
class Load:
    accepted: dict[str, int] = field(default_factory=dict)  # submission id -> author id
    withdrawn: set[str] = field(default_factory=set)
    retried: int = 0  # attempts that failed (connection refused, 5xx) and were sent again
    lock: threading.Lock = field(default_factory=threading.Lock)


def request(port: int, method: str, path: str, token: str, body: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Authorization": f"Token {token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def drive(
    *,
    port: int,
    authors: list[tuple[int, str]],
    total: int,
    rate: float,
    load: Load,
    rng: random.Random,
) -> None:
    """Upload ``total`` papers at ``rate`` per second, spread over the authors' threads."""
    started = time.monotonic()
    counter = iter(range(total))
    counter_lock = threading.Lock()
    shared = [f"shared{n}" for n in range(400)]

    def author_loop(author_id: int, token: str, seed: int) -> None:
        local = random.Random(seed)
        while True:
            with counter_lock:
                n = next(counter, None)
            if n is None:
                return
            wait = started + n / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            words = [f"w{local.randrange(5000)}" for _ in range(180)]
            if n % 7 == 0:  # some papers copy a passage that others carry too
                at = local.randrange(len(words))
                words[at:at] = shared[(n // 7) % 300 : (n // 7) % 300 + 40]
            body = {"title": f"Chaos paper {n}", "text": " ".join(words)}
            while True:
                try:
                    status, raw = request(port, "POST", "/api/submissions/", token, body)
                except OSError:
                    status, raw = 0, b""
                if status == 201:
                    break
                if 400 <= status < 500 and status != 429:
                    raise RuntimeError(f"upload refused: {status} {raw[:200]!r}")
                with load.lock:
                    load.retried += 1
                time.sleep(0.5)
            submission_id = json.loads(raw)["id"]
            with load.lock:
                load.accepted[submission_id] = author_id
            if n % 10 == 3:  # the author changes their mind at once
                while True:
                    try:
                        status, _ = request(
                            port, "POST", f"/api/submissions/{submission_id}/withdraw/", token
                        )
                    except OSError:
                        status = 0
                    if status in (200, 409):  # 409: already checked and withdrawn? no: fine
                        break
                    time.sleep(0.5)
                if status == 200:
                    with load.lock:
                        load.withdrawn.add(submission_id)

    threads = [
        threading.Thread(target=author_loop, args=(aid, token, rng.randrange(10**9)))
        for aid, token in authors
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# -- faults -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fault:
    at: float  # fraction of the driving time
    what: str
    action: Callable[[], None]


def services(action: str, service: str, env: dict[str, str]) -> None:
    subprocess.run(
        ["ops/services.sh", action, service],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def restart_postgres() -> None:
    subprocess.run(["pg_ctlcluster", "15", "main", "restart"], check=True, timeout=120)


# -- verification -------------------------------------------------------------------------------
@dataclass
class Verdict:
    rows: list[tuple[str, str]] = field(default_factory=list)
    lost: int = 0
    duplicated: int = 0
    dead_letters: int = 0
    out_of_order: int = 0

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.dead_letters or self.out_of_order)


def verify(load: Load, read_topic) -> Verdict:
    """Compare what the system did with what the load asked for."""
    from django.db.models import Count

    from analytics.selectors import analytics_summary
    from notifications.models import Notification
    from outbox.models import DeadLetter, OutboxEvent
    from plagiarism.models import Report
    from submissions.models import Submission

    verdict = Verdict()
    accepted = set(load.accepted)
    in_db = {str(pk) for pk in Submission.objects.values_list("pk", flat=True)}
    unacknowledged = in_db - accepted  # committed, but the answer was lost to a fault
    papers = accepted | unacknowledged
    reports = Counter(str(s) for s in Report.objects.values_list("submission_id", flat=True))
    unreported = [s for s in papers if reports[s] == 0]
    missing_reports = len(unreported)
    unreported_by_status = Counter(
        Submission.objects.filter(pk__in=unreported).values_list("status", flat=True)
    )
    extra_reports = sum(n - 1 for n in reports.values() if n > 1)

    withdrawn = set(
        str(pk) for pk in Submission.objects.filter(status="withdrawn").values_list("pk", flat=True)
    )
    expected_notes = 2 * len(papers) + len(withdrawn)  # received, checked, (withdrawn)
    notes = Notification.objects.values("submission_id", "kind").annotate(n=Count("pk"))
    duplicate_notes = sum(
        row["n"] - 1 for row in notes if row["kind"] != "decision" and row["n"] > 1
    )
    decisions = Counter(
        str(s)
        for s in Notification.objects.filter(kind="decision").values_list(
            "submission_id", flat=True
        )
    )
    duplicate_notes += sum(n - 1 for n in decisions.values() if n > 1)
    notes_total = Notification.objects.count()
    missing_notes = max(0, expected_notes - (notes_total - duplicate_notes))
    unexpected_notes = max(0, notes_total - duplicate_notes - expected_notes)

    summary = analytics_summary()
    events = OutboxEvent.objects.values("event_type").annotate(n=Count("pk"))
    published = {row["event_type"]: row["n"] for row in events}
    analytics_missing = sum(
        max(0, published.get(t, 0) - summary.events.get(t, 0)) for t in published
    )
    analytics_extra = sum(max(0, summary.events.get(t, 0) - published.get(t, 0)) for t in published)
    if summary.total != len(papers):
        analytics_missing += max(0, len(papers) - summary.total)
        analytics_extra += max(0, summary.total - len(papers))

    from contracts.topics import Topic, dead_letter_topic_name, topic_name

    dlq = 0
    order_violations = 0
    outbox_order = {str(e): i for e, i in OutboxEvent.objects.values_list("event_id", "id")}
    for topic in Topic:
        dlq += len(read_topic(dead_letter_topic_name(topic_name(topic)), expected=0, timeout=3))
        records = read_topic(topic_name(topic), expected=published.get(topic.value, 0))
        seen: set[str] = set()
        last: dict[bytes, int] = {}
        for record in records:
            event_id = dict(record.headers)["ce_id"].decode()
            if event_id in seen:
                continue  # a redelivery: consumers drop it by id
            seen.add(event_id)
            position = outbox_order.get(event_id, -1)
            if position < last.get(record.key, -1):
                order_violations += 1
            last[record.key] = position
    dlq += DeadLetter.objects.count()

    verdict.lost = missing_reports + missing_notes + analytics_missing
    verdict.duplicated = extra_reports + duplicate_notes + unexpected_notes + analytics_extra
    verdict.dead_letters = dlq
    verdict.out_of_order = order_violations
    verdict.rows = [
        ("uploads accepted (201)", f"{len(accepted)}"),
        ("uploads committed without an answer", f"{len(unacknowledged)}"),
        ("withdrawn by their authors", f"{len(withdrawn)}"),
        (
            "events published",
            f"{sum(published.values())} ("
            + ", ".join(f"{kind} {n}" for kind, n in sorted(published.items()))
            + ")",
        ),
        ("reports (expected one per paper)", f"{sum(reports.values())} for {len(papers)} papers"),
        (
            "papers without a report, by status",
            ", ".join(f"{status} {n}" for status, n in sorted(unreported_by_status.items()))
            or "none",
        ),
        ("notifications (expected)", f"{notes_total} ({expected_notes})"),
        ("analytics total / events", f"{summary.total} / {sum(summary.events.values())}"),
        (
            "lost",
            f"{verdict.lost} (reports {missing_reports}, notifications {missing_notes}, "
            f"analytics {analytics_missing})",
        ),
        (
            "duplicated",
            f"{verdict.duplicated} (reports {extra_reports}, "
            f"notifications {duplicate_notes + unexpected_notes}, analytics {analytics_extra})",
        ),
        ("dead letters", f"{dlq}"),
        ("per-submission order violations", f"{order_violations}"),
    ]
    return verdict


def drained(expected_papers: Callable[[], int]) -> bool:
    from django.db import connection

    from analytics.selectors import analytics_summary
    from notifications.models import Notification
    from outbox.models import OutboxEvent, ProcessedEvent
    from plagiarism.models import Report
    from submissions.models import Submission

    try:
        papers = Submission.objects.count()
        withdrawn = Submission.objects.filter(status="withdrawn").count()
        events = OutboxEvent.objects.count()
        return (
            Report.objects.filter(state="done").count() >= papers
            and not OutboxEvent.objects.filter(sent_at__isnull=True).exists()
            and Notification.objects.count() >= 2 * papers + withdrawn
            and analytics_summary().total >= papers
            and ProcessedEvent.objects.filter(group="analytics").count() >= events
            and papers >= expected_papers()
        )
    except Exception:  # the database restarting under us: ask again
        connection.close()
        return False


# -- the run ------------------------------------------------------------------------------------
def run(
    *,
    env: dict[str, str],
    submissions: int,
    rate: float,
    authors: int,
    kafka_env: dict[str, str],
    restart_postgres_once: bool,
    read_topic,
    drain_timeout: float = 900,
    out=print,
) -> Verdict:
    """Run the whole scenario against the database and broker ``env`` points at (Django in
    this process must point at the same database)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from accounts.services import login_token_create

    web_port = 18700 + os.getpid() % 200
    env = env | {
        "PLAGIARISM_SWEEP_AFTER_MINUTES": "0.5",
        "PLAGIARISM_SWEEP_SECONDS": "15",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "SUBMISSION_UPLOAD_RATE": "100000/minute",
        "CONSUMER_SESSION_TIMEOUT_MS": "6000",
        "OUTBOX_DELIVERY_TIMEOUT_MS": "10000",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    users = []
    for n in range(authors):
        user = get_user_model().objects.create(username=f"chaos-{uuid.uuid4().hex[:8]}-{n}")
        users.append((user.pk, login_token_create(user=user)))

    processes = system_processes(env, web_port)
    extra = {
        f"second_{name}": Process(f"second_{name}", processes[name].argv, env)
        for name in ("relay", "consume_analytics", "consume_plagiarism", "consume_notifications")
    }
    duration = submissions / rate
    pause = max(1.0, min(5.0, duration / 40))

    def restart_kafka() -> None:
        services("stop", "kafka", kafka_env)
        time.sleep(pause)
        services("start", "kafka", kafka_env)

    def sigkill(at: float, name: str, label: str = "") -> Fault:
        """SIGKILL one of the processes, and start it again after a pause."""

        def act() -> None:
            processes[name].kill()
            time.sleep(pause)
            processes[name].start()

        return Fault(at, f"SIGKILL {label or name}", act)

    faults = [
        sigkill(0.10, "relay"),
        sigkill(0.18, "consume_plagiarism"),
        Fault(
            0.25,
            "start a second relay and a second consumer of each group",
            lambda: [p.start() for p in extra.values()],
        ),
        sigkill(0.32, "worker", "Celery worker"),
        Fault(0.40, "restart the Kafka broker", restart_kafka),
        sigkill(0.48, "consume_notifications"),
        sigkill(0.56, "consume_analytics"),
        Fault(
            0.64,
            "stop the second relay and consumers (SIGTERM)",
            lambda: [p.stop() for p in extra.values()],
        ),
        Fault(0.72, "restart the Kafka broker", restart_kafka),
        sigkill(0.80, "relay"),
    ]
    if restart_postgres_once:
        faults.append(Fault(0.52, "restart PostgreSQL", restart_postgres))
    faults.sort(key=lambda fault: fault.at)
    out(f"schedule ({submissions} uploads at {rate:g}/s, about {duration:.0f} s):")
    for fault in faults:
        out(f"  t+{fault.at * duration:6.1f} s  {fault.what}")

    for process in processes.values():
        process.start()
    deadline = time.monotonic() + 90
    while True:
        try:
            request(web_port, "GET", "/healthz", "-")
            break
        except OSError as exc:
            if time.monotonic() > deadline:
                log = processes["web"].log
                raise RuntimeError(f"the web server did not start (see {log})") from exc
            time.sleep(0.5)

    load = Load()
    injected: list[str] = []
    started = time.monotonic()

    def inject() -> None:
        for fault in faults:
            wait = started + fault.at * duration - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            out(f"  t+{time.monotonic() - started:6.1f} s  fault: {fault.what}")
            fault.action()
            injected.append(fault.what)

    injector = threading.Thread(target=inject, daemon=True)
    injector.start()
    try:
        drive(
            port=web_port,
            authors=users,
            total=submissions,
            rate=rate,
            load=load,
            rng=random.Random(7),
        )
        injector.join()
        driven = time.monotonic() - started
        out(f"  t+{driven:6.1f} s  all {submissions} uploads accepted; draining")
        connection.close()
        drain_started = time.monotonic()
        while not drained(lambda: len(load.accepted)):
            if time.monotonic() - drain_started > drain_timeout:
                out(f"  not drained after {drain_timeout:.0f} s")
                break
            time.sleep(1)
        drain = time.monotonic() - drain_started
        time.sleep(3)  # duplicates still in flight arrive too
        verdict = verify(load, read_topic)
    finally:
        for process in [*extra.values(), *processes.values()]:
            process.stop(timeout=20)
    verdict.rows = [
        ("faults injected", f"{len(injected)}: {'; '.join(injected)}"),
        (
            "driving time",
            f"{driven:.1f} s ({submissions / driven:.1f} uploads/s, "
            f"{load.retried} attempts retried)",
        ),
        ("drain time", f"{drain:.1f} s"),
        *verdict.rows,
    ]
    width = max(len(label) for label, _ in verdict.rows)
    for label, value in verdict.rows:
        out(f"| {label.ljust(width)} | {value}")
    return verdict


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0, help="uploads per second")
    parser.add_argument("--authors", type=int, default=8)
    parser.add_argument("--no-postgres-restart", action="store_true")
    args = parser.parse_args()
    print(
        f"command: .venv/bin/python bench/chaos.py --submissions {args.submissions} "
        f"--rate {args.rate:g} --authors {args.authors}"
        + (" --no-postgres-restart" if args.no_postgres_restart else "")
    )
    sys.path.insert(0, str(ROOT / "bench"))
    from common import bench_environment

    kafka_env = os.environ | {
        "KAFKA_INSTANCE": "chaos-kafka",
        "KAFKA_PORT": "19392",
        "KAFKA_CONTROLLER_PORT": "19393",
    }
    services("start", "kafka", kafka_env)
    os.environ["KAFKA_BOOTSTRAP_SERVERS"] = "127.0.0.1:19392"
    os.environ["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/5"
    os.environ["CELERY_RESULT_BACKEND"] = "redis://127.0.0.1:6379/6"
    try:
        with bench_environment("bench_chaos") as env:
            sys.path.insert(0, str(ROOT))
            from harness import read_topic

            verdict = run(
                env=env | {"LOG_LEVEL": "WARNING"},
                submissions=args.submissions,
                rate=args.rate,
                authors=args.authors,
                kafka_env=kafka_env,
                restart_postgres_once=not args.no_postgres_restart,
                read_topic=read_topic,
            )
    finally:
        services("stop", "kafka", kafka_env)
    print("verdict:", "nothing lost, nothing duplicated" if verdict.ok else "FAILED")
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
