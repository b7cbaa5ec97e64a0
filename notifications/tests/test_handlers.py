"""Each event becomes exactly one notification for the submission's author."""

import logging
import uuid
from datetime import UTC, datetime

import pytest

from contracts.topics import Topic, topic_name
from harness import running_consumer, wait_until
from notifications.handlers import (
    GROUP,
    handle_paper_uploaded,
    handle_plagiarism_checked,
    handle_submission_decided,
)
from notifications.models import Kind, Notification, Preference
from outbox.models import DeadLetter, ProcessedEvent
from outbox.tests.factories import (
    PaperUploadedFactory,
    PlagiarismCheckedFactory,
    SubmissionDecidedFactory,
)
from outbox.tests.test_consumer import send
from outbox.wire import ReceivedEvent
from submissions.models import Submission
from submissions.tests.factories import UserFactory
from submissions.workflow import status_label

WHEN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def received(data) -> ReceivedEvent:
    return ReceivedEvent(id=uuid.uuid4(), time=WHEN, data=data)


def submission_of(author, title="Provenance of scholarly text") -> Submission:
    return Submission.objects.create(
        author=author, title=title, text="words " * 20, word_count=20, content_hash="0" * 64
    )


def uploaded(author, title="Provenance of scholarly text"):
    """A ``paper_uploaded`` event of a submission that exists, as the upload publishes it."""
    paper = submission_of(author, title)
    return PaperUploadedFactory(submission_id=paper.pk, author_id=author.pk, title=title)


@pytest.mark.django_db
def test_an_upload_tells_its_author_the_paper_was_received(settings):
    settings.PUBLIC_BASE_URL = "https://papers.example.org"
    author = UserFactory()
    event = received(uploaded(author, title="Provenance of text"))
    handle_paper_uploaded(event)

    (notification,) = Notification.objects.all()
    assert notification.user == author and notification.kind == Kind.RECEIVED
    assert notification.event_id == event.id and notification.created_at == WHEN
    assert notification.subject == "Your paper has been received: “Provenance of text”"
    assert "We received your paper “Provenance of text”" in notification.body
    submission_id = event.data.submission_id
    assert notification.link == f"https://papers.example.org/papers/{submission_id}/"
    assert notification.read_at is None


@pytest.mark.django_db
def test_a_check_tells_the_score_and_the_flag_with_a_link_to_the_report(settings):
    settings.PUBLIC_BASE_URL = "https://papers.example.org"
    submission = submission_of(UserFactory())
    event = received(
        PlagiarismCheckedFactory(submission_id=submission.pk, overall_score=0.234, flagged=True)
    )
    handle_plagiarism_checked(event)

    (notification,) = Notification.objects.all()
    assert notification.user_id == submission.author_id and notification.kind == Kind.CHECKED
    assert notification.data == {"title": submission.title, "score": 0.234, "flagged": True}
    assert "23% of its text matches earlier texts by others" in notification.body
    assert "an editor will look at the overlap" in notification.body
    assert notification.link == (f"https://papers.example.org/papers/{submission.pk}/report/")


@pytest.mark.django_db
def test_a_clean_check_says_it_was_not_flagged():
    submission = submission_of(UserFactory())
    handle_plagiarism_checked(
        received(
            PlagiarismCheckedFactory(submission_id=submission.pk, overall_score=0.02, flagged=False)
        )
    )
    notification = Notification.objects.get()
    assert "2% of its text" in notification.body and "It was not flagged." in notification.body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("to_status", "subject", "sentence"),
    [
        ("accepted", "Accepted", "has been accepted"),
        ("rejected", "Not accepted", "has not been accepted"),
        ("revision_requested", "The editors ask for a revision", "needs a revision"),
        ("under_review", "Under review", "is now being reviewed by the editors"),
    ],
)
def test_a_decision_tells_the_decision_and_the_editors_comment(to_status, subject, sentence):
    submission = submission_of(UserFactory(), title="Fingerprints")
    comment = "Please shorten section 3.\nThe proofs are fine."
    handle_submission_decided(
        received(
            SubmissionDecidedFactory(
                submission_id=submission.pk, to_status=to_status, comment=comment
            )
        )
    )
    notification = Notification.objects.get()
    assert notification.kind == Kind.DECISION
    assert notification.subject == f"{subject}: “Fingerprints”"
    assert sentence in notification.body
    assert notification.body.endswith(f"The editors write:\n\n{comment}")
    assert notification.data == {
        "title": "Fingerprints",
        "status": to_status,
        "status_label": status_label(to_status),
        "comment": comment,
    }


