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
    The submitting author's row, with the ids of the co-authors who have an account (most
    papers' list is empty: one statement then, as before co-authors; a UNION of both kinds
    in one statement cost a sixth of the group's speed)."""
    user = get_user_model()._meta
    return (
        f"SELECT s.author_id, s.title, u.{user.get_field('email').column}, "  # noqa: S608
        f"u.{user.get_field(get_user_model().USERNAME_FIELD).column}, "
        + ", ".join(f"p.email_{kind}" for kind in EMAIL_KINDS)
        + f", ARRAY(SELECT a.user_id FROM {PaperAuthor._meta.db_table} a"  # noqa: S608
        " WHERE a.submission_id = s.id AND a.user_id <> s.author_id ORDER BY a.position)"
        f" FROM {Submission._meta.db_table} s"
        f" JOIN {user.db_table} u ON u.{user.pk.column} = s.author_id"
        f" LEFT JOIN {Preference._meta.db_table} p ON p.user_id = s.author_id"
        " WHERE s.id = %s"
    )


@cache
def _users_sql() -> str:
    user = get_user_model()._meta
    return (
        f"SELECT u.{user.pk.column}, u.{user.get_field('email').column}, "  # noqa: S608
        f"u.{user.get_field(get_user_model().USERNAME_FIELD).column}, "
        + ", ".join(f"p.email_{kind}" for kind in EMAIL_KINDS)
        + f" FROM {user.db_table} u"
        f" LEFT JOIN {Preference._meta.db_table} p ON p.user_id = u.{user.pk.column}"
        f" WHERE u.{user.pk.column} = ANY(%s) AND u.{user.get_field('is_active').column}"
    )


def submission_recipients(*, submission_id) -> list[Recipient]:
    """The submission's authors (its submitting author first, then its co-authors with an
    account, in the paper's order), with addresses and email preferences; empty if there is
    no such submission. One statement for a paper without co-authors (this runs for every
    event the notifications group applies, so it skips the ORM's query building)."""
    with connection.cursor() as cursor:
        cursor.execute(_recipient_sql(), [submission_id])
        row = cursor.fetchone()
        if row is None:
            return []
        user_id, title, email, name, *wants, coauthor_ids = row
        found = [Recipient(user_id, title, email, _wants(wants), name)]
        if coauthor_ids:
            cursor.execute(_users_sql(), [coauthor_ids])
            by_id = {row[0]: row for row in cursor.fetchall()}
            for coauthor in coauthor_ids:
                if coauthor in by_id:
                    _, email, name, *wants = by_id[coauthor]
                    found.append(Recipient(coauthor, title, email, _wants(wants), name))
    return found


def user_recipient(*, user_id: int) -> Recipient | None:
    """An active user as a recipient (a reviewer); None for no such active user."""
    with connection.cursor() as cursor:
        cursor.execute(_users_sql(), [[user_id]])
        row = cursor.fetchone()
    if row is None:
        return None
    user_id, email, name, *wants = row
    return Recipient(user_id, "", email, _wants(wants), name)


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
