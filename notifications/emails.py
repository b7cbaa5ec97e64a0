"""Sending a notification's email: once, with retries counted, never while it is off."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from notifications.messages import one_line, preferences_link, reviewing_link, signup_link
from notifications.models import EDITOR_KINDS, REVIEWER_KINDS, Notification
from notifications.preferences import preference_get
from reviews.selectors import invitation_for_email
from reviews.services import invitation_emailed


def email_message(notification: Notification) -> EmailMultiAlternatives:
    """The email of a notification, as plain text and HTML. It carries what the author sees
    in the API and the link to the submission; no internal ids, no tokens."""
    user = notification.user
    context = {
        "name": user.get_full_name() or user.get_username(),
        "notification": notification,
        "for_editors": notification.kind in EDITOR_KINDS,
        "for_reviewers": notification.kind in REVIEWER_KINDS,
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


def invitation_email_send(*, invitation_id) -> bool:
    """Email an invitation to review to an address that has no account yet, with a sign-up
    link (the invitation waits in Reviewing once the address is confirmed). Sent once: the
    invitation is marked in the same transaction; False when there is nothing to send."""
    with transaction.atomic():
        invitation = invitation_for_email(invitation_id=invitation_id)
        if invitation is None:
            return False
        context = {
            "title": one_line(invitation.submission.title),
            "due": invitation.due,
            "signup_link": signup_link(invitation.email),
            "reviewing_link": reviewing_link(),
        }
        EmailMultiAlternatives(
            subject=f"Will you review “{context['title']}”?",
            body=render_to_string("notifications/email/invitation.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[invitation.email],
        ).send()
        invitation_emailed(invitation=invitation)
    return True
