"""Reads of accounts: whether an address is verified, and a user's tokens."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from rest_framework.authtoken.models import Token

from accounts.models import ApiToken, EmailVerification


def email_verified(*, user: AbstractBaseUser) -> bool:
    """Whether the user proved they read their current address."""
    if not user.email:
        return False
    verified = EmailVerification.objects.filter(user=user).values_list("email", flat=True).first()
    return verified is not None and verified.lower() == user.email.lower()


def api_tokens_of(*, user: AbstractBaseUser) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def login_token_of(*, user: AbstractBaseUser) -> Token | None:
    """The token ``POST /api/auth/token/`` hands out (one per user), if it was ever asked for."""
    return Token.objects.filter(user=user).first()
