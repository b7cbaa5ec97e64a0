from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from notifications.models import Notification


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
