"""A whole review round through the real processes: the API, the relay, Kafka, the
plagiarism, notifications and analytics consumers, and a real Celery worker sending email.

Two reviewers accept, one declines, a colleague of the author is refused for a conflict of
interest, an address without an account is invited by email (and declines once it is a
confirmed account's); reminders go out once each; the reviews arrive, the editors hear of
each, of the declines, and when all are in; the decision reaches the author and
the co-author with the reviewers' comments, the reviewers numbered and never named; the
analytics count it all, and a rebuild from the topics gives the same figures.
"""

from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics.handlers import GROUP as ANALYTICS
from harness import client_for, running_consumer, wait_until
from notifications.handlers import GROUP as NOTIFICATIONS
from notifications.models import Kind, Notification
from notifications.tests.test_email import sent_messages
from plagiarism.handlers import GROUP as PLAGIARISM
from plagiarism.tests.factories import prose
from plagiarism.tests.test_flow import relay_all
from reviews.models import Invitation
from reviews.tasks import send_reminders
from reviews.tests.factories import ReviewerFactory, due_in, verified
from submissions.models import Submission
from submissions.tests.factories import EditorFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def celery_worker_env(tmp_path) -> dict[str, str]:
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "REVIEW_BLIND_MODE": "double",
    }


def review(recommendation: str, comments: str, confidential: str) -> dict:
    return {
        "recommendation": recommendation,
        "score": 3,
        "confidence": 4,
        "comments_to_authors": comments,
        "confidential_comments": confidential,
    }


def kinds_of(user) -> list[str]:
    relay_all()
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def subjects(folder) -> list[tuple[str, str]]:
    return [(m["To"], str(make_header(decode_header(m["Subject"])))) for m in sent_messages(folder)]


