"""Hostile uploads at once: how long the web server takes to answer them, whether it keeps
answering everyone else meanwhile, and how long the checks of what it accepted take.

    .venv/bin/python bench/hostile_uploads.py [--copies 3]

Starts gunicorn with the Procfile's ``web`` line on a port of its own, against a benchmark
database. ``--copies`` of each hostile file are sent at once, from as many threads: PDF
bombs (a content stream that inflates to megabytes of text operators), a DOCX zip bomb, a
PDF of 2,000 pages, quotation storms (40 KB and 1 MB of tiny quotations) and a text of
400,000 words. Meanwhile another thread asks ``/healthz`` every 100 ms. Then every accepted
upload is checked for plagiarism (``check_run``, as the Celery task runs it) and
timed. Targets: every upload answered within 5 s, ``/healthz`` under 1 s, every check done
or failed with a reason within 60 s. Needs the services up (``ops/services.sh start``).
"""

import argparse
import http.client
import subprocess
import sys
import threading
import time

from common import ROOT, bench_environment
from upload_throughput import multipart, web_command, web_wait

from harness.hostile import docx_bomb, many_pages, pdf_bomb

PORT = 8101


def hostile_files() -> dict[str, tuple[str, bytes]]:
    return {
        "pdf bomb (11 MB inflated)": ("bomb.pdf", pdf_bomb(300_000)),
        "pdf bomb (37 MB inflated)": ("bomb2.pdf", pdf_bomb(1_000_000)),
        "docx zip bomb (512 MB)": ("bomb.docx", docx_bomb()),
        "pdf of 2,000 pages": ("pages.pdf", many_pages(2000)),
        "quotation storm 40 KB": ("quotes.txt", b'"ab" ' * 8_000),
        "quotation storm 1 MB": ("quotes-1mb.txt", b'"ab" ' * 200_000),
        "unclosed quotations 1 MB": ("open-quotes.txt", "“ab ".encode() * 170_000),
        "400,000 words": ("long.txt", b"word " * 400_000),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=3)
    args = parser.parse_args()
    print(f"command: .venv/bin/python bench/hostile_uploads.py --copies {args.copies}")
    files = hostile_files()
    with bench_environment("bench_hostile") as env:
        from django.contrib.auth import get_user_model

        from accounts.services import login_token_create

        user = get_user_model().objects.create(username="hostile")
        token = login_token_create(user=user)
        env = env | {"SUBMISSION_UPLOAD_RATE": "1000/minute", "WEB_BIND": f"127.0.0.1:{PORT}"}
        command = web_command()
        command[command.index("--bind") + 1] = f"127.0.0.1:{PORT}"
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        answers: list[tuple[str, int, float, str]] = []
        health: list[float] = []
        lock = threading.Lock()
        try:
            web_wait(PORT)
            done = threading.Event()

            def watch_health() -> None:
                while not done.is_set():
                    started = time.perf_counter()
                    try:
                        probe = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                        probe.request("GET", "/healthz")
                        probe.getresponse().read()
                        elapsed = time.perf_counter() - started
                    except OSError:
                        elapsed = float("inf")
                    with lock:
                        health.append(elapsed)
                    done.wait(0.1)

            def send(label: str, name: str, data: bytes) -> None:
                body, content_type = multipart("Hostile", data, name)
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
                started = time.perf_counter()
                connection.request(
                    "POST",
                    "/api/submissions/",
                    body=body,
                    headers={"Authorization": f"Token {token}", "Content-Type": content_type},
                )
                response = connection.getresponse()
                text = response.read().decode(errors="replace")[:160]
                with lock:
                    answers.append((label, response.status, time.perf_counter() - started, text))

            watcher = threading.Thread(target=watch_health)
            watcher.start()
            senders = [
                threading.Thread(target=send, args=(label, name, data))
                for label, (name, data) in files.items()
                for _ in range(args.copies)
            ]
            for thread in senders:
                thread.start()
            for thread in senders:
                thread.join()
            done.set()
            watcher.join()
        finally:
            server.terminate()
            server.wait(timeout=30)

        print(f"{len(answers)} hostile uploads at once ({args.copies} of each kind):")
        for label in files:
            mine = [a for a in answers if a[0] == label]
            worst = max(a[2] for a in mine)
            statuses = sorted({a[1] for a in mine})
            print(f"  {label}: HTTP {statuses}, worst {worst:.2f} s: {mine[0][3]}")
        worst_upload = max(a[2] for a in answers)
        print(f"worst upload answer: {worst_upload:.2f} s (target 5 s)")
        print(
            f"/healthz meanwhile: {len(health)} probes, worst {max(health) * 1000:.0f} ms "
            "(target 1,000 ms)"
        )

        from plagiarism.services import check_run
        from submissions.models import Submission

        check_times = []
        for submission in Submission.objects.order_by("created_at"):
            started = time.perf_counter()
            try:
                outcome = check_run(submission_id=str(submission.id)).report
                result = f"score {outcome.score:.2f}, {outcome.counted_words} words counted"
                if outcome.words_limit:
                    result += f", first {outcome.words_limit} words only"
            except Exception as exc:
                result = f"failed: {exc!r}"[:120]
            check_times.append(time.perf_counter() - started)
            print(f"  check of {submission.original_filename}: {check_times[-1]:.2f} s, {result}")
        if check_times:
            print(f"worst check: {max(check_times):.2f} s (target 60 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