@pytest.mark.django_db
def test_an_upload_is_told_to_the_submissions_author_whatever_the_payload_says():
    author, stranger = UserFactory(), UserFactory()
    paper = submission_of(author, title="Whose paper")
    forged = PaperUploadedFactory(submission_id=paper.pk, author_id=stranger.pk, title="Forged")
    handle_paper_uploaded(received(forged))
    (notification,) = Notification.objects.all()
    assert notification.user == author
    assert notification.subject == "Your paper has been received: “Whose paper”"


@pytest.mark.django_db
def test_an_upload_of_a_submission_that_does_not_exist_is_skipped_with_a_reason(caplog):
    event = received(PaperUploadedFactory(author_id=987654))
    with caplog.at_level(logging.WARNING, logger="notifications"):
        handle_paper_uploaded(event)
    assert not Notification.objects.exists()
    assert f"notifications.skipped reason=unknown_submission event_id={event.id}" in caplog.text


@pytest.mark.django_db
def test_an_event_about_a_submission_that_is_gone_is_skipped_with_a_reason(caplog):
    event = received(PlagiarismCheckedFactory())  # no such submission
    with caplog.at_level(logging.WARNING, logger="notifications"):
        handle_plagiarism_checked(event)
    assert not Notification.objects.exists()
    assert "notifications.skipped reason=unknown_submission" in caplog.text


@pytest.mark.django_db
def test_the_email_is_enqueued_after_commit_only_when_wanted(django_capture_on_commit_callbacks):
    wants, declines, no_address = UserFactory(), UserFactory(), UserFactory(email="")
    Preference.objects.create(user=declines, email_received=False)
    with django_capture_on_commit_callbacks() as callbacks:
        for user in (wants, declines, no_address):
            handle_paper_uploaded(received(uploaded(user)))
    states = dict(Notification.objects.values_list("user_id", "email"))
    assert states == {
        wants.pk: Notification.Email.PENDING,
        declines.pk: Notification.Email.OFF,
        no_address.pk: Notification.Email.NO_ADDRESS,
    }
    assert len(callbacks) == 1  # only the wanted email is enqueued


@pytest.mark.django_db(transaction=True)
def test_through_kafka_a_second_delivery_and_an_unknown_submission_change_nothing(kafka_topics):
    author = UserFactory()
    upload = uploaded(author)
    ghost = PaperUploadedFactory(author_id=author.pk)  # of no submission
    papers = topic_name(Topic.PAPER_UPLOADED)
    first = send(papers, upload)
    again = send(papers, upload, event_id=uuid.UUID(first))  # the relay resent it
    lost = send(papers, ghost, submission_exists=False)
    assert again == first
    with running_consumer(GROUP, backoff_seconds=0.01):
        wait_until(
            lambda: ProcessedEvent.objects.filter(group="notifications").count() == 2,
            timeout=60,
            what="both events applied",
        )
    # One key, one partition: the resent copy lies between the two and was read too.
    assert Notification.objects.count() == 1
    assert Notification.objects.get().event_id == uuid.UUID(first)
    assert ProcessedEvent.objects.filter(group="notifications", event_id=lost).exists()
    assert not DeadLetter.objects.exists()  # an unknown submission is not a bug to dead-letter


@pytest.mark.django_db
def test_a_run_of_events_reads_its_recipients_and_writes_its_notifications_once():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.handlers import GROUP
    from outbox.consumer.apply import Applier

    def statements(count: int) -> tuple[int, int, int]:
        events = [received(uploaded(UserFactory(), title=f"Paper {n}")) for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            result = Applier(GROUP).run(events)
        assert result.outcomes == ["handled"] * count
        sql = [q["sql"] for q in queries.captured_queries]
        reads = sum("ARRAY(SELECT a.user_id" in q for q in sql)
        writes = sum(q.startswith('INSERT INTO "notifications_notification"') for q in sql)
        made = Notification.objects.filter(event_id__in=[e.id for e in events]).count()
        return reads, writes, made

    assert statements(1) == (1, 1, 1)
    assert statements(6) == (1, 1, 6)  # one read and one write for the run, six notifications
