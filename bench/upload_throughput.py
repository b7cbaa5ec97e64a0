"""Concurrent authors uploading 50 KB text files to the web server run as ``make up`` runs it.

    .venv/bin/python bench/upload_throughput.py [--seconds 60] [--concurrency 16] [--authors 32]

Starts gunicorn with the Procfile's ``web`` command line on a port of its own, against a
benchmark database, with per-user throttling lifted (it measures the server, not the
throttle). Prints requests/s, p50, p99 and errors. Needs the services up.
"""

import argparse
import http.client
import os
import random
import shlex
import subprocess
import threading
import time
import uuid

from common import ROOT, bench_environment, percentile

PORT = 8100


def web_command() -> list[str]:
    """The Procfile's web line, with its ${VAR:-default} expanded for our port."""
    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    env = os.environ | {"WEB_BIND": f"127.0.0.1:{PORT}"}
    expanded = subprocess.run(
        ["bash", "-c", f"echo {line.split(':', 1)[1].strip()}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [str(ROOT / ".venv" / "bin" / shlex.split(expanded)[0]), *shlex.split(expanded)[1:]]


def web_wait(port: int, seconds: float = 30) -> None:
    """Return once the web server on ``port`` answers ``/healthz``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            probe.request("GET", "/healthz")
            if probe.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the web server did not start")
        time.sleep(0.2)


def multipart(title: str, data: bytes, filename: str = "paper.txt") -> tuple[bytes, str]:
    """A multipart upload body with ``title`` and ``data`` as the file, and its content type."""
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n{title}\r\n'
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--authors",
        type=int,
        default=400,
        help="enough that no one author passes the per-user upload throttle",
    )
    args = parser.parse_args()
    print(
        f"command: .venv/bin/python bench/upload_throughput.py --seconds {args.seconds:g} "
        f"--concurrency {args.concurrency} --authors {args.authors}"
    )
    with bench_environment("bench_upload") as env:
        from django.contrib.auth import get_user_model

        from accounts.services import login_token_create

        users = get_user_model().objects.bulk_create(
            get_user_model()(username=f"author{n}", password="!")  # noqa: S106 - unusable
            for n in range(args.authors)
        )
        tokens = [login_token_create(user=user) for user in users]
        words = [
            "provenance",
            "passage",
            "fingerprint",
            "alignment",
            "corpus",
            "citation",
            "method",
        ]
        rng = random.Random(7)
        papers = [
            " ".join(rng.choice(words) for _ in range(7000)).encode()[: 50 * 1024] for _ in range(8)
        ]
        command = web_command()
        print(f"server: gunicorn {' '.join(command[1:])}")
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        latencies: list[float] = []
        errors: dict[str, int] = {}
        first_error: dict[str, str] = {}
        lock = threading.Lock()
        try:
            web_wait(PORT)

            def author(n: int, stop_at: float) -> None:
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                i = 0
                while time.monotonic() < stop_at:
                    token = tokens[(n + i * args.concurrency) % len(tokens)]
                    body, content_type = multipart(f"Paper {n}-{i}", papers[i % len(papers)])
                    i += 1
                    started = time.perf_counter()
                    try:
                        connection.request(
                            "POST",
                            "/api/submissions/",
                            body=body,
                            headers={
                                "Authorization": f"Token {token}",
                                "Content-Type": content_type,
                            },
                        )
                        response = connection.getresponse()
                        answer = response.read()
                        outcome = None if response.status == 201 else f"HTTP {response.status}"
                        if outcome and outcome not in first_error:
                            first_error[outcome] = answer[:300].decode(errors="replace")
                    except (OSError, http.client.HTTPException) as exc:
                        outcome = type(exc).__name__
                        connection.close()
                        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                    elapsed = (time.perf_counter() - started) * 1000
                    with lock:
                        if outcome:
                            errors[outcome] = errors.get(outcome, 0) + 1
                        else:
                            latencies.append(elapsed)

            stop_at = time.monotonic() + args.seconds
            started = time.perf_counter()
            threads = [
                threading.Thread(target=author, args=(n, stop_at)) for n in range(args.concurrency)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
        latencies.sort()
        total_errors = sum(errors.values())
        print(
            f"uploads: {len(latencies)} ok, {total_errors} errors {errors or ''} in {wall:.1f} s "
            f"= {len(latencies) / wall:,.0f} uploads/s"
        )
        for outcome, body in first_error.items():
            print(f"first {outcome}: {body}")
        if latencies:
            print(
                f"latency (ms): p50 {percentile(latencies, 0.5):.0f}  "
                f"p99 {percentile(latencies, 0.99):.0f}  max {latencies[-1]:.0f}"
            )


if __name__ == "__main__":
    main()
