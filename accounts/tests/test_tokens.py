"""Login tokens, tried through the live server: each login gets its own, kept as a hash; it
expires LOGIN_TOKEN_DAYS after its last use (sliding), dies when the password is changed or
reset, and can be revoked on demand; the admin never shows a key."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from harness import http_for
from submissions.tests.factories import EditorFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-passphrase-42"  # UserFactory's


def login(http, user) -> str:
    answer = http.post("/api/auth/token/", json={"username": user.username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def me(http, key: str) -> int:
    return http.get("/api/auth/me/", headers={"Authorization": f"Token {key}"}).status_code


def test_each_login_has_its_own_token_kept_only_as_a_hash(live_api):
    user = UserFactory()
    with http_for(live_api) as http:
        one, two = login(http, user), login(http, user)
        assert one != two and one.startswith("plt_")
        assert me(http, one) == 200 and me(http, two) == 200
    stored = ApiToken.objects.filter(user=user).values_list("key_hash", "prefix")
    assert all(one not in row and two not in row for row in stored)


def test_a_login_token_expires_after_its_last_use_and_use_moves_the_end_on(live_api, settings):
    settings.LOGIN_TOKEN_DAYS = 30
    user = UserFactory()
    with http_for(live_api) as http:
        key = login(http, user)
        token = ApiToken.objects.get(user=user)
        # Used 29 days after its last use: still good, and good for 30 days more.
        ApiToken.objects.filter(pk=token.pk).update(
            last_used_at=timezone.now() - timedelta(days=29),
            expires_at=timezone.now() + timedelta(days=1),
        )
        assert me(http, key) == 200
        assert ApiToken.objects.get(pk=token.pk).expires_at > timezone.now() + timedelta(days=29)
        ApiToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        assert me(http, key) == 401
    assert not ApiToken.objects.filter(pk=token.pk).exists()


@pytest.mark.parametrize("how", ["change", "reset"])
def test_a_new_password_revokes_every_login_token(live_api, how):
    user = UserFactory()
    with http_for(live_api) as http:
        stolen = login(http, user)
        named = http.get("/api/auth/me/", headers={"Authorization": f"Token {stolen}"})
        assert named.status_code == 200
        if how == "change":
            browser = Client()
            browser.force_login(user)
            changed = browser.post(
                "/accounts/password/change/",
                {
                    "old_password": PASSWORD,
                    "new_password1": "another-long-passphrase-43",
                    "new_password2": "another-long-passphrase-43",
                },
            )
            assert changed.status_code == 302, changed.content[:500]
        else:
            user.set_password("a-reset-long-passphrase-44")  # what the reset link's form does
            user.save()
        assert me(http, stolen) == 401


def test_login_tokens_are_revoked_on_demand_and_the_admin_shows_no_key(live_api):
    user = UserFactory()
    with http_for(live_api) as http:
        key = login(http, user)
        browser = Client()
        browser.force_login(user)
        page = browser.get("/accounts/tokens/")
        assert key not in page.content.decode() and key[4:12] in page.content.decode()
        assert browser.post("/accounts/tokens/login-token/revoke/").status_code == 302
        assert me(http, key) == 401
        key = login(http, user)
    office = Client()
    office.force_login(EditorFactory())
    for page in ("/admin/accounts/apitoken/", "/admin/"):
        assert key not in office.get(page).content.decode()
    assert office.get("/admin/authtoken/tokenproxy/").status_code == 404  # DRF's is gone
