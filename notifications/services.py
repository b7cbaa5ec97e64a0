"""Notifications: one per event, read through the API, emailed by a Celery task.

The consumer handlers call ``notification_create`` inside the consumer's transaction (with
the event id in the group's inbox), so a redelivered event changes nothing. The email is
enqueued only after that transaction commits; if the broker cannot take it then, the
notification stays ``pending`` and the periodic sweep enqueues it again.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from notifications.models import Kind, Notification, Preference
from notifications.selectors import Recipient

logger = logging.getLogger(__name__)

DECISION_WORDS = {
    "under_review": ("Under review", "is now under review by the editors"),
    "accepted": ("Accepted", "has been accepted"),
    "rejected": ("Not accepted", "has not been accepted"),
    "revision_requested": ("Revision requested", "needs a revision before the editors decide"),
    "withdrawn": ("Withdrawn", "has been withdrawn"),
}


@dataclass(frozen=True)
class Message:
    """What to tell an author: the notification's text and the facts it shows."""

    kind: str
    subject: str
    body: str
    link: str
    data: dict


def one_line(title: str) -> str:
    """A title fit for a subject line: no line breaks (a header injection), bounded."""
    title = " ".join(title.split())
    return title if len(title) <= 120 else title[:119] + "…"


def submission_link(submission_id) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/submissions/{submission_id}/"


def message_received(*, submission_id, title: str) -> Message:
    return Message(
        kind=Kind.RECEIVED,
        subject=f"Received: “{one_line(title)}”",
        body=(
            f"We received your paper “{one_line(title)}”. It is now being compared with earlier "
            "submissions; you will hear from us when that check is done."
        ),
        link=submission_link(submission_id),
        data={"title": title},
    )


def message_checked(*, submission_id, title: str, score: float, flagged: bool) -> Message:
    verdict = (
        "Because of that, an editor will look at the overlap before the review."
        if flagged
        else "This is below the level at which editors are asked to look at it."
    )
    return Message(
        kind=Kind.CHECKED,
        subject=f"Similarity check done: “{one_line(title)}”",
        body=(
            f"The similarity check of “{one_line(title)}” is done: {score:.0%} of its text "
            f"matches earlier submissions. {verdict} The report lists every matching passage."
        ),
        link=f"{submission_link(submission_id)}report/",
        data={"title": title, "score": score, "flagged": flagged},
    )


def message_decision(*, submission_id, title: str, to_status: str, comment: str) -> Message:
    headline, sentence = DECISION_WORDS[to_status]
    return Message(
        kind=Kind.DECISION,
        subject=f"{headline}: “{one_line(title)}”",
        body=f"Your paper “{one_line(title)}” {sentence}.",
        link=submission_link(submission_id),
        data={"title": title, "status": to_status, "comment": comment},
    )


def preference_get(*, user) -> Preference:
    """A user's preferences; the defaults (every email on) when never set."""
    return Preference.objects.filter(user=user).first() or Preference(user=user)


def preference_update(*, user, email: dict[str, bool]) -> Preference:
    preference = preference_get(user=user)
    for kind, wanted in email.items():
        setattr(preference, f"email_{Kind(kind).value}", wanted)
    preference.save()
    return preference


def notification_create(
    *, event_id, recipient: Recipient, submission_id, occurred_at: datetime, message: Message
) -> Notification:
    """Store the notification of one event and, if its recipient wants it by email, enqueue
    the email once the surrounding transaction commits.

    Called once per event: the consumer's inbox sees to that (``Notification.event_id`` is
    unique besides). One statement: the recipient comes read (``submission_recipient``)."""
    if not recipient.wants(Kind(message.kind).value):
        email = Notification.Email.OFF
    elif not recipient.email:
        email = Notification.Email.NO_ADDRESS
    else:
        email = Notification.Email.PENDING
    notification = Notification.objects.create(
        event_id=event_id,
        user_id=recipient.user_id,
        kind=message.kind,
        submission_id=submission_id,
        subject=message.subject,
        body=message.body,
        data=message.data,
        link=message.link,
        created_at=occurred_at,
        email=email,
    )
    if email == Notification.Email.PENDING:
        email_enqueue_on_commit(notification.pk)
    return notification


def email_enqueue_on_commit(notification_id) -> None:
    """Enqueue the email once the transaction commits, together with the other emails of the
    same transaction: a consumer applying a hundred events publishes one Celery message,
    which the email worker fans out (``send_emails``), not a hundred."""
    connection = transaction.get_connection()
    here = set(connection.savepoint_ids)
    for savepoints, callback, _robust in connection.run_on_commit:
        if getattr(callback, "func", None) is email_enqueue_many and set(savepoints) == here:
            callback.args[0].append(str(notification_id))
            return
    transaction.on_commit(partial(email_enqueue_many, [str(notification_id)]), robust=True)


def email_enqueue_many(notification_ids: list[str]) -> None:
    from notifications.tasks import send_emails  # tasks import this module

    send_emails.delay(notification_ids)


def notifications_mark_read(*, user, notification_ids=None) -> int:
    """Mark the user's notifications read (all unread ones when no ids); how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


def email_message(notification: Notification) -> EmailMultiAlternatives:
    """The email of a notification, as plain text and HTML. It carries what the author sees
    in the API and the link to the submission; no internal ids, no tokens."""
    user = notification.user
    context = {
        "name": user.get_full_name() or user.get_username(),
        "notification": notification,
        "comment": notification.data.get("comment", ""),
        "preferences_link": (
            f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/notifications/preferences/"
        ),
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
