"""How fast the author site's pages answer, as a browser asks for them (session cookie,
HTML), on the system ``make up`` runs.

    .venv/bin/python bench/site_pages.py [--base http://127.0.0.1:8000] [--rounds 50] [--words 7000]

Makes an author of its own (through the API), who submits a paper of ``--words`` words that
copies a passage of an earlier paper by another author and then a second version, waits for
both checks; an editor (made with manage.py) sends it to review and invites the other author,
who accepts. Both then log in through the site's form and ask for each page ``--rounds``
times, one at a time (the author's pages, and the reviewer's). Prints each page's median,
95th percentile and slowest time, and its size.
"""

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-site-pages-2026"  # noqa: S105 - a throwaway account on a local system


def words(seed: int, count: int) -> str:
    rng = random.Random(seed)
    return " ".join(f"word{rng.randrange(5000)}" for _ in range(count))


def register(api: str) -> requests.Session:
    name = f"bench-site-{uuid.uuid4().hex[:8]}"
    requests.post(
        f"{api}/auth/register/",
        json={"username": name, "email": f"{name}@example.org", "password": PASSWORD},
        timeout=30,
    ).raise_for_status()
    token = requests.post(
        f"{api}/auth/token/", json={"username": name, "password": PASSWORD}, timeout=30
    ).json()["token"]
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    session.username = name  # type: ignore[attr-defined]
    return session


def editor(api: str) -> requests.Session:
    """A staff account made with manage.py (the bench runs beside the system it measures)."""
    name = f"bench-editor-{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username",
            name,
            "--email",
            f"{name}@office.example",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
        check=True,
        capture_output=True,
    )
    token = requests.post(
        f"{api}/auth/token/", json={"username": name, "password": PASSWORD}, timeout=30
    ).json()["token"]
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    return session


def logged_in(base: str, username: str) -> requests.Session:
    """A browser's session, logged in through the site's form."""
    browser = requests.Session()
    login = browser.get(f"{base}/accounts/login/", timeout=30)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    browser.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
    ).raise_for_status()
    return browser


def wait_checked(session: requests.Session, api: str, paper: str, version: int) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        detail = session.get(f"{api}/submissions/{paper}/", timeout=30).json()
        if detail["version"] == version and detail["status"] == "checked":
            return
        time.sleep(0.5)
    sys.exit(
        f"bench: the check of {paper} v{version} did not finish in 300 s (is make up running?)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--words", type=int, default=7000)
    args = parser.parse_args()
    print(
        f"command: .venv/bin/python bench/site_pages.py --base {args.base} "
        f"--rounds {args.rounds} --words {args.words}"
    )
    api = f"{args.base}/api"
    rival, author = register(api), register(api)
    shared = words(1, 400)
    rival.post(
        f"{api}/submissions/", json={"title": "Earlier", "text": shared + " " + words(2, 2000)}
    ).raise_for_status()
    text = words(3, args.words // 2) + " " + shared + " " + words(4, args.words // 2 - 400)
    paper = author.post(f"{api}/submissions/", json={"title": "Bench paper", "text": text}).json()
    wait_checked(author, api, paper["id"], 1)
    author.post(
        f"{api}/submissions/{paper['id']}/versions/",
        json={"text": text + " " + words(5, 300), "response": "We added a section."},
    ).raise_for_status()
    wait_checked(author, api, paper["id"], 2)

    # The rival reviews the paper (an editor invites them, over the shared example.org domain).
    office = editor(api)
    office.post(
        f"{api}/submissions/{paper['id']}/transition/", json={"to": "under_review"}
    ).raise_for_status()
    invitation = office.post(
        f"{api}/submissions/{paper['id']}/invitations/",
        json={
            "reviewer": rival.username,
            "due": (date.today() + timedelta(days=30)).isoformat(),
            "override_conflict": "bench",
        },
    )
    invitation.raise_for_status()
    rival.post(f"{api}/invitations/{invitation.json()['id']}/accept/").raise_for_status()

    browser, reviewer = logged_in(args.base, author.username), logged_in(args.base, rival.username)
    pages = {
        "home (redirects)": "/",
        "login": "/accounts/login/",
        "my papers": "/papers/",
        "submit a paper": "/papers/new/",
        "paper": f"/papers/{paper['id']}/",
        "report (v1, highlights)": f"/papers/{paper['id']}/report/?version=1",
        "diff v1 to v2": f"/papers/{paper['id']}/versions/2/diff/",
        "send a revision": f"/papers/{paper['id']}/revise/",
        "withdraw": f"/papers/{paper['id']}/withdraw/",
        "notifications": "/notifications/",
        "email preferences": "/notifications/preferences/",
        "API tokens": "/accounts/tokens/",
        "not found": "/papers/00000000-0000-0000-0000-000000000000/",
        "reviewing (reviewer)": "/reviewing/",
        "paper to review (reviewer)": f"/reviewing/{paper['id']}/",
        "profile": "/accounts/profile/",
    }
    print(f"{'page':<26}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'KiB':>8}")
    worst = 0.0
    for name, path in pages.items():
        times, size = [], 0
        for _ in range(args.rounds):
            started = time.perf_counter()
            client = reviewer if "(reviewer)" in name else browser
            response = client.get(f"{args.base}{path}", timeout=30)
            times.append((time.perf_counter() - started) * 1000)
            size = len(response.content)
            if response.status_code >= 500 or (name != "login" and "Log out" not in response.text):
                sys.exit(f"bench: {path} answered {response.status_code} (not logged in?)")
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        worst = max(worst, p95)
        print(
            f"{name:<26}{statistics.median(times):>8.1f}{p95:>8.1f}{times[-1]:>8.1f}"
            f"{size / 1024:>8.1f}"
        )
    print(f"summary: slowest page's p95 {worst:.1f} ms over {len(pages)} pages")


if __name__ == "__main__":
    main()
