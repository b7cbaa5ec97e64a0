from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from notifications.models import Kind, Notification, Preference
from submissions.models import PaperAuthor, Submission

EMAIL_KINDS = [kind.value for kind in Kind]


@dataclass(frozen=True)
class Recipient:
    """Who hears of an event, with what email needs to know: a submission's author (with
    its title and their name), or an editor."""

    user_id: int
    title: str  # the submission's, as it is now ("" for an editor)
    email: str
    wants_email: dict[str, bool]
    name: str = ""

    def wants(self, kind: str) -> bool:
        return self.wants_email[kind]


@cache
def _recipient_sql() -> str:
    """Built on first use (the apps must be loaded), then kept: it runs for every event.
    The submitting author first, then the co-authors with a linked, active account."""
    user = get_user_model()._meta
    authors = PaperAuthor._meta.db_table
    return (
        f"SELECT r.user_id, s.title, u.{user.get_field('email').column}, "  # noqa: S608
        f"u.{user.get_field(get_user_model().USERNAME_FIELD).column}, "
        + ", ".join(f"p.email_{kind}" for kind in EMAIL_KINDS)
        + f" FROM {Submission._meta.db_table} s"  # noqa: S608
        " CROSS JOIN LATERAL (SELECT s.author_id AS user_id, 0 AS n UNION"
        f" SELECT a.user_id, a.position FROM {authors} a"
        " WHERE a.submission_id = s.id AND a.user_id IS NOT NULL"
        " AND a.user_id <> s.author_id) r"
        f" JOIN {user.db_table} u ON u.{user.pk.column} = r.user_id"
        f" LEFT JOIN {Preference._meta.db_table} p ON p.user_id = r.user_id"
        f" WHERE s.id = %s AND (r.n = 0 OR u.{user.get_field('is_active').column})"
        " ORDER BY r.n"
    )


def submission_recipients(*, submission_id) -> list[Recipient]:
    """The submission's authors (its submitting author first, then co-authors with an
    account), with addresses and email preferences, in one statement (this runs for every
    event the notifications group applies, so it skips the ORM's query building); empty if
    there is no such submission."""
    with connection.cursor() as cursor:
        cursor.execute(_recipient_sql(), [submission_id])
        rows = cursor.fetchall()
    return [
        Recipient(user_id, title, email, _wants(wants), name)
        for user_id, title, email, name, *wants in rows
    ]


def submission_recipient(*, submission_id) -> Recipient | None:
    """The submission's submitting author (its contact); None if there is no submission."""
    found = submission_recipients(submission_id=submission_id)
    return found[0] if found else None


def user_recipient(*, user_id: int) -> Recipient | None:
    """An active user as a recipient (a reviewer); None for no such active user."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    preference = Preference.objects.filter(user=user).first()
    wants = [getattr(preference, f"email_{kind}") if preference else None for kind in EMAIL_KINDS]
    return Recipient(user.pk, "", user.email, _wants(wants), user.get_username())


def _wants(row) -> dict[str, bool]:
    """No preferences saved (NULLs from the outer join): every email on."""
    return {kind: wanted is not False for kind, wanted in zip(EMAIL_KINDS, row, strict=True)}


@cache
def _editors_sql() -> str:
    user = get_user_model()._meta
    return (
        f"SELECT u.{user.pk.column}, u.{user.get_field('email').column}, "  # noqa: S608
        + ", ".join(f"p.email_{kind}" for kind in EMAIL_KINDS)
        + f" FROM {user.db_table} u"
        f" LEFT JOIN {Preference._meta.db_table} p ON p.user_id = u.{user.pk.column}"
        " WHERE u.is_staff AND u.is_active ORDER BY 1"
    )


def editors() -> list[Recipient]:
    """Every active editor (staff), with their address and email preferences. Read once per
    transaction: the consumer applies a poll's events in one, and asking again for each
    event cost a quarter of its throughput."""
    transaction_block = next(
        (block for block in connection.atomic_blocks if not block._from_testcase), None
    )
    cached = getattr(connection, "_papers_editors", None)
    if transaction_block is not None and cached is not None and cached[0] is transaction_block:
        return cached[1]
    with connection.cursor() as cursor:
        cursor.execute(_editors_sql())
        rows = cursor.fetchall()
    found = [Recipient(user_id, "", email, _wants(wants)) for user_id, email, *wants in rows]
    connection._papers_editors = (transaction_block, found) if transaction_block else None
    return found


def notifications_of(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """A user's own notifications, newest first."""
    notifications = Notification.objects.filter(user=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications


def unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def emails_never_enqueued(*, older_than: timedelta, limit: int = 500) -> list[str]:
    """Pending emails never tried for a while: their enqueue was lost (broker down)."""
    cutoff = timezone.now() - older_than
    waiting = Notification.objects.filter(
        email=Notification.Email.PENDING, email_attempts=0, created_at__lt=cutoff
    )
    return [str(pk) for pk in waiting.values_list("pk", flat=True)[:limit]]
