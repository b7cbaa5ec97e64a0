import threading
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from notifications.models import Kind, Notification, Preference
from submissions.access import editors_in_conflict
from submissions.selectors import paper_people

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
def _users_sql() -> str:
    """Users by id, with whether they are active and their email preferences."""
    user = get_user_model()._meta
    return (
        f"SELECT u.{user.pk.column}, u.{user.get_field('is_active').column}, "  # noqa: S608
        f"u.{user.get_field('email').column}, "
        f"u.{user.get_field(get_user_model().USERNAME_FIELD).column}, "
        + ", ".join(f"p.email_{kind}" for kind in EMAIL_KINDS)
        + f" FROM {user.db_table} u"
        f" LEFT JOIN {Preference._meta.db_table} p ON p.user_id = u.{user.pk.column}"
        f" WHERE u.{user.pk.column} = ANY(%s)"
    )


def submission_recipients(*, submission_id) -> list[Recipient]:
    """The submission's authors (its submitting author first, then its co-authors with an
    account, in the paper's order), with addresses and email preferences; empty if there is
    no such submission. Read for a whole run of events at once when the consumer's
    ``RecipientsOfRun`` has them (two statements a run, not two an event)."""
    known = RUN.recipients(submission_id)
    if known is not None:
        return known
    return submissions_recipients(submission_ids=[submission_id]).get(submission_id, [])


def submissions_recipients(*, submission_ids) -> dict:
    """``submission_recipients`` of many papers, by id, in two statements: the papers'
    people (the submissions app's), then their accounts with their email preferences."""
    return _recipients_of(paper_people(submission_ids=submission_ids))


def _recipients_of(people: dict) -> dict:
    user_ids = sorted({user_id for paper in people.values() for user_id in paper.user_ids})
    by_id = {}
    if user_ids:
        with connection.cursor() as cursor:
            cursor.execute(_users_sql(), [user_ids])
            by_id = {row[0]: row for row in cursor.fetchall()}
    return {submission_id: _recipients(paper, by_id) for submission_id, paper in people.items()}


def _recipients(paper, by_id: dict) -> list[Recipient]:
    found = []
    for user_id in paper.user_ids:
        row = by_id.get(user_id)
        # The contact hears of their paper whatever their account's state; a co-author only
        # while their account is active.
        if row is not None and (row[1] or user_id == paper.author_id):
            _, _, email, name, *wants = row
            found.append(Recipient(user_id, paper.title, email, _wants(wants), name))
    return found


class RecipientsOfRun:
    """The consumer's run hooks (``outbox.consumer.RunHooks``): the recipients of every
    paper a run of events is about, read when its transaction begins, for that transaction
    only (a consumer thread's own)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def begin(self, events) -> None:
        people = paper_people(submission_ids={event.data.submission_id for event in events})
        self._local.recipients = _recipients_of(people)
        self._local.conflicted = _editors_in_conflict(
            {submission_id: paper.author_id for submission_id, paper in people.items()}
        )

    def before_commit(self) -> None:
        """Nothing is gathered: the recipients were read at the start."""

    def end(self) -> None:
        self._local.recipients = None
        self._local.conflicted = None

    def conflicted(self) -> set | None:
        """(paper id, editor's user id) in conflict among the run's papers; None outside."""
        return getattr(self._local, "conflicted", None)

    def recipients(self, submission_id) -> list[Recipient] | None:
        """The run's recipients of a paper (empty: no such paper); None outside a run."""
        known = getattr(self._local, "recipients", None)
        return None if known is None else known.get(submission_id, [])


RUN = RecipientsOfRun()


def user_recipient(*, user_id: int) -> Recipient | None:
    """An active user as a recipient (a reviewer); None for no such active user."""
    with connection.cursor() as cursor:
        cursor.execute(_users_sql(), [[user_id]])
        row = cursor.fetchone()
    if row is None or not row[1]:
        return None
    user_id, _, email, name, *wants = row
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


def _editors_in_conflict(papers: dict) -> set:
    every = editors()
    return editors_in_conflict(papers=papers, editors=[(e.user_id, e.email) for e in every])


def editors_of(*, submission_id) -> list[Recipient]:
    """The editors who hear of a paper: every editor but those in conflict with it (they
    see it as its authors do: ``submissions.access``)."""
    conflicted = RUN.conflicted()
    if conflicted is None:
        conflicted = _editors_in_conflict({submission_id: None})  # its contact is an author row
    return [e for e in editors() if (submission_id, e.user_id) not in conflicted]


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
