"""Reads of accounts: whether an address is verified, a user's tokens and profile."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from accounts.models import ApiToken, EmailVerification, Profile


def email_verified(*, user: AbstractBaseUser) -> bool:
    """Whether the user proved they read their current address."""
    if not user.email:
        return False
    verified = EmailVerification.objects.filter(user=user).values_list("email", flat=True).first()
    return verified is not None and verified.lower() == user.email.lower()


def api_tokens_of(*, user: AbstractBaseUser) -> QuerySet[ApiToken]:
    """The named tokens the user made."""
    return ApiToken.objects.filter(user=user, kind=ApiToken.Kind.NAMED)


def login_tokens_of(*, user: AbstractBaseUser) -> QuerySet[ApiToken]:
    """The login tokens ``POST /api/auth/token/`` handed out that still live."""
    return ApiToken.objects.filter(user=user, kind=ApiToken.Kind.LOGIN)


def profile_of(*, user: AbstractBaseUser) -> Profile:
    """The user's profile; an empty one (unsaved) when they never gave one."""
    return Profile.objects.filter(user=user).first() or Profile(user=user)


def profiles_of(*, user_ids) -> dict[int, str]:
    """The affiliation each of these users gave (those without a profile are absent)."""
    rows = Profile.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "affiliation")
    return dict(rows)


def verified_user_with_email(*, email: str) -> AbstractBaseUser | None:
    """The active user who proved they read ``email``: whom an address names (a co-author
    listed by address, a reviewer invited by address). An account that merely claims an
    address is not trusted with someone else's paper."""
    if not email:
        return None
    found = EmailVerification.objects.filter(
        email__iexact=email, user__is_active=True, user__email__iexact=email
    ).select_related("user")
    verification = found.first()
    return verification.user if verification else None


def user_names(*, user_ids: list[int]) -> dict[int, str]:
    """Each user's login name, by id (for editors' figures: the reviewers' load)."""
    model = get_user_model()
    return dict(model.objects.filter(pk__in=user_ids).values_list("pk", model.USERNAME_FIELD))
