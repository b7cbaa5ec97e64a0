"""Both kinds of token authenticate, each found by its hash; a login token used within
minutes of its last use costs one query."""

import pytest
from rest_framework.exceptions import AuthenticationFailed

from accounts.authentication import TokenAuthentication
from accounts.models import ApiToken
from accounts.services import api_token_create, login_token_create

pytestmark = pytest.mark.django_db


def test_a_login_token_is_kept_as_a_hash_and_costs_one_query(author, django_assert_num_queries):
    key = login_token_create(user=author)
    assert key.startswith("plt_") and not ApiToken.objects.filter(key_hash=key).exists()
    TokenAuthentication().authenticate_credentials(key)  # its first use is recorded
    with django_assert_num_queries(1):
        user, _ = TokenAuthentication().authenticate_credentials(key)
    assert user == author


def test_a_named_token_is_found_by_its_hash_and_its_use_recorded(author):
    token, key = api_token_create(user=author, name="sync")
    user, found = TokenAuthentication().authenticate_credentials(key)
    assert user == author and found.pk == token.pk
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None
    assert not ApiToken.objects.filter(key_hash=key).exists()  # the key itself is not kept


def test_a_revoked_or_forged_named_token_and_an_inactive_user_are_refused(author):
    token, key = api_token_create(user=author, name="sync")
    author.is_active = False
    author.save()
    with pytest.raises(AuthenticationFailed):
        TokenAuthentication().authenticate_credentials(key)
    token.delete()
    for wrong in (key, "pat_" + "0" * 40, "pat_"):
        with pytest.raises(AuthenticationFailed):
            TokenAuthentication().authenticate_credentials(wrong)
