"""Writes of accounts: registering, proving an email address, API tokens, the profile.

The author site and the API both call these, so a rule is written once.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.mail_limits import mail_allowed
from accounts.models import ApiToken, EmailVerification, Profile
from accounts.orcid import orcid_normalised

logger = logging.getLogger(__name__)

VERIFY_SALT = "accounts.email-verification"
TOKENS_PER_USER = 20
LOGIN_TOKENS_PER_USER = 20  # a login past this many revokes the oldest
# Each kind of key starts with its marker (secret scanners know them by it).
TOKEN_PREFIX = "pat_"  # noqa: S105 - a marker, not a secret
LOGIN_PREFIX = "plt_"
LAST_USED_EVERY = timedelta(minutes=5)  # at most one write per token this often


class MailLimited(Exception):
    """The address had as many account emails of this kind as an hour allows."""


class VerificationRefused(Exception):
    """A verification link that cannot be used; the message says why, for people."""


@dataclass(frozen=True)
class Registered:
    user: AbstractBaseUser
    email_sent: bool  # whether the mail server took the confirmation link


def user_register(*, username: str, email: str, password: str) -> Registered:
    """A new author account, and the link to confirm its address sent by email.

    Raises ``django.core.exceptions.ValidationError`` (its ``message_dict`` names the field)
    for a username or address already in use or a weak password (Django's validators)."""
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["this username is taken"]})
    if user_model.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {"email": ["an account with this email address exists: log in, or reset its password"]}
        )
    user = user_model(username=username, email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    logger.info("accounts.user_registered user_id=%s", user.pk)
    try:
        sent = email_verification_send(user=user)
    except MailLimited:
        sent = False
    return Registered(user, sent)


def _address_digest(email: str) -> str:
    """Which address a link is for, without writing the address into the link (links end up
    in access logs)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]


def verification_link(*, user: AbstractBaseUser) -> str:
    token = signing.dumps({"user": user.pk, "email": _address_digest(user.email)}, salt=VERIFY_SALT)
    path = reverse("web:email-verify", kwargs={"token": token})
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path}"


def email_verification_send(*, user: AbstractBaseUser) -> bool:
    """Email ``user`` the link that proves they read their address. Sent at once (as
    Django's password reset is), so a refused mail server is told to the person, who can ask
    again; True if the mail server took it."""
    if not user.email:
        return False
    if not mail_allowed(kind="verify", address=user.email):
        logger.warning("accounts.verification_email_limited user_id=%s", user.pk)
        raise MailLimited(
            f"we sent this address {settings.ACCOUNT_EMAILS_PER_ADDRESS} links in the last "
            "hour: use the latest, or ask again later"
        )
    context = {
        "name": user.get_full_name() or user.get_username(),
        "link": verification_link(user=user),
        "days": settings.EMAIL_VERIFICATION_DAYS,
    }
    message = EmailMultiAlternatives(
        subject="Confirm your email address",
        body=render_to_string("accounts/email/verify.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    try:
        message.send()
    except Exception:
        logger.exception("accounts.verification_email_failed user_id=%s", user.pk)
        return False
    logger.info("accounts.verification_email_sent user_id=%s", user.pk)
    return True


def email_verify(*, token: str) -> AbstractBaseUser:
    """Mark the address in ``token`` verified for its user. Raises ``VerificationRefused``
    for a link that is forged, expired, or for an address the user no longer has."""
    try:
        claim = signing.loads(
            token, salt=VERIFY_SALT, max_age=timedelta(days=settings.EMAIL_VERIFICATION_DAYS)
        )
    except signing.SignatureExpired as exc:
        raise VerificationRefused(
            "This link has expired. Log in and ask for a new one from your papers' page."
        ) from exc
    except signing.BadSignature as exc:
        raise VerificationRefused(
            "This link is not valid: copy the whole link from the email, or ask for a new one."
        ) from exc
    user = get_user_model().objects.filter(pk=claim.get("user"), is_active=True).first()
    if user is None or _address_digest(user.email or "") != claim.get("email"):
        raise VerificationRefused(
            "This link is for an address that is no longer the account's. Ask for a new one."
        )
    EmailVerification.objects.update_or_create(
        user=user, defaults={"email": user.email, "verified_at": timezone.now()}
    )
    logger.info("accounts.email_verified user_id=%s", user.pk)
    return user


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class TooManyTokens(Exception):
    pass


def api_token_create(*, user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """A new token for an integration: the row and the key, which is shown this once."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if ApiToken.objects.filter(user=user, kind=ApiToken.Kind.NAMED).count() >= TOKENS_PER_USER:
            raise TooManyTokens(
                f"you have {TOKENS_PER_USER} tokens, the most an account may have: revoke one "
                "you no longer use first"
            )
        secret = secrets.token_hex(20)
        key = TOKEN_PREFIX + secret
        token = ApiToken.objects.create(
            user=user, name=name.strip(), prefix=secret[:8], key_hash=_hash(key)
        )
    logger.info("accounts.token_created user_id=%s token_id=%s", user.pk, token.pk)
    return token, key


def api_token_revoke(*, user: AbstractBaseUser, token_id: int) -> bool:
    """Revoke one of ``user``'s tokens; False if they have no such token."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if deleted:
        logger.info("accounts.token_revoked user_id=%s token_id=%s", user.pk, token_id)
    return bool(deleted)


def login_token_create(*, user: AbstractBaseUser) -> str:
    """A new login token (``POST /api/auth/token/``): its key, shown this once. Each login
    has its own; past ``LOGIN_TOKENS_PER_USER`` the oldest are revoked."""
    secret = secrets.token_hex(20)
    key = LOGIN_PREFIX + secret
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name="login",
            kind=ApiToken.Kind.LOGIN,
            prefix=secret[:8],
            key_hash=_hash(key),
            expires_at=timezone.now() + _login_token_life(),
        )
        kept = ApiToken.objects.filter(user=user, kind=ApiToken.Kind.LOGIN).order_by("-created_at")
        ApiToken.objects.filter(pk__in=kept.values("pk")[LOGIN_TOKENS_PER_USER:]).delete()
    logger.info("accounts.login_token_created user_id=%s token_id=%s", user.pk, token.pk)
    return key


def _login_token_life() -> timedelta:
    return timedelta(days=settings.LOGIN_TOKEN_DAYS)


def login_tokens_revoke(*, user: AbstractBaseUser, why: str = "asked") -> int:
    """Revoke every login token of ``user`` (asked for, or their password changed)."""
    deleted, _ = ApiToken.objects.filter(user=user, kind=ApiToken.Kind.LOGIN).delete()
    if deleted:
        logger.info(
            "accounts.login_tokens_revoked user_id=%s count=%d why=%s", user.pk, deleted, why
        )
    return deleted


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The token whose key this is (with its user), its use recorded and a login token's
    life moved on; None if none is, or it expired (then it is deleted)."""
    if not key.startswith((TOKEN_PREFIX, LOGIN_PREFIX)):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(key)).first()
    if token is None or token.kind != _kind_of(key):
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        ApiToken.objects.filter(pk=token.pk).delete()
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        changes = {"last_used_at": now}
        if token.kind == ApiToken.Kind.LOGIN:
            changes["expires_at"] = now + _login_token_life()  # sliding on use
        ApiToken.objects.filter(pk=token.pk).update(**changes)
        for name, value in changes.items():
            setattr(token, name, value)
    return token


def _kind_of(key: str) -> str:
    return ApiToken.Kind.LOGIN if key.startswith(LOGIN_PREFIX) else ApiToken.Kind.NAMED


def password_changed(sender, instance, **kwargs) -> None:
    """``pre_save`` of the user model: a new password (changed, reset, set by an operator)
    revokes every login token, so a stolen one dies with the old password."""
    fields = kwargs.get("update_fields")
    if fields is not None and "password" not in fields:
        return  # a login's last_login save, say: no password to compare
    if instance.pk is None or kwargs.get("raw"):
        return
    stored = type(instance).objects.filter(pk=instance.pk).values_list("password", flat=True)
    before = stored.first()
    if before is not None and before != instance.password:
        login_tokens_revoke(user=instance, why="password")


def profile_update(
    *, user: AbstractBaseUser, affiliation: str | None = None, orcid: str | None = None
) -> Profile:
    """Change what is given (None: unchanged). An ORCID iD is checked by its check digit
    (``ValidationError`` keyed by field otherwise) and stored in its canonical form."""
    profile = Profile.objects.filter(user=user).first() or Profile(user=user)
    if affiliation is not None and " ".join(affiliation.split()) != profile.affiliation:
        profile.affiliation = " ".join(affiliation.split())
        profile.affiliation_changed_at = timezone.now()  # see submissions.conflicts: as_of
    if orcid is not None:
        try:
            profile.orcid = orcid_normalised(orcid) if orcid.strip() else ""
        except ValidationError as exc:
            raise ValidationError({"orcid": exc.messages}) from exc
    profile.save()
    return profile
