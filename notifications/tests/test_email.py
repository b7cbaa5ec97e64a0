"""Emails: their content, the author's switch, and the task on a real Celery worker."""

import email
import socket
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from django.core import mail
from django.db import transaction

from harness import wait_until
from notifications.emails import notification_email_send
from notifications.handlers import handle_paper_uploaded, handle_submission_decided
from notifications.models import Notification, Preference
from notifications.services import email_enqueue_on_commit
from notifications.tasks import sweep_pending_email
from notifications.tests.factories import NotificationFactory
from notifications.tests.test_handlers import WHEN, received, submission_of, uploaded
from outbox.tests.factories import SubmissionDecidedFactory
from submissions.tests.factories import UserFactory


@pytest.fixture
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PUBLIC_BASE_URL = "https://papers.example.org"
    mail.outbox.clear()


@pytest.mark.django_db
def test_the_email_is_plain_text_and_html_with_the_comment_escaped_and_no_internal_ids(
    locmem_email,
):
    author = UserFactory(first_name="Ada", last_name="Lovelace")
    submission = submission_of(author, title="Engines <of> analysis")
    comment = "Fix <script>alert(1)</script> & resubmit."
    event = received(
        SubmissionDecidedFactory(
            submission_id=submission.pk, to_status="revision_requested", comment=comment
        )
    )
    handle_submission_decided(event)
    notification = Notification.objects.get()

    assert notification_email_send(notification_id=notification.pk) is True
    (message,) = mail.outbox
    assert message.to == [author.email]
    assert message.subject == "The editors ask for a revision: “Engines <of> analysis”"
    assert "Dear Ada Lovelace," in message.body
    assert comment in message.body  # plain text is not escaped
    link = f"https://papers.example.org/papers/{submission.pk}/"
    assert link in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; resubmit." in html
    assert "<script>" not in html
    assert f'href="{link}"' in html
    for secret in (str(event.id), str(notification.pk), str(author.pk) + "@", author.password):
        assert secret not in message.body and secret not in html
    notification.refresh_from_db()
    assert notification.email == Notification.Email.SENT and notification.emailed_at


@pytest.mark.django_db
def test_an_email_is_sent_once_however_often_the_task_runs(locmem_email):
    notification = NotificationFactory()
    assert notification_email_send(notification_id=notification.pk) is True
    assert notification_email_send(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_an_email_turned_off_after_the_notification_is_not_sent(locmem_email):
    notification = NotificationFactory(kind="decision")
    Preference.objects.create(user=notification.user, email_decision=False)
    assert notification_email_send(notification_id=notification.pk) is False
    assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.email == Notification.Email.OFF


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mail_dir(tmp_path) -> Path:
    return tmp_path / "mail"


@pytest.fixture
def celery_worker_env(request, mail_dir) -> dict[str, str]:
    if request.node.get_closest_marker("smtp_down"):
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(free_port()),  # nothing listens: connection refused
            "EMAIL_TIMEOUT": "2",
            "NOTIFICATION_EMAIL_MAX_RETRIES": "2",
            "NOTIFICATION_EMAIL_BACKOFF_SECONDS": "0.2",
        }
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }


def sent_messages(folder: Path) -> list[email.message.Message]:
    if not folder.exists():
        return []
    return [email.message_from_bytes(path.read_bytes()) for path in sorted(folder.iterdir())]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_email_enqueued_on_commit(celery_worker, mail_dir, settings):
    author = UserFactory()
    with transaction.atomic():  # as the consumer runs a handler
        handle_paper_uploaded(received(uploaded(author, title="Winnowing revisited")))
    messages = wait_until(lambda: sent_messages(mail_dir), timeout=60, what="the email file")
    (message,) = messages
    assert message["To"] == author.email
    assert str(make_header(decode_header(message["Subject"]))) == (
        "Your paper has been received: “Winnowing revisited”"
    )
    assert message.is_multipart()
    kinds = {part.get_content_type() for part in message.walk()}
    assert {"text/plain", "text/html"} <= kinds
    notification = Notification.objects.get()
    wait_until(
        lambda: Notification.objects.filter(pk=notification.pk, email="sent").exists(),
        timeout=30,
        what="the notification marked sent",
    )


@pytest.mark.smtp_down
@pytest.mark.django_db(transaction=True)
def test_an_unreachable_mail_server_is_retried_with_backoff_then_recorded_as_failed(
    celery_worker,
):
    notification = NotificationFactory()
    with transaction.atomic():
        email_enqueue_on_commit(notification.pk)
    wait_until(
        lambda: Notification.objects.filter(pk=notification.pk, email="failed").exists(),
        timeout=90,
        what="the email given up as failed",
    )
    notification.refresh_from_db()
    assert notification.email_attempts == 3  # the first try and two retries
    assert "Connection refused" in notification.email_error or "Errno" in notification.email_error


@pytest.mark.django_db(transaction=True)
def test_the_sweep_enqueues_an_email_whose_enqueue_was_lost(celery_worker, mail_dir):
    lost = NotificationFactory(created_at=WHEN)  # pending, never tried, long ago
    NotificationFactory(email=Notification.Email.OFF, created_at=WHEN)
    assert sweep_pending_email() == 1
    wait_until(lambda: sent_messages(mail_dir), timeout=60, what="the swept email")
    wait_until(
        lambda: Notification.objects.filter(pk=lost.pk, email="sent").exists(),
        timeout=30,
        what="the swept email marked sent",
    )
    assert sweep_pending_email() == 0
