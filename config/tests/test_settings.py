"""DEBUG is off unless asked for; then the settings refuse to start without a secret key and
pass --deploy."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="false", SECRET_KEY_FILE="/nonexistent/secret_key")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_is_off_unless_asked_for():
    result = manage("check", SECRET_KEY_FILE="/nonexistent/secret_key")  # no DEBUG at all
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_the_secret_key_can_come_from_a_file(tmp_path):
    key = tmp_path / "secret_key"
    key.write_text(secrets.token_urlsafe(50))
    code = "from django.conf import settings; print(settings.SECRET_KEY, settings.DEBUG)"
    result = manage("shell", "-c", code, SECRET_KEY_FILE=str(key))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [key.read_text(), "False"]


def test_production_settings_pass_the_deployment_checklist():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="papers.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_database_url_that_is_not_postgresql_is_refused():
    result = manage(
        "check", DATABASE_URL="sqlite:///tmp/db.sqlite3", SECRET_KEY=secrets.token_urlsafe(50)
    )
    assert result.returncode != 0
    assert "DATABASE_URL must point at PostgreSQL" in result.stderr
