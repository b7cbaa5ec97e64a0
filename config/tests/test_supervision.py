"""Supervision under `make up`: every process of the Procfile is restarted alone when it dies.

These run the real ``ops/system.sh`` (supervisord and every process of the Procfile) beside
any ``make up``: a directory, a port, a database, topics and Celery queues of their own.
"""

import itertools
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from harness import ROOT, client_for, subprocess_env, unique_name, wait_until
from notifications.models import Notification
from submissions.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def supervisorctl(system_dir: Path, *args: str) -> str:
    conf = system_dir / "run" / "supervisord.conf"
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "supervisorctl"), "-c", str(conf), *args],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return result.stdout.strip()


def pid_of(system_dir: Path, name: str) -> int:
    """The pid of a RUNNING process, else 0."""
    line = supervisorctl(system_dir, "status", name)
    if " RUNNING " not in f"{line} ":
        return 0
    return int(line.split("pid ", 1)[1].split(",", 1)[0])


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


class HealthWatch:
    """Polls ``/healthz`` every 0.2 s in a thread; records each failure unless excused."""

    def __init__(self, url: str) -> None:
        self.url, self.failures, self.excused = url, [], False
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stopping.wait(0.2):
            if not answers(self.url) and not self.excused:
                self.failures.append(time.strftime("%H:%M:%S"))

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)


@pytest.fixture
def system(kafka_topics, settings):
    """The whole system under supervisord, sharing this test's database and topics."""
    system_dir = ROOT / "var" / unique_name("test-system-")
    bind = f"127.0.0.1:{free_port()}"
    queues = unique_name("test-") + "."
    settings.CELERY_QUEUE_PREFIX = queues
    env = subprocess_env(
        SYSTEM_DIR=str(system_dir),
        WEB_BIND=bind,
        WEB_WORKERS="2",
        KAFKA_TOPIC_PREFIX=settings.KAFKA_TOPIC_PREFIX,
        CELERY_QUEUE_PREFIX=queues,
        CELERY_CONCURRENCY="1",
        CELERY_EMAIL_CONCURRENCY="1",
        CONSUMER_SESSION_TIMEOUT_MS="6000",
        DEBUG="false",
        SECRET_KEY=unique_name("test-secret-") * 3,
        RELAY_METRICS_PORT="0",
        ANALYTICS_METRICS_PORT="0",
        PLAGIARISM_METRICS_PORT="0",
        NOTIFICATIONS_METRICS_PORT="0",
        PUBLIC_BASE_URL=f"http://{bind}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    started = subprocess.run(
        ["ops/system.sh", "start"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    try:
        assert started.returncode == 0, started.stderr + started.stdout
        yield system_dir, f"http://{bind}", env
    finally:
        subprocess.run(["ops/system.sh", "stop"], cwd=ROOT, env=env, timeout=120)
        shutil.rmtree(system_dir, ignore_errors=True)


def test_each_process_killed_comes_back_alone_and_the_system_still_works(system):
    system_dir, url, env = system
    names = [line.split(":", 1)[0] for line in (ROOT / "Procfile").read_text().splitlines()]
    wait_until(
        lambda: all(pid_of(system_dir, name) for name in names),
        timeout=60,
        what="every process RUNNING",
    )
    health = HealthWatch(f"{url}/healthz")
    try:
        for name in names:
            before = {other: pid_of(system_dir, other) for other in names}
            health.excused = name == "web"  # the web server itself is down until it is back
            os.kill(before[name], signal.SIGKILL)
            after = wait_until(
                lambda n=name, b=before[name]: (p := pid_of(system_dir, n)) not in (0, b) and p,
                timeout=30,
                what=f"{name} back within 30 s",
            )
            assert after != before[name]
            others = {other: pid_of(system_dir, other) for other in names if other != name}
            assert others == {o: p for o, p in before.items() if o != name}, (
                f"killing {name} touched other processes"
            )
            wait_until(lambda: answers(f"{url}/healthz"), timeout=30, what="the web again")
            health.excused = False
    finally:
        health.stop()
    assert health.failures == [], f"/healthz failed while other processes died: {health.failures}"

    status = subprocess.run(
        ["ops/system.sh", "status"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    ).stdout
    for name in names:
        (row,) = [line for line in status.splitlines() if line.startswith(f"{name} ")]
        assert row.split()[1] == "RUNNING" and row.split()[-1] == "1", row

    # An upload afterwards goes all the way: received, then checked.
    author = UserFactory()
    token = client_for(author)._credentials["HTTP_AUTHORIZATION"]
    text = " ".join(f"word{i % 97} term{i % 89}" for i in range(400))
    request = urllib.request.Request(
        f"{url}/api/submissions/",
        data=f'{{"title": "After the kills", "text": "{text}"}}'.encode(),
        headers={"Authorization": token, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
    wait_until(
        lambda: Notification.objects.filter(user=author).count() == 2,
        timeout=120,
        what="both notifications of the upload",
    )
    kinds = set(Notification.objects.filter(user=author).values_list("kind", flat=True))
    assert kinds == {"received", "checked"}


def test_a_process_that_keeps_crashing_is_given_up_on_with_backoff(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text('crasher: python -c "import sys; sys.exit(3)"\nsleeper: sleep 600\n')
    run_dir, log_dir = tmp_path / "run", tmp_path / "log"
    run_dir.mkdir()
    log_dir.mkdir()
    env = os.environ | {
        "PROCFILE": str(procfile),
        "SUPERVISOR_START_RETRIES": "3",
        "SUPERVISOR_START_SECONDS": "2",
    }
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run(
        [python, "ops/supervisor.py", "conf", str(run_dir), str(log_dir)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "supervisord"), "-c", str(run_dir / "supervisord.conf")],
        cwd=ROOT,
        env=env,
        check=True,
    )
    try:
        log = log_dir / "supervisord.log"
        wait_until(
            lambda: "gave up: crasher entered FATAL state" in log.read_text(),
            timeout=60,
            what="supervisord to give up on the crasher",
        )
        spawns = [line for line in log.read_text().splitlines() if "spawned: 'crasher'" in line]
        assert len(spawns) == 4  # the first start and three retries, then no more
        stamps = [time.mktime(time.strptime(s[:19], "%Y-%m-%d %H:%M:%S")) for s in spawns]
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        assert gaps[-1] >= 2, f"no backoff between tries: {gaps}"
        status = subprocess.run(
            [python, "ops/supervisor.py", "status", str(run_dir), str(log_dir)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        ).stdout
        crasher = next(line for line in status.splitlines() if line.startswith("crasher"))
        assert crasher.split()[1] == "FATAL"
        assert crasher.split()[4] == "3"  # restarts
        sleeper = next(line for line in status.splitlines() if line.startswith("sleeper"))
        assert sleeper.split()[1] == "RUNNING"  # the others keep running
    finally:
        subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "supervisorctl"),
                "-c",
                str(run_dir / "supervisord.conf"),
                "shutdown",
            ],
            timeout=60,
        )
