"""Password guessing, tried through the live server on each of the three logins (the site's
form, the admin's, the token endpoint): a username is locked for the address that guessed
at it and for no one else, a success clears its own count only, a refused attempt is not a
failure, and an address as a whole is slowed, never locked."""

import itertools
import time

import pytest
from axes.models import AccessAttempt

from submissions.tests.factories import EditorFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-passphrase-42"  # UserFactory's
_addresses = itertools.count(1)


def address() -> str:
    """A client address of this test's own (the live server believes one proxy)."""
    n = next(_addresses)
    return f"198.18.{n // 250}.{n % 250 + 1}"


@pytest.fixture
def server(live_api, settings):
    settings.TRUSTED_PROXIES = 1  # the address is X-Forwarded-For's, as behind a proxy
    settings.AXES_FAILURE_LIMIT = 3
    return live_api


class Logins:
    """One of the three ways in, from a given address: ``attempt`` answers the status."""

    def __init__(self, server, way: str) -> None:
        self.server, self.way = server, way

    def attempt(self, username: str, password: str, *, at: str) -> "httpx.Response":  # noqa: F821
        import httpx

        headers = {"X-Forwarded-For": at}
        with httpx.Client(base_url=self.server.url, headers=headers, timeout=30) as http:
            if self.way == "token":
                body = {"username": username, "password": password}
                return http.post("/api/auth/token/", json=body)
            path = "/accounts/login/" if self.way == "site" else "/admin/login/"
            form = http.get(path)
            return http.post(
                path,
                data={
                    "username": username,
                    "password": password,
                    "csrfmiddlewaretoken": form.cookies["csrftoken"],
                },
                headers={"Referer": f"{self.server.url}{path}"},
            )

    def succeeded(self, answer) -> bool:
        return answer.status_code == (200 if self.way == "token" else 302)


@pytest.fixture(params=["site", "admin", "token"])
def logins(request, server) -> Logins:
    return Logins(server, request.param)


def staff(**fields):
    return EditorFactory(**fields)  # the admin lets staff in only; the others take anyone


def test_a_guesser_locks_out_only_the_username_it_guessed_from_its_own_address(logins):
    victim, colleague = staff(), staff()
    shared = address()  # a university's NAT
    for n in range(3):
        assert not logins.succeeded(logins.attempt(victim.username, f"guess-{n}", at=shared))
    locked = logins.attempt(victim.username, PASSWORD, at=shared)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "for this username from this address" in locked.text
    # Someone else behind the same address, and the victim from anywhere else, get in.
    assert logins.succeeded(logins.attempt(colleague.username, PASSWORD, at=shared))
    assert logins.succeeded(logins.attempt(victim.username, PASSWORD, at=address()))


def test_a_login_to_ones_own_account_does_not_clear_the_guesses_at_another(logins):
    victim, guesser = staff(), staff()
    at = address()
    for n in range(2):
        assert not logins.succeeded(logins.attempt(victim.username, f"guess-{n}", at=at))
    assert logins.succeeded(logins.attempt(guesser.username, PASSWORD, at=at))
    assert not logins.succeeded(logins.attempt(victim.username, "guess-2", at=at))
    assert logins.attempt(victim.username, PASSWORD, at=at).status_code == 429  # the third


def test_attempts_while_locked_are_not_failures_and_the_cool_off_is_not_extended(server, settings):
    settings.AXES_COOLOFF_TIME = 3 / 3600  # 3 s, in hours
    logins, owner, at = Logins(server, "token"), UserFactory(), address()
    for n in range(3):
        logins.attempt(owner.username, f"wrong-{n}", at=at)
    locked_until = time.monotonic() + 3
    while time.monotonic() < locked_until - 0.5:  # the owner retrying, rightly, all along
        assert logins.attempt(owner.username, PASSWORD, at=at).status_code == 429
        time.sleep(0.2)
    attempts = AccessAttempt.objects.filter(username=owner.username)
    assert sum(a.failures_since_start for a in attempts) == 3  # the refusals counted nothing
    time.sleep(max(0.0, locked_until - time.monotonic()) + 0.3)
    assert logins.succeeded(logins.attempt(owner.username, PASSWORD, at=at))  # at once


def test_an_address_spraying_passwords_is_slowed_with_retry_after_not_locked(server, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 4
    settings.LOGIN_ADDRESS_SLOW_SECONDS = 2
    logins, sprayer = Logins(server, "token"), address()
    for n in range(4):  # one guess at each of four usernames
        assert logins.attempt(f"user{n}", "Winter2026!", at=sprayer).status_code == 400
    colleague = UserFactory()
    first = logins.attempt(colleague.username, PASSWORD, at=sprayer)  # takes the slot
    assert logins.succeeded(first)
    slowed = logins.attempt(colleague.username, PASSWORD, at=sprayer)
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == "2"
    assert "from this address" in slowed.json()["detail"]
    assert not AccessAttempt.objects.filter(username=colleague.username).exists()
    assert logins.succeeded(logins.attempt(colleague.username, PASSWORD, at=address()))
    time.sleep(2.2)
    assert logins.succeeded(logins.attempt(colleague.username, PASSWORD, at=sprayer))
