"""Editors' notices: each kind to every active editor, switchable by email per editor; and
what authors hear of versions, withdrawals and failed checks."""

import pytest
from rest_framework.test import APIClient

from contracts.events import PlagiarismCheckFailed
from harness import client_for
from notifications.handlers import (
    handle_paper_uploaded,
    handle_plagiarism_check_failed,
    handle_plagiarism_checked,
    handle_submission_decided,
)
from notifications.models import EDITOR_KINDS, Kind, Notification, Preference
from notifications.tests.test_handlers import received, submission_of
from outbox.tests.factories import (
    PaperUploadedFactory,
    PlagiarismCheckedFactory,
    SubmissionDecidedFactory,
)
from submissions.tests.factories import EditorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(settings):
    settings.PUBLIC_BASE_URL = "https://papers.example.org"
    editors = [EditorFactory(), EditorFactory()]
    EditorFactory(is_active=False)  # a former editor hears nothing
    return editors


def notices(kind: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind).order_by("user_id"))


def test_a_new_submission_is_told_to_every_active_editor(office):
    author = UserFactory(username="ada")
    paper = submission_of(author, title="Engines")
    handle_paper_uploaded(received(PaperUploadedFactory(submission_id=paper.pk)))
    told = notices(Kind.NEW_SUBMISSION)
    assert [n.user for n in told] == office
    assert told[0].subject == "New submission: “Engines”"
    assert told[0].body.startswith("ada submitted “Engines”.")
    assert told[0].link == (
        f"https://papers.example.org/admin/submissions/submission/{paper.pk}/change/"
    )
    (to_author,) = Notification.objects.filter(user=author)
    assert to_author.kind == Kind.RECEIVED


def test_a_revision_is_told_to_its_author_and_to_the_editors(office):
    author = UserFactory(username="ada")
    paper = submission_of(author, title="Engines")
    handle_paper_uploaded(received(PaperUploadedFactory(submission_id=paper.pk, paper_version=2)))
    (to_author,) = Notification.objects.filter(user=author)
    assert to_author.subject == "Version 2 of your paper has been received: “Engines”"
    told = notices(Kind.REVISION_RECEIVED)
    assert len(told) == 2 and told[0].subject == "Revision received (version 2): “Engines”"
    # Its return to the editors (a decision to "submitted") is not told to the author twice.
    handle_submission_decided(
        received(
            SubmissionDecidedFactory(
                submission_id=paper.pk, from_status="revision_requested", to_status="submitted"
            )
        )
    )
    assert Notification.objects.filter(user=author).count() == 1


def test_only_a_flagged_check_is_told_to_the_editors(office):
    paper = submission_of(UserFactory(), title="Copied")
    handle_plagiarism_checked(
        received(PlagiarismCheckedFactory(submission_id=paper.pk, overall_score=0.04))
    )
    assert notices(Kind.FLAGGED) == []
    handle_plagiarism_checked(
        received(PlagiarismCheckedFactory(submission_id=paper.pk, overall_score=0.61, flagged=True))
    )
    told = notices(Kind.FLAGGED)
    assert len(told) == 2
    assert "“Copied”: 61% of its words are credited to other people" in told[0].body


def test_a_failed_check_is_told_to_the_editors_only(office):
    author = UserFactory()
    paper = submission_of(author, title="Unlucky")
    event = PlagiarismCheckFailed(
        submission_id=paper.pk, paper_version=1, algorithm_version="winnow-k3w4-g4"
    )
    handle_plagiarism_check_failed(received(event))
    told = notices(Kind.CHECK_FAILED)
    assert len(told) == 2 and "re-run it" in told[0].body
    assert not Notification.objects.filter(user=author).exists()


def test_a_withdrawal_tells_the_editors_its_reason(office):
    author = UserFactory(username="ada")
    paper = submission_of(author, title="Engines")
    handle_submission_decided(
        received(
            SubmissionDecidedFactory(
                submission_id=paper.pk,
                from_status="under_review",
                to_status="withdrawn",
                editor_id=None,
                comment="Accepted elsewhere.",
            )
        )
    )
    told = notices(Kind.WITHDRAWN)
    assert len(told) == 2
    assert told[0].body == "ada withdrew “Engines”.\n\nTheir reason:\n\nAccepted elsewhere."
    (to_author,) = Notification.objects.filter(user=author)
    assert to_author.subject == "Withdrawn: “Engines”"


def test_an_editor_who_turned_a_kind_off_gets_the_notice_but_no_email(office):
    quiet, keen = office
    Preference.objects.create(user=quiet, email_new_submission=False)
    paper = submission_of(UserFactory(), title="Engines")
    handle_paper_uploaded(received(PaperUploadedFactory(submission_id=paper.pk)))
    emails = dict(
        Notification.objects.filter(kind=Kind.NEW_SUBMISSION).values_list("user", "email")
    )
    assert emails == {quiet.pk: Notification.Email.OFF, keen.pk: Notification.Email.PENDING}


