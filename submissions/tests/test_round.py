"""A whole editorial round through the real processes: the API, the relay, Kafka, the
plagiarism, notifications and analytics consumers and a real Celery worker.

Upload, check, review, a revision request with a comment, version 2 with a response, its
check ignoring version 1, review, acceptance and a refused version 3; a desk reject; a
failed check run again; the editors' notices; and the analytics of it all.
"""

import pytest

from analytics.handlers import GROUP as ANALYTICS
from contracts.codes import Status
from harness import client_for, running_consumer, wait_until
from notifications.handlers import GROUP as NOTIFICATIONS
from notifications.models import Notification
from plagiarism.handlers import GROUP as PLAGIARISM
from plagiarism.models import Check, Report
from plagiarism.services import check_fail
from plagiarism.tests.factories import prose
from plagiarism.tests.test_flow import relay_all
from submissions.models import Submission
from submissions.tests.factories import EditorFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def status_of(submission_id) -> str:
    return Submission.objects.get(pk=submission_id).status


def wait_for_status(submission_id, status: str, what: str) -> None:
    def reached() -> bool:
        relay_all()
        return status_of(submission_id) == status

    wait_until(reached, timeout=60, what=what)


def test_a_paper_goes_round_and_is_accepted_in_its_second_version(kafka_topics, celery_worker):
    author, editor = UserFactory(), EditorFactory()
    api, office = client_for(author), client_for(editor)
    first = prose(21, 400)
    created = api.post("/api/submissions/", {"title": "Round trip", "text": first}, format="json")
    assert created.status_code == 201
    paper = created.json()["id"]
    step = f"/api/submissions/{paper}/transition/"

    with running_consumer(PLAGIARISM), running_consumer(NOTIFICATIONS), running_consumer(ANALYTICS):
        wait_for_status(paper, Status.CHECKED, "the first check")
        assert office.post(step, {"to": "under_review"}, format="json").status_code == 200
        asked = office.post(
            step,
            {
                "to": "revision_requested",
                "comment": "Please add the limits of the method.",
                "note": "Reviewer 2 was harsh.",
            },
            format="json",
        )
        assert asked.status_code == 200 and asked.json()["status_label"] == "Revision requested"

        second = first + " " + prose(22, 60)
        sent = api.post(
            f"/api/submissions/{paper}/versions/",
            {"text": second, "response": "We added the limits."},
            format="json",
        )
        assert sent.status_code == 201 and sent.json()["number"] == 2
        assert status_of(paper) == Status.SUBMITTED
        wait_for_status(paper, Status.CHECKED, "the second version's check")
        report = api.get(f"/api/submissions/{paper}/report/").json()
        assert report["paper_version"] == 2
        assert report["score"] == 0.0  # version 1 never counts
        assert [(s["kind"], s["counts"]) for s in report["sources"]] == [("version", False)]

        assert office.post(step, {"to": "under_review"}, format="json").status_code == 200
        accepted = office.post(
            step, {"to": "accepted", "comment": "A clear contribution."}, format="json"
        )
        assert accepted.status_code == 200
        third = api.post(
            f"/api/submissions/{paper}/versions/", {"text": second + " more"}, format="json"
        )
        assert (
            third.status_code == 409 and "“Accepted” takes no new version" in third.json()["detail"]
        )

        # A desk reject of another paper, and a failed check run again for a third.
        other = api.post(
            "/api/submissions/", {"title": "Out of scope", "text": prose(23, 300)}, format="json"
        ).json()["id"]
        wait_for_status(other, Status.CHECKED, "the other paper's check")
        desk = office.post(
            f"/api/submissions/{other}/transition/",
            {"to": "rejected", "comment": "Outside the venue's scope."},
            format="json",
        )
        assert desk.status_code == 200 and desk.json()["status"] == "rejected"

        unlucky = api.post(
            "/api/submissions/", {"title": "Unlucky", "text": prose(24, 300)}, format="json"
        ).json()["id"]
        wait_for_status(unlucky, Status.CHECKED, "the third paper's check")
        # Its check is recorded as failed, as if it had kept failing: the recheck runs it again.
        Report.objects.filter(submission_id=unlucky).delete()
        Check.objects.filter(submission_id=unlucky).delete()
        Submission.objects.filter(pk=unlucky).update(status=Status.SUBMITTED)
        check_fail(submission_id=unlucky, error="RuntimeError: disk full")
        assert office.post(f"/api/submissions/{unlucky}/recheck/").status_code == 202
        wait_for_status(unlucky, Status.CHECKED, "the check run again")

        relay_all()
        wait_until(
            lambda: Notification.objects.filter(user=author).count() == 14,
            timeout=60,
            what="every notification of the author",
        )
        wait_until(
            lambda: (
                client_for(editor).get("/api/analytics/summary/").json()["outcomes"]["decided"] == 2
            ),
            timeout=60,
            what="the analytics of both decisions",
        )
        summary = office.get("/api/analytics/summary/").json()

    mine = list(Notification.objects.filter(user=author))
    revision = next(n for n in mine if n.data.get("status") == "revision_requested")
    assert revision.subject == "The editors ask for a revision: “Round trip”"
    assert revision.body.endswith("The editors write:\n\nPlease add the limits of the method.")
    assert not any("Reviewer 2" in n.body for n in mine)  # the note stays with the editors
    assert any(n.subject.startswith("Version 2 of your paper has been received") for n in mine)

    notices = set(Notification.objects.filter(user=editor).values_list("kind", flat=True))
    assert notices >= {"new_submission", "revision_received", "check_failed"}

    history = office.get(f"/api/submissions/{paper}/").json()["history"]
    assert [h["to_status"] for h in history] == [
        "submitted",
        "checked",
        "under_review",
        "revision_requested",
        "submitted",
        "checked",
        "under_review",
        "accepted",
    ]
    assert office.get(f"/api/submissions/{paper}/notes/").json()["results"][0]["text"] == (
        "Reviewer 2 was harsh."
    )
    assert summary["revisions"]["count"] == 1 and summary["revisions"]["revised"] == 1
    assert summary["outcomes"]["desk_rejects"] == 1
    assert summary["outcomes"]["desk_reject_share"] == 0.5
    assert summary["decisions"]["submitted"] == 1
