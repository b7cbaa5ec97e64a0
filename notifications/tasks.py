import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from notifications.emails import (
    invitation_email_send,
    notification_email_attempt_failed,
    notification_email_send,
)
from notifications.selectors import emails_never_enqueued
from reviews.selectors import invitation_emails_waiting

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="notifications.send_email", acks_late=True)
def send_email(self, notification_id: str) -> dict:
    """Send one notification's email (at most once it succeeded). A failure (the mail server
    down or refusing) is retried with exponential backoff, then recorded as failed."""
    try:
        sent = notification_email_send(notification_id=notification_id)
    except Exception as exc:
        final = self.request.retries >= settings.NOTIFICATION_EMAIL_MAX_RETRIES
        error = f"{type(exc).__name__}: {exc}"
        notification_email_attempt_failed(notification_id=notification_id, error=error, final=final)
        logger.warning(
            "notifications.email_failed notification_id=%s attempt=%d final=%s error=%s",
            notification_id,
            self.request.retries + 1,
            final,
            error,
        )
        if final:
            return {"notification_id": notification_id, "sent": False}
        countdown = min(3600, settings.NOTIFICATION_EMAIL_BACKOFF_SECONDS * 2**self.request.retries)
        raise self.retry(exc=exc, countdown=countdown) from exc
    return {"notification_id": notification_id, "sent": sent}


@shared_task(name="notifications.send_emails")
def send_emails(notification_ids: list[str]) -> int:
    """The emails of one transaction's notifications, each sent by a task of its own (its
    own retries): the fan-out happens here, on the email worker, not in the consumer."""
    for notification_id in notification_ids:
        send_email.delay(notification_id)
    return len(notification_ids)


@shared_task(bind=True, name="notifications.send_invitation_email", acks_late=True)
def send_invitation_email(self, invitation_id: str) -> dict:
    """Email an invitation to review to an address with no account (once it succeeded);
    retried with backoff while the mail server fails."""
    try:
        sent = invitation_email_send(invitation_id=invitation_id)
    except Exception as exc:
        logger.warning(
            "notifications.invitation_email_failed invitation_id=%s attempt=%d error=%s",
            invitation_id,
            self.request.retries + 1,
            f"{type(exc).__name__}: {exc}",
        )
        if self.request.retries >= settings.NOTIFICATION_EMAIL_MAX_RETRIES:
            return {"invitation_id": invitation_id, "sent": False}
        countdown = min(3600, settings.NOTIFICATION_EMAIL_BACKOFF_SECONDS * 2**self.request.retries)
        raise self.retry(exc=exc, countdown=countdown) from exc
    return {"invitation_id": invitation_id, "sent": sent}


@shared_task(name="notifications.sweep_pending_email")
def sweep_pending_email() -> int:
    """Periodic (Celery beat): enqueue the emails whose enqueue after commit was lost
    (notifications', and invitations' to addresses without an account)."""
    older_than = timedelta(minutes=settings.NOTIFICATION_EMAIL_SWEEP_AFTER_MINUTES)
    waiting = emails_never_enqueued(older_than=older_than)
    for notification_id in waiting:
        send_email.delay(notification_id)
    invitations = invitation_emails_waiting(older_than=older_than)
    for invitation_id in invitations:
        send_invitation_email.delay(invitation_id)
    waiting = waiting + invitations
    if waiting:
        logger.warning("notifications.sweep_enqueued count=%d", len(waiting))
    return len(waiting)
