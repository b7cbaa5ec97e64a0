from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from notifications.models import Kind, Notification
from submissions.models import Submission

EMAIL_KINDS = [kind.value for kind in Kind]


@dataclass(frozen=True)
class Recipient:
    """Who hears of a submission's events: its author, with what email needs to know."""

    user_id: int
    title: str  # the submission's, as it is now
    email: str
    wants_email: dict[str, bool]

    def wants(self, kind: str) -> bool:
        return self.wants_email[kind]


def submission_recipient(*, submission_id) -> Recipient | None:
    """The submission's author, address and email preferences, in one query (this runs for
    every event the notifications group applies); None if there is no such submission."""
    rows = Submission.objects.filter(pk=submission_id).values_list(
        "author_id",
        "title",
        "author__email",
        *(f"author__notification_preference__email_{kind}" for kind in EMAIL_KINDS),
    )[:1]
    if not rows:
        return None
    user_id, title, email, *wants = rows[0]
    # No preferences saved: every email on.
    return Recipient(
        user_id, title, email, {k: w is not False for k, w in zip(EMAIL_KINDS, wants, strict=True)}
    )


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