def test_editors_switch_their_notices_in_the_preferences_api_and_authors_see_only_theirs(
    office,
):
    editor = office[0]
    office_api = client_for(editor)
    shown = office_api.get("/api/notifications/preferences/").json()["email"]
    assert set(shown) == {kind.value for kind in Kind}
    changed = office_api.patch(
        "/api/notifications/preferences/", {"email": {"flagged": False}}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["email"]["flagged"] is False
    assert Preference.objects.get(user=editor).email_flagged is False

    author = UserFactory()
    mine = client_for(author).get("/api/notifications/preferences/").json()["email"]
    assert set(mine) == {"received", "checked", "decision", "review_invitation", "review_reminder"}
    assert not set(mine) & {kind.value for kind in EDITOR_KINDS}
    assert APIClient().get("/api/notifications/preferences/").status_code == 401


def test_editors_see_their_notices_in_the_notifications_api(office):
    paper = submission_of(UserFactory(), title="Engines")
    handle_paper_uploaded(received(PaperUploadedFactory(submission_id=paper.pk)))
    body = client_for(office[0]).get("/api/notifications/").json()
    assert body["unread"] == 1 and body["results"][0]["kind"] == "new_submission"


@pytest.mark.django_db(transaction=True)
def test_events_of_the_earlier_contract_versions_are_still_read_from_kafka(kafka_topics):
    """An event published before versions existed (paper_uploaded v1, submission_decided v1)
    still reaches every group: read as version 1 of the paper."""
    from analytics.handlers import GROUP as ANALYTICS
    from analytics.models import SubmissionFact
    from contracts.events import PaperUploadedV1, SubmissionDecidedV1
    from contracts.topics import Topic, topic_name
    from harness import running_consumer, wait_until
    from notifications.handlers import GROUP as NOTIFICATIONS
    from outbox.models import DeadLetter, ProcessedEvent
    from outbox.tests.test_consumer import send

    author = UserFactory()
    paper = submission_of(author, title="From before")
    old_upload = PaperUploadedV1(
        submission_id=paper.pk,
        author_id=author.pk,
        title="From before",
        content_hash="0" * 64,
        word_count=20,
    )
    assert old_upload.ce_type() == "org.papers.paper_uploaded.v1"
    old_decision = SubmissionDecidedV1(
        submission_id=paper.pk,
        from_status="under_review",
        to_status="accepted",
        editor_id=None,
        comment="Old but good.",
        decided_at="2026-11-01T10:00:00+00:00",
    )
    send(topic_name(Topic.PAPER_UPLOADED), old_upload)
    send(topic_name(Topic.SUBMISSION_DECIDED), old_decision)
    with running_consumer(NOTIFICATIONS), running_consumer(ANALYTICS):
        wait_until(
            lambda: (
                ProcessedEvent.objects.filter(group__in=["notifications", "analytics"]).count() == 4
            ),
            timeout=60,
            what="both old events applied by both groups",
        )
    assert not DeadLetter.objects.exists()
    subjects = set(Notification.objects.filter(user=author).values_list("subject", flat=True))
    assert subjects == {
        "Your paper has been received: “From before”",
        "Accepted: “From before”",
    }
    fact = SubmissionFact.objects.get(submission_id=paper.pk)
    assert (fact.status, fact.versions) == ("accepted", 1)


def test_an_editor_finds_their_own_notices_in_the_admin(office, client):
    editor = office[0]
    paper = submission_of(UserFactory(), title="Engines")
    handle_paper_uploaded(received(PaperUploadedFactory(submission_id=paper.pk)))
    client.force_login(editor)
    mine = client.get("/admin/notifications/notification/?for=me")
    assert mine.status_code == 200
    shown = mine.context["cl"].result_list
    assert [(n.user, n.kind) for n in shown] == [(editor, "new_submission")]
    authors = client.get("/admin/notifications/notification/?for=authors").context["cl"]
    assert [n.kind for n in authors.result_list] == ["received"]


@pytest.mark.django_db(transaction=True)
def test_the_editors_are_read_once_per_transaction_and_afresh_in_the_next(
    django_assert_num_queries,
):
    from django.db import transaction

    from notifications.selectors import editors

    first = EditorFactory()
    with transaction.atomic(), django_assert_num_queries(1):
        assert [e.user_id for e in editors()] == [first.pk]
        assert [e.user_id for e in editors()] == [first.pk]  # the same run: no query
    second = EditorFactory()
    with transaction.atomic():
        assert [e.user_id for e in editors()] == [first.pk, second.pk]
