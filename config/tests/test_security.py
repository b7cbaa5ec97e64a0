"""Security defaults: client addresses from the connection, password guessing locked out on
the token endpoint and the admin login, per-author quotas."""

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from submissions.models import Submission
from submissions.tests.factories import PARAGRAPH, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"


def token_request(username: str, password: str, *, address: str = "10.9.8.7", forwarded=None):
    headers = {"REMOTE_ADDR": address}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return APIClient().post(
        TOKEN, {"username": username, "password": password}, format="json", **headers
    )


@pytest.fixture
def auth_rate(monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "auth", "3/minute")


def test_a_forged_x_forwarded_for_does_not_escape_the_throttle(auth_rate):
    answers = [
        token_request("nobody", "guess", forwarded=f"203.0.113.{n}").status_code for n in range(4)
    ]
    assert answers == [400, 400, 400, 429]


def test_with_a_trusted_proxy_the_address_it_saw_is_the_client(auth_rate, settings):
    settings.TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"NUM_PROXIES": 1}
    # Behind one proxy every request comes from the proxy's address; the clients differ.
    answers = [
        token_request("nobody", "guess", forwarded=f"198.51.100.9, 203.0.113.{n}").status_code
        for n in range(4)
    ]
    assert answers == [400, 400, 400, 400]


def test_password_guessing_on_the_admin_login_is_locked_out(settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="editor", is_staff=True)
    client = Client(REMOTE_ADDR="10.2.2.2")
    for n in range(2):
        response = client.post("/admin/login/", {"username": "editor", "password": f"guess-{n}"})
        assert response.status_code == 200  # the form again, with its error
    response = client.post("/admin/login/", {"username": "editor", "password": "guess-3"})
    assert response.status_code == 429  # the third failure locks
    response = client.post(
        "/admin/login/", {"username": "editor", "password": "a-long-passphrase-42"}
    )
    assert response.status_code == 429
    assert b"Too many failed logins" in response.content


def test_a_successful_login_resets_the_count(settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="ada")
    for _ in range(2):
        assert token_request("ada", "wrong").status_code == 400
    assert token_request("ada", "a-long-passphrase-42").status_code == 200
    for _ in range(2):
        assert token_request("ada", "wrong").status_code == 400
    assert token_request("ada", "a-long-passphrase-42").status_code == 200


def test_an_upload_past_the_bytes_quota_is_refused_saying_so(api, settings):
    settings.SUBMISSION_QUOTA_BYTES = len(PARAGRAPH) * 2 + 10
    for n in range(2):
        response = api.post(
            "/api/submissions/", {"title": f"P{n}", "text": PARAGRAPH}, format="json"
        )
        assert response.status_code == 201
    response = api.post("/api/submissions/", {"title": "P3", "text": PARAGRAPH}, format="json")
    assert response.status_code == 413
    assert response.json()["quota"] == "bytes"
    assert "more than your quota of" in response.json()["detail"]
    assert Submission.objects.count() == 2


def test_papers_per_day_is_off_by_default_and_refuses_past_its_limit(api, settings):
    assert settings.SUBMISSION_PAPERS_PER_DAY == 0
    settings.SUBMISSION_PAPERS_PER_DAY = 2
    for n in range(2):
        response = api.post(
            "/api/submissions/", {"title": f"P{n}", "text": PARAGRAPH}, format="json"
        )
        assert response.status_code == 201
    response = api.post("/api/submissions/", {"title": "P3", "text": PARAGRAPH}, format="json")
    assert response.status_code == 429
    assert response.json() == {
        "detail": "you have submitted 2 papers in the last 24 hours, the limit is 2 "
        "(new versions count too); try again tomorrow",
        "quota": "papers_per_day",
    }


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/admin/login/", "/api/docs/"])
def test_every_page_carries_the_content_security_policy(path):
    policy = Client().get(path)["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
