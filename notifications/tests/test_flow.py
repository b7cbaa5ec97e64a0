"""The whole system for one paper: upload through the API, the relay, the plagiarism,
notifications and analytics consumers and a real Celery worker; the author reads what
happened in the API and by email, the editor sees it in the analytics summary."""

import pytest

from analytics.handlers import GROUP as ANALYTICS
from harness import WaitTimeout, client_for, running_consumer, wait_until
from notifications.handlers import GROUP as NOTIFICATIONS
from notifications.models import Notification
from notifications.tests.test_email import sent_messages
from plagiarism.handlers import GROUP as PLAGIARISM
from plagiarism.tests.factories import prose
from plagiarism.tests.test_flow import relay_all
from submissions.models import Status, Submission
from submissions.services import submission_decide, submission_start_review
from submissions.tests.factories import EditorFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def celery_worker_env(tmp_path) -> dict[str, str]:
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }


def test_an_author_hears_of_each_step_and_the_editor_sees_it_counted(
    kafka_topics, celery_worker, tmp_path
):
    author, editor = UserFactory(), EditorFactory()
    api = client_for(author)
    response = api.post(
        "/api/submissions/", {"title": "Tracing passages", "text": prose(7, 200)}, format="json"
    )
    assert response.status_code == 201
    submission = Submission.objects.get(pk=response.json()["id"])

    with (
        running_consumer(PLAGIARISM),
        running_consumer(NOTIFICATIONS),
        running_consumer(ANALYTICS),
    ):
        relay_all()
        wait_until(
            lambda: Submission.objects.get(pk=submission.pk).status == Status.CHECKED,
            timeout=60,
            what="the plagiarism check",
        )
        relay_all()  # plagiarism_checked
        submission_start_review(submission=submission, editor=editor)
        submission.refresh_from_db()
        submission_decide(
            submission=submission, decision="accepted", editor=editor, comment="Well argued."
        )
        relay_all()
        wait_until(
            lambda: Notification.objects.filter(user=author).count() == 4,
            timeout=60,
            what="four notifications",
        )
        wait_until(
            lambda: (
                client_for(editor).get("/api/analytics/summary/").json()["decisions"]["accepted"]
                == 1
            ),
            timeout=60,
            what="the analytics consumer",
        )
        summary = client_for(editor).get("/api/analytics/summary/").json()

    body = api.get("/api/notifications/").json()
    assert body["unread"] == 4
    assert [n["kind"] for n in body["results"]] == ["decision", "decision", "checked", "received"]
    assert body["results"][0]["data"]["comment"] == "Well argued."
    assert body["results"][0]["subject"] == "Accepted: “Tracing passages”"

    assert summary["total"] == 1 and summary["by_status"]["accepted"] == 1
    assert summary["scores"]["checked"] == 1 and summary["time_to_check"]["count"] == 1
    assert summary["decisions"]["under_review"] == 1

    # Four emails to the author, and the editor's notice of a new submission.
    folder = tmp_path / "mail"
    try:
        messages = wait_until(
            lambda: len(sent_messages(folder)) >= 5 and sent_messages(folder),
            timeout=60,
            what="five emails",
        )
    except WaitTimeout as exc:
        got = [(m["To"], m["Subject"]) for m in sent_messages(folder)]
        states = list(Notification.objects.values_list("user_id", "kind", "email", "email_error"))
        raise AssertionError(f"{exc}: sent {got}; notifications {states}") from exc
    assert sorted(message["To"] for message in messages) == sorted(
        [author.email] * 4 + [editor.email]
    )
    (notice,) = Notification.objects.filter(user=editor)
    assert notice.kind == "new_submission" and "Tracing passages" in notice.subject
