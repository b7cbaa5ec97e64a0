"""Notifications: made from events, read through the API, emailed by a Celery task.

The consumer handlers call ``notification_create`` inside the consumer's transaction (with
the event id in the group's inbox), so a redelivered event changes nothing. The email is
enqueued only after that transaction commits; if the broker cannot take it then, the
notification stays ``pending`` and the periodic sweep enqueues it again.

The parts: ``messages`` (what people read), ``preferences``, ``emails`` (sending, run by
``tasks``) and this module (creating notifications and enqueueing their emails).
"""

import logging
import threading
from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from notifications.messages import Message
from notifications.models import Kind, Notification
from notifications.selectors import Recipient
from notifications.tasks import send_emails, send_invitation_email

logger = logging.getLogger(__name__)


def notification_create(
    *, event_id, recipient: Recipient, submission_id, occurred_at: datetime, message: Message
) -> Notification:
    """Store the notification of one event and, if its recipient wants it by email, enqueue
    the email once the surrounding transaction commits.

    Called once per event: the consumer's inbox sees to that (``Notification.event_id`` is
    unique besides). One statement: the recipient comes read (``submission_recipients``)."""
    if not recipient.wants(Kind(message.kind).value):
        email = Notification.Email.OFF
    elif not recipient.email:
        email = Notification.Email.NO_ADDRESS
    else:
        email = Notification.Email.PENDING
    notification = Notification(
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
    if not PENDING.add(notification):
        notification.save(force_insert=True)
    if email == Notification.Email.PENDING:
        email_enqueue_on_commit(notification.pk)
    return notification


class PendingNotifications:
    """The consumer's run hooks (``outbox.consumer.RunHooks``): a run's notifications
    written in one statement before its transaction commits (with the events' inbox rows)."""

    def __init__(self) -> None:
        self._local = threading.local()  # a consumer thread's own transaction

    def begin(self, events) -> None:
        self._local.pending = []

    def add(self, notification: Notification) -> bool:
        """Keep it for the run's statement; False outside a consumer's run."""
        pending = getattr(self._local, "pending", None)
        if pending is None:
            return False
        pending.append(notification)
        return True

    def before_commit(self) -> None:
        if self._local.pending:
            Notification.objects.bulk_create(self._local.pending, batch_size=500)

    def end(self) -> None:
        self._local.pending = None


PENDING = PendingNotifications()


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
    send_emails.delay(notification_ids)


def notifications_mark_read(*, user, notification_ids=None) -> int:
    """Mark the user's notifications read (all unread ones when no ids); how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


def invitation_email_enqueue_on_commit(invitation_id: str) -> None:
    """Email an invitation to an address without an account once the transaction commits
    (the sweep sends it later if the broker cannot take it then)."""
    transaction.on_commit(partial(send_invitation_email.delay, invitation_id), robust=True)