def test_a_review_round_from_invitations_to_the_decision(
    kafka_topics, celery_worker, tmp_path, settings
):
    settings.REVIEW_BLIND_MODE = "double"
    mail = tmp_path / "mail"
    author = verified(UserFactory(username="ada_lovelace", email="ada@uni-a.edu"))
    coauthor = verified(UserFactory(username="grace_hopper", email="grace@navy.example"))
    editor = EditorFactory()
    writer, office = client_for(author), client_for(editor)
    paper = writer.post(
        "/api/submissions/", {"title": "Engines of text", "text": prose(41, 300)}, format="json"
    ).json()["id"]
    added = writer.post(
        f"/api/submissions/{paper}/authors/",
        {"name": "Grace Hopper", "email": "grace@navy.example", "affiliation": "Navy Lab"},
        format="json",
    )
    assert added.status_code == 201

    first, second, declining = ReviewerFactory(), ReviewerFactory(), ReviewerFactory()
    colleague = ReviewerFactory(email="alan@uni-a.edu")
    invitations = f"/api/submissions/{paper}/invitations/"

    def invite(who: str):
        return office.post(
            invitations, {"reviewer": who, "due": due_in(10).isoformat()}, format="json"
        )

    with running_consumer(PLAGIARISM), running_consumer(NOTIFICATIONS), running_consumer(ANALYTICS):

        def checked() -> bool:
            relay_all()
            return Submission.objects.get(pk=paper).status == "checked"

        wait_until(checked, timeout=60, what="the similarity check")
        step = f"/api/submissions/{paper}/transition/"
        assert office.post(step, {"to": "under_review"}, format="json").status_code == 200

        refused = invite(colleague.username)
        assert refused.status_code == 409 and "uni-a.edu" in refused.json()["conflicts"][0]
        ids = {}
        for reviewer in (first, second, declining):
            answer = invite(reviewer.username)
            assert answer.status_code == 201, answer.content
            ids[reviewer.pk] = answer.json()["id"]
        assert invite("newcomer@elsewhere.example").status_code == 201

        declined = client_for(declining).post(
            f"/api/invitations/{ids[declining.pk]}/decline/",
            {"reason": "On leave until spring."},
            format="json",
        )
        assert declined.status_code == 200
        for reviewer in (first, second):
            accepted = client_for(reviewer).post(f"/api/invitations/{ids[reviewer.pk]}/accept/")
            assert accepted.status_code == 200

        # Double-blind: nothing the reviewers are shown names an author.
        for reviewer in (first, second):
            mine = client_for(reviewer)
            shown = b"".join(
                mine.get(path).content
                for path in ("/api/invitations/", "/api/reviewing/", f"/api/reviewing/{paper}/")
            )
            assert b"Engines of text" in shown
            for identity in (b"ada_lovelace", b"ada@", b"uni-a", b"Grace", b"grace@", b"Navy"):
                assert identity not in shown

        # Reminders: before the due date, then overdue, each once, however often beat runs.
        Invitation.objects.filter(pk=ids[first.pk]).update(
            due=timezone.localdate() + timedelta(days=1)
        )
        assert send_reminders.delay().get(timeout=60) == 1
        assert send_reminders.delay().get(timeout=60) == 0
        Invitation.objects.filter(pk=ids[first.pk]).update(
            due=timezone.localdate() - timedelta(days=1)
        )
        assert send_reminders() == 1
        assert send_reminders() == 0
        wait_until(
            lambda: kinds_of(first).count(Kind.REVIEW_REMINDER) == 2,
            timeout=60,
            what="the two reminders",
        )
        overdue = office.get(invitations).json()["results"]
        assert [i["overdue"] for i in overdue if i["id"] == ids[first.pk]] == [True]

        sent = client_for(first).post(
            f"/api/submissions/{paper}/reviews/mine/",
            review("minor_revision", "Define the engine earlier.", "Solid, but slow."),
            format="json",
        )
        assert sent.status_code == 201
        sent = client_for(second).post(
            f"/api/submissions/{paper}/reviews/mine/",
            review("major_revision", "The evaluation is thin.", "I know this group's work."),
            format="json",
        )
        assert sent.status_code == 201
        # The address invited makes an account, confirms it, and declines last: that
        # answer completes the round.
        newcomer = verified(UserFactory(email="newcomer@elsewhere.example"))
        (waiting,) = client_for(newcomer).get("/api/invitations/").json()["results"]
        assert waiting["paper"]["title"] == "Engines of text"
        late = client_for(newcomer).post(
            f"/api/invitations/{waiting['id']}/decline/", {"reason": "Not my field."}, format="json"
        )
        assert late.status_code == 200
        wait_until(
            lambda: kinds_of(editor).count(Kind.REVIEWS_COMPLETE) == 1,
            timeout=60,
            what="the editor told all reviews are in",
        )
        assert kinds_of(editor).count(Kind.REVIEW_RECEIVED) == 2
        assert kinds_of(editor).count(Kind.REVIEW_DECLINED) == 1

        decided = office.post(
            step,
            {"to": "revision_requested", "comment": "Please answer both reviewers."},
            format="json",
        )
        assert decided.status_code == 200

        def decision_of(user):
            relay_all()
            return Notification.objects.filter(
                user=user, kind=Kind.DECISION, data__status="revision_requested"
            ).first()

        for person in (author, coauthor):
            notification = wait_until(
                lambda person=person: decision_of(person), timeout=60, what="the decision"
            )
            assert "Reviewer 1 writes:\n\nDefine the engine earlier." in notification.body
            assert "Reviewer 2 writes:\n\nThe evaluation is thin." in notification.body
            for secret in (first.username, second.username, "Solid, but slow", "this group"):
                assert secret not in notification.body and secret not in str(notification.data)
        shown = client_for(coauthor).get(f"/api/submissions/{paper}/reviews/").json()
        assert [r["reviewer"] for r in shown] == ["Reviewer 1", "Reviewer 2"]

        # Emails: the invitations, the reminders, the address's sign-up link, the decision.
        def mailed() -> list[tuple[str, str]]:
            relay_all()
            return subjects(mail)

        expected = [
            ("newcomer@elsewhere.example", "Will you review “Engines of text”?"),
            (first.email, "Will you review “Engines of text”?"),
            (first.email, "Your review is overdue: “Engines of text”"),
        ]

        def all_mailed() -> list[tuple[str, str]] | None:
            # Each email is its own Celery task: they arrive in any order, so wait for all.
            sent = mailed()
            decided = any(to == coauthor.email and "revision" in subject for to, subject in sent)
            to_author = [s for s in sent if s[0] == author.email]
            complete = decided and len(to_author) >= 3 and all(e in sent for e in expected)
            return sent if complete else None

        everything = wait_until(all_mailed, timeout=90, what="the emails")
        for email in expected:
            assert email in everything
        assert len([s for s in everything if s[0] == author.email]) >= 3

        def figures() -> dict:
            relay_all()
            return office.get("/api/analytics/summary/").json()["reviews"]

        live = wait_until(
            lambda: ((f := figures())["reviews_per_paper"] == 2.0 and f) or None,
            timeout=60,
            what="the review analytics",
        )
        assert (live["invitations"], live["accepted"], live["declined"]) == (4, 2, 2)
        assert live["decline_rate"] == 0.5
        assert live["time_to_accept_p50_seconds"] is not None
        assert live["time_to_review_p95_seconds"] is not None
        assert sorted(load["reviewer"] for load in live["reviewer_load"]) == sorted(
            [first.username, second.username]
        )
        assert {load["open"] for load in live["reviewer_load"]} == {0}
    call_command("rebuild_analytics")
    assert office.get("/api/analytics/summary/").json()["reviews"] == live
