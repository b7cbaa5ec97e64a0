"""Sending a notification's email: once, with retries counted, never while it is off."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from notifications.messages import preferences_link
from notifications.models import EDITOR_KINDS, Notification
from notifications.preferences import preference_get


def email_message(notification: Notification) -> EmailMultiAlternatives:
    """The email of a notification, as plain text and HTML. It carries what the author sees
    in the API and the link to the submission; no internal ids, no tokens."""
    user = notification.user
    context = {
        "name": user.get_full_name() or user.get_username(),
        "notification": notification,
        "for_editors": notification.kind in EDITOR_KINDS,
        "preferences_link": preferences_link(),
    }
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=render_to_string("notifications/email/notification.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("notifications/email/notification.html", context), "text/html"
    )
    return message


def notification_email_send(*, notification_id) -> bool:
    """Send a notification's email if it is still to be sent; True if this call sent it.

    The row stays locked while the mail server answers, so two deliveries of the task cannot
    both send. Raises what the backend raises (the task retries)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.email != Notification.Email.PENDING:
            return False
        if not preference_get(user=notification.user).wants_email(notification.kind):
            notification.email = Notification.Email.OFF  # turned off since
        elif not notification.user.email:
            notification.email = Notification.Email.NO_ADDRESS
        else:
            email_message(notification).send()
            notification.email = Notification.Email.SENT
            notification.emailed_at = timezone.now()
            notification.email_attempts += 1
            notification.email_error = ""
        notification.save(update_fields=["email", "emailed_at", "email_attempts", "email_error"])
        return notification.email == Notification.Email.SENT


def notification_email_attempt_failed(*, notification_id, error: str, final: bool) -> None:
    """Count a failed attempt; after the last one, the email is given up as failed."""
    updates = {"email_error": error[:500]}
    if final:
        updates["email"] = Notification.Email.FAILED
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.email != Notification.Email.PENDING:
            return
        notification.email_attempts += 1
        for field, value in updates.items():
            setattr(notification, field, value)
        notification.save(update_fields=["email_attempts", *updates])
