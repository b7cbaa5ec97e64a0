"""A reviewer's access follows their invitation, tried through the live server: they read
the version they were invited to review, a later version only once invited to it, and lose
the paper when they decline a later round, the paper is withdrawn, or an editor removes
them (with a reason the editors keep; the reviewer is told)."""

import pytest

from contracts.codes import Status
from contracts.events import ReviewerRemoved
from harness import http_for
from notifications.handlers import handle_reviewer_removed
from notifications.models import Notification
from outbox.models import OutboxEvent
from outbox.wire import ReceivedEvent
from reviews.models import Invitation
from reviews.services import invitation_accept, invitation_create, invitation_decline
from reviews.tests.factories import ReviewerFactory, due_in, paper_under_review
from submissions.models import Submission
from submissions.services import submission_transition, submission_version_add

pytestmark = pytest.mark.django_db(transaction=True)


def accepted(paper, editor, reviewer) -> Invitation:
    invitation = invitation_create(
        submission=paper, editor=editor, reviewer=reviewer.username, due=due_in()
    )
    return invitation_accept(invitation=invitation, reviewer=reviewer)


def test_a_reviewer_reads_the_version_invited_to_and_a_later_one_only_when_invited(
    live_api, editor
):
    paper = paper_under_review()
    reviewer = ReviewerFactory()
    accepted(paper, editor, reviewer)
    with http_for(live_api, reviewer) as http:
        first = http.get(f"/api/reviewing/{paper.pk}/").json()
        assert first["paper_version"] == 1
        submission_transition(submission=paper, to_status=Status.REVISION_REQUESTED, actor=editor)
        paper.refresh_from_db()
        submission_version_add(submission=paper, author=paper.author, text="Version two. " * 60)
        Submission.objects.filter(pk=paper.pk).update(status=Status.UNDER_REVIEW)
        paper.refresh_from_db()
        # Round one is decided: its reviewer reads nothing now, neither version.
        assert http.get(f"/api/reviewing/{paper.pk}/").status_code == 404
        again = invitation_create(
            submission=paper, editor=editor, reviewer=reviewer.username, due=due_in()
        )
        assert http.get(f"/api/reviewing/{paper.pk}/").status_code == 404  # not yet accepted
        invitation_accept(invitation=again, reviewer=reviewer)
        second = http.get(f"/api/reviewing/{paper.pk}/").json()
        assert second["paper_version"] == 2 and "Version two." in second["text"]


def test_declining_a_later_round_or_a_withdrawal_ends_the_access(live_api, editor, settings):
    settings.REVIEW_ACCESS_AFTER_DECISION = True  # the venue keeps decided rounds readable
    paper = paper_under_review()
    reviewer = ReviewerFactory()
    accepted(paper, editor, reviewer)
    with http_for(live_api, reviewer) as http:
        assert http.get(f"/api/reviewing/{paper.pk}/").status_code == 200
        submission_transition(submission=paper, to_status=Status.REVISION_REQUESTED, actor=editor)
        Submission.objects.filter(pk=paper.pk).update(status=Status.UNDER_REVIEW)
        assert http.get(f"/api/reviewing/{paper.pk}/").status_code == 200  # kept, as set
        # The next round's invitation, declined for a conflict, ends what the old one gave.
        later = invitation_create(
            submission=paper, editor=editor, reviewer=reviewer.username, due=due_in()
        )
        invitation_decline(
            invitation=later, reviewer=reviewer, reason="I now work with them", conflict=True
        )
        assert http.get(f"/api/reviewing/{paper.pk}/").status_code == 404

        other = paper_under_review(seed=3)
        accepted(other, editor, reviewer)
        assert http.get(f"/api/reviewing/{other.pk}/").status_code == 200
        Submission.objects.filter(pk=other.pk).update(status=Status.WITHDRAWN)
        assert http.get(f"/api/reviewing/{other.pk}/").status_code == 404


def test_an_editor_removes_a_reviewer_with_a_reason_and_the_reviewer_is_told(live_api, editor):
    paper = paper_under_review()
    reviewer = ReviewerFactory()
    invitation = accepted(paper, editor, reviewer)
    path = f"/api/submissions/{paper.pk}/invitations/{invitation.pk}/remove/"
    with http_for(live_api, reviewer) as mine, http_for(live_api, editor) as office:
        assert mine.get(f"/api/reviewing/{paper.pk}/").status_code == 200
        assert mine.post(path, json={"reason": "mine"}).status_code == 404  # editors only
        missing = office.post(path, json={})
        assert missing.status_code == 400 and "reason" in missing.json()
        removed = office.post(path, json={"reason": "They reviewed its earlier version elsewhere."})
        assert removed.status_code == 200, removed.text
        assert removed.json()["state"] == "removed" and removed.json()["removed_at"]
        again = office.post(path, json={"reason": "twice"})
        assert again.status_code == 409 and "removed by an editor already" in again.json()["detail"]
        assert mine.get(f"/api/reviewing/{paper.pk}/").status_code == 404
        listed = mine.get("/api/invitations/").json()["results"]
        assert listed[0]["state"] == "removed" and "earlier version" not in str(listed)
    row = OutboxEvent.objects.get(event_type="reviewer_removed")
    assert row.payload["reviewer_id"] == reviewer.pk and row.key == str(paper.pk)
    handle_reviewer_removed(
        ReceivedEvent(id=row.event_id, time=row.created_at, data=ReviewerRemoved(**row.payload))
    )
    (told,) = Notification.objects.filter(user=reviewer, submission_id=paper.pk)
    assert told.subject.startswith("You no longer review") and "earlier version" not in told.body


def test_a_reviewer_whose_review_is_in_is_not_removed(live_api, editor):
    paper = paper_under_review()
    reviewer = ReviewerFactory()
    invitation = accepted(paper, editor, reviewer)
    review = {"recommendation": "accept", "score": 4, "confidence": 3}
    with http_for(live_api, reviewer) as mine, http_for(live_api, editor) as office:
        assert (
            mine.post(f"/api/submissions/{paper.pk}/reviews/mine/", json=review).status_code == 201
        )
        path = f"/api/submissions/{paper.pk}/invitations/{invitation.pk}/remove/"
        refused = office.post(path, json={"reason": "late change of mind"})
        assert refused.status_code == 409 and "review is in" in refused.json()["detail"]
