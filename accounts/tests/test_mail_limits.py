"""Account emails to one address are limited, whoever asks and from wherever: a reset page
that answers the same sends at most ACCOUNT_EMAILS_PER_ADDRESS links an hour, and asking
for the confirmation link again past that says so (429) and sends nothing."""

import pytest
from django.core import mail
from django.test import Client

from harness import client_for
from submissions.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_reset_links_to_one_address_are_limited_however_many_clients_ask(settings):
    settings.ACCOUNT_EMAILS_PER_ADDRESS = 2
    user = UserFactory()
    pages = [
        Client(REMOTE_ADDR=f"203.0.113.{n}").post(
            "/accounts/password/reset/", {"email": user.email}
        )
        for n in range(5)  # five clients, each under its own throttle
    ]
    assert {page.status_code for page in pages} == {302}  # the same answer every time
    assert [m.to for m in mail.outbox] == [[user.email]] * 2
    other = UserFactory()
    Client().post("/accounts/password/reset/", {"email": other.email})
    assert mail.outbox[-1].to == [other.email]  # another address is not affected


def test_asking_for_the_confirmation_link_again_past_the_limit_says_so(settings):
    settings.ACCOUNT_EMAILS_PER_ADDRESS = 1
    user = UserFactory()
    api = client_for(user)
    assert api.post("/api/auth/verify-email/").status_code == 202
    limited = api.post("/api/auth/verify-email/")
    assert limited.status_code == 429 and "links in the last hour" in limited.json()["detail"]
    assert int(limited["Retry-After"]) > 0
    assert len(mail.outbox) == 1
