"""What accounts add to Django's users: a verified email address, named API tokens and a
profile (affiliation, ORCID iD)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.orcid import validate_orcid


class EmailVerification(models.Model):
    """The address a user proved they read, and when. A user whose address changed since is
    unverified again (``accounts.selectors.email_verified`` compares the two)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="email_verification",
    )
    email = models.EmailField(max_length=254)
    verified_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.email} verified {self.verified_at:%Y-%m-%d}"


class ApiToken(models.Model):
    """A token: a named one an author made for an integration (``pat_``), or a login token
    ``POST /api/auth/token/`` handed out (``plt_``), which expires ``LOGIN_TOKEN_DAYS`` after
    its last use and dies with a change or reset of the password. Only a hash of the key is
    kept: the key is shown once, when it is made, and a leaked database gives no usable
    token."""

    class Kind(models.TextChoices):
        NAMED = "named", "named, for an integration"
        LOGIN = "login", "login token"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.NAMED)
    prefix = models.CharField(
        max_length=8, help_text="the key's first characters after pat_ or plt_, to tell it"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="a login token's end, moved on as it is used"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        marker = "plt_" if self.kind == self.Kind.LOGIN else "pat_"
        return f"{self.name} ({marker}{self.prefix}…)"


class Profile(models.Model):
    """What a person says of themselves beyond their account: their affiliation and ORCID iD.
    Conflicts of interest compare affiliations (``submissions.conflicts``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    affiliation = models.CharField(max_length=300, blank=True)
    affiliation_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="when its owner last changed the affiliation (empty: not since this was kept)",
    )
    orcid = models.CharField("ORCID iD", max_length=19, blank=True, validators=[validate_orcid])

    def __str__(self) -> str:
        return f"profile of {self.user}"
