"""The peer-review API: the paths of the contract, its refusals, and every permission
boundary (anything not yours is a 404, as if it did not exist)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.codes import Status
from contracts.events import SubmissionDecided
from harness import client_for
from notifications.handlers import handle_submission_decided
from notifications.models import Notification
from outbox.models import OutboxEvent
from outbox.wire import ReceivedEvent
from reviews.models import Invitation, Review
from reviews.tests.factories import ReviewerFactory, due_in, paper_under_review, verified
from submissions.models import Submission
from submissions.services import submission_transition
from submissions.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REVIEW = {
    "recommendation": "minor_revision",
    "score": 4,
    "confidence": 3,
    "comments_to_authors": "Clear; please discuss the limits.",
    "confidential_comments": "Close to the authors' earlier paper.",
}


@pytest.fixture
def office(editor):
    return client_for(editor)


def invite(office, paper, reviewer, **extra):
    body = {"reviewer": reviewer, "due": due_in().isoformat(), **extra}
    return office.post(f"/api/submissions/{paper.pk}/invitations/", body, format="json")


def accepted_reviewer(office, paper, **user):
    reviewer = ReviewerFactory(**user)
    invitation = invite(office, paper, reviewer.username).json()["id"]
    answer = client_for(reviewer).post(f"/api/invitations/{invitation}/accept/")
    assert answer.status_code == 200, answer.content
    return reviewer


def test_an_editor_invites_by_username_and_the_event_is_published(office, editor):
    paper = paper_under_review()
    reviewer = ReviewerFactory()
    answer = invite(office, paper, reviewer.username)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["state"] == "pending" and body["reviewer"] == reviewer.username
    assert body["invited_by"] == editor.username and body["conflicts"] == ""
    row = OutboxEvent.objects.get(event_type="reviewer_invited")
    assert row.key == str(paper.pk) and row.topic.endswith("review_invitations")
    assert row.payload["reviewer_id"] == reviewer.pk
    listed = office.get(f"/api/submissions/{paper.pk}/invitations/").json()["results"]
    assert [i["id"] for i in listed] == [body["id"]]


def test_invitations_are_refused_with_the_reason(office):
    paper = paper_under_review()
    reviewer = ReviewerFactory()
    assert invite(office, paper, reviewer.username).status_code == 201
    again = invite(office, paper, reviewer.username)
    assert again.status_code == 409 and "already invited" in again.json()["detail"]
    broken = invite(office, paper, "half@")
    assert broken.status_code == 400 and "not an email address" in broken.json()["reviewer"][0]
    unknown = invite(office, paper, "nobody-of-that-name")
    assert unknown.status_code == 400 and "no user named" in unknown.json()["reviewer"][0]
    past = invite(office, paper, ReviewerFactory().username, due="2020-01-01")
    assert past.status_code == 400 and "after today" in past.json()["due"][0]
    extra = invite(office, paper, ReviewerFactory().username, colour="blue")
    assert extra.status_code == 400 and extra.json()["colour"] == ["unknown field"]
    Submission.objects.filter(pk=paper.pk).update(status=Status.CHECKED)
    early = invite(office, paper, ReviewerFactory().username)
    assert early.status_code == 409 and "under review" in early.json()["detail"]


def test_conflicts_of_interest_are_refused_with_each_reason_and_overridden_with_a_record(office):
    author = UserFactory(email="ada@cs.uni-a.edu")
    paper = paper_under_review(
        author, coauthors=[("Grace Hopper", "grace@navy.example", "Naval Research Lab")]
    )
    colleague = UserFactory(email="alan@uni-a.edu")
    refused = invite(office, paper, colleague.username)
    assert refused.status_code == 409
    assert refused.json()["conflicts"] == [
        "they share the email domain uni-a.edu with the author " + author.username
    ]
    public = UserFactory(email="someone@gmail.com")
    assert invite(office, paper, public.username).status_code == 201  # gmail.com says nothing

    labmate = ReviewerFactory()
    client_for(labmate).patch("/api/auth/me/", {"affiliation": "naval research lab"}, format="json")
    refused = invite(office, paper, labmate.username)
    assert refused.status_code == 409
    assert (
        "affiliation “Naval Research Lab” with the author Grace Hopper" in refused.json()["detail"]
    )

    coauthor_before = ReviewerFactory()
    paper_under_review(
        coauthor_before, seed=2, coauthors=[("Grace Hopper", "grace@navy.example", "")]
    )
    refused = invite(office, paper, coauthor_before.username)
    assert refused.status_code == 409
    assert "co-authored 1 other paper" in refused.json()["conflicts"][0]

    overridden = invite(office, paper, labmate.username, override_conflict="Only expert.")
    assert overridden.status_code == 201
    invitation = Invitation.objects.get(pk=overridden.json()["id"])
    assert invitation.override_justification == "Only expert."
    assert "Naval Research Lab" in invitation.conflicts

    own = invite(office, paper, author.username, override_conflict="Why not")
    assert own.status_code == 409 and "own paper" in own.json()["detail"]
    coauthor = invite(office, paper, "grace@navy.example")
    assert coauthor.status_code == 409 and "one of the paper's authors" in coauthor.json()["detail"]


def test_a_declared_conflict_keeps_the_reviewer_from_being_invited_again(office):
    paper = paper_under_review()
    reviewer = ReviewerFactory()
    invitation = invite(office, paper, reviewer.username).json()["id"]
    mine = client_for(reviewer)
    vague = mine.post(f"/api/invitations/{invitation}/decline/", {"conflict": True}, format="json")
    assert vague.status_code == 400 and "conflict" in vague.json()["reason"][0]
    declined = mine.post(
        f"/api/invitations/{invitation}/decline/",
        {"reason": "I advised the first author.", "conflict": True},
        format="json",
    )
    assert declined.status_code == 200 and declined.json()["conflict_declared"] is True
    again = invite(office, paper, reviewer.username)
    assert again.status_code == 409
    assert again.json()["conflicts"] == ["they declared a conflict of interest with this paper"]
    twice = mine.post(f"/api/invitations/{invitation}/accept/")
    assert twice.status_code == 409 and "declined already" in twice.json()["detail"]


def test_a_reviewer_sees_only_their_own_invitations_and_accepted_papers(office):
    paper = paper_under_review(title="Secret title")
    reviewer, stranger = ReviewerFactory(), UserFactory()
    invitation = invite(office, paper, reviewer.username).json()["id"]
    theirs = client_for(stranger)
    assert theirs.get("/api/invitations/").json()["results"] == []
    assert theirs.post(f"/api/invitations/{invitation}/accept/").status_code == 404
    assert (
        theirs.post(f"/api/invitations/{invitation}/decline/", {}, format="json").status_code == 404
    )
    mine = client_for(reviewer)
    listed = mine.get("/api/invitations/").json()["results"]
    assert [(i["id"], i["paper"]["title"]) for i in listed] == [(invitation, "Secret title")]
    # Before accepting, the paper itself is not theirs to read.
    assert mine.get(f"/api/reviewing/{paper.pk}/").status_code == 404
    assert mine.get("/api/reviewing/").json()["results"] == []
    assert mine.post(f"/api/invitations/{invitation}/accept/").status_code == 200
    assert [p["id"] for p in mine.get("/api/reviewing/").json()["results"]] == [str(paper.pk)]
    assert mine.get(f"/api/reviewing/{paper.pk}/").status_code == 200
    assert theirs.get(f"/api/reviewing/{paper.pk}/").status_code == 404
    # A reviewer is not an author: the paper's own addresses stay closed to them.
    for path in ("", "authors/", "reviews/", "report/", "file/", "versions/"):
        assert mine.get(f"/api/submissions/{paper.pk}/{path}").status_code == 404, path
    assert mine.get(f"/api/submissions/{paper.pk}/invitations/").status_code == 404


def test_double_blind_views_carry_no_author_identity(office, settings):
    settings.REVIEW_BLIND_MODE = "double"
    author = UserFactory(username="ada_lovelace", email="ada@analytical.example")
    paper = paper_under_review(
        author, coauthors=[("Charles Babbage", "charles@engine.example", "Difference Engine Co")]
    )
    reviewer = accepted_reviewer(office, paper)
    mine = client_for(reviewer)
    seen = [
        mine.get("/api/invitations/").content,
        mine.get("/api/reviewing/").content,
        mine.get(f"/api/reviewing/{paper.pk}/").content,
    ]
    detail = mine.get(f"/api/reviewing/{paper.pk}/").json()
    assert detail["blind"] == "double" and detail["authors"] is None
    assert detail["file_url"] is None
    for body in seen:
        for identity in (
            b"ada_lovelace",
            b"ada@analytical",
            b"Babbage",
            b"charles@",
            b"Difference",
        ):
            assert identity not in body
    settings.REVIEW_BLIND_MODE = "single"
    single = mine.get(f"/api/reviewing/{paper.pk}/").json()
    assert [a["name"] for a in single["authors"]] == ["ada_lovelace", "Charles Babbage"]


def test_a_review_is_written_kept_private_as_a_draft_and_edited_until_the_decision(
    office, editor, settings
):
    author = UserFactory()
    paper = paper_under_review(author)
    reviewer = accepted_reviewer(office, paper)
    mine = client_for(reviewer)
    path = f"/api/submissions/{paper.pk}/reviews/mine/"
    assert mine.put(path, REVIEW, format="json").status_code == 409  # nothing to change yet
    draft = mine.post(path, {**REVIEW, "draft": True}, format="json")
    assert draft.status_code == 201 and draft.json()["submitted"] is False
    assert office.get(f"/api/submissions/{paper.pk}/reviews/").json() == []  # a draft is theirs
    assert not OutboxEvent.objects.filter(event_type="review_submitted").exists()
    assert mine.post(path, REVIEW, format="json").status_code == 409  # written: use PUT
    bad = mine.put(path, {**REVIEW, "score": 6, "recommendation": "maybe"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"score", "recommendation"}
    sent = mine.put(path, REVIEW, format="json")
    assert sent.status_code == 200 and sent.json()["submitted"] is True
    event = OutboxEvent.objects.get(event_type="review_submitted")
    assert event.payload["first"] is True and event.payload["reviews_complete"] is True
    back = mine.put(path, {**REVIEW, "draft": True}, format="json")
    assert back.status_code == 409 and "cannot become a draft" in back.json()["detail"]
    assert mine.put(path, {**REVIEW, "score": 5}, format="json").status_code == 200
    editors_view = office.get(f"/api/submissions/{paper.pk}/reviews/").json()
    assert [(r["reviewer"], r["score"], r["confidential_comments"]) for r in editors_view] == [
        (reviewer.username, 5, REVIEW["confidential_comments"])
    ]
    # Authors see nothing before the decision, then the comments addressed to them only.
    writer = client_for(author)
    assert writer.get(f"/api/submissions/{paper.pk}/reviews/").json() == []
    submission_transition(submission=paper, to_status=Status.ACCEPTED, actor=editor)
    after = writer.get(f"/api/submissions/{paper.pk}/reviews/")
    assert after.status_code == 200
    assert [(r["reviewer"], r["comments_to_authors"]) for r in after.json()] == [
        ("Reviewer 1", REVIEW["comments_to_authors"])
    ]
    for hidden in (
        reviewer.username.encode(),
        b"earlier paper",
        b'"score"',
        reviewer.email.encode(),
    ):
        assert hidden not in after.content
    # The round is decided: the paper is no longer the reviewer's (unless the venue keeps
    # the decided round open to read), and the review cannot change either way.
    assert mine.put(path, REVIEW, format="json").status_code == 404
    assert mine.get(f"/api/reviewing/{paper.pk}/").status_code == 404
    settings.REVIEW_ACCESS_AFTER_DECISION = True
    assert mine.get(f"/api/reviewing/{paper.pk}/").status_code == 200
    closed = mine.put(path, REVIEW, format="json")
    assert closed.status_code == 409 and "decided" in closed.json()["detail"]
    assert Review.objects.get().score == 5


def test_only_a_reviewer_who_accepted_can_write_a_review(office):
    paper = paper_under_review()
    invited = ReviewerFactory()
    invite(office, paper, invited.username)
    path = f"/api/submissions/{paper.pk}/reviews/mine/"
    assert client_for(invited).post(path, REVIEW, format="json").status_code == 404
    assert client_for(UserFactory()).post(path, REVIEW, format="json").status_code == 404
    assert client_for(paper.author).post(path, REVIEW, format="json").status_code == 404


def test_editors_only_endpoints_are_404_for_everyone_else(office):
    paper = paper_under_review()
    for user in (paper.author, UserFactory()):
        client = client_for(user)
        assert client.get(f"/api/submissions/{paper.pk}/invitations/").status_code == 404
        denied = client.post(
            f"/api/submissions/{paper.pk}/invitations/",
            {"reviewer": ReviewerFactory().username, "due": due_in().isoformat()},
            format="json",
        )
        assert denied.status_code == 404
    assert client_for(UserFactory()).get(f"/api/submissions/{paper.pk}/reviews/").status_code == 404


def test_an_address_is_invited_and_claimed_once_its_owner_proves_it(office):
    paper = paper_under_review()
    created = invite(office, paper, "New.Reviewer@Example.net")
    assert created.status_code == 201 and created.json()["reviewer"] is None
    assert created.json()["email"] == "new.reviewer@example.net"
    claimant = UserFactory(email="new.reviewer@example.net")
    unproven = client_for(claimant)
    assert unproven.get("/api/invitations/").json()["results"] == []
    invitation = created.json()["id"]
    assert unproven.post(f"/api/invitations/{invitation}/accept/").status_code == 404
    verified(claimant)
    assert [i["id"] for i in unproven.get("/api/invitations/").json()["results"]] == [invitation]
    assert unproven.post(f"/api/invitations/{invitation}/accept/").status_code == 200
    assert Invitation.objects.get(pk=invitation).reviewer == claimant
    assert unproven.get(f"/api/reviewing/{paper.pk}/").status_code == 200


def test_co_authors_are_listed_in_order_with_checked_orcid_and_see_the_paper(office):
    author = UserFactory()
    coauthor = verified(UserFactory(email="grace@navy.example"))
    paper = paper_under_review(author)
    mine = client_for(author)
    path = f"/api/submissions/{paper.pk}/authors/"
    wrong = mine.post(
        path,
        {"name": "Grace", "email": "grace@navy.example", "orcid": "0000-0002-1825-0098"},
        format="json",
    )
    assert wrong.status_code == 400 and "check digit" in wrong.json()["orcid"][0]
    added = mine.post(
        path,
        {
            "name": "Grace  Hopper",
            "email": "Grace@Navy.example",
            "affiliation": "Navy",
            "orcid": "https://orcid.org/0000-0002-1825-0097",
        },
        format="json",
    )
    assert added.status_code == 201, added.content
    listed = mine.get(path).json()
    assert [(a["position"], a["name"], a["contact"], a["has_account"]) for a in listed] == [
        (1, author.username, True, True),
        (2, "Grace Hopper", False, True),
    ]
    assert listed[1]["orcid"] == "0000-0002-1825-0097"
    again = mine.post(path, {"name": "G", "email": "grace@navy.example"}, format="json")
    assert again.status_code == 409 and "already one of" in again.json()["detail"]
    theirs = client_for(coauthor)
    assert theirs.get(f"/api/submissions/{paper.pk}/").status_code == 200
    assert str(paper.pk) in {p["id"] for p in theirs.get("/api/submissions/").json()["results"]}
    refused = theirs.post(path, {"name": "X", "email": "x@example.org"}, format="json")
    assert refused.status_code == 403 and "contact" in refused.json()["detail"]
    withdraw = theirs.post(f"/api/submissions/{paper.pk}/withdraw/", {}, format="json")
    assert withdraw.status_code == 409  # the contact decides that
    stranger = client_for(UserFactory())
    assert stranger.get(path).status_code == 404
    assert (
        stranger.post(path, {"name": "X", "email": "x@example.org"}, format="json").status_code
        == 404
    )


def test_an_unverified_account_with_a_co_authors_address_does_not_see_the_paper():
    author = UserFactory()
    paper = paper_under_review(author)
    pretender = UserFactory(email="grace@navy.example")  # never proved it
    client_for(author).post(
        f"/api/submissions/{paper.pk}/authors/",
        {"name": "Grace Hopper", "email": "grace@navy.example"},
        format="json",
    )
    assert client_for(pretender).get(f"/api/submissions/{paper.pk}/").status_code == 404


def test_the_round_is_complete_only_when_no_invitation_waits_for_an_answer(office):
    paper = paper_under_review()
    reviewer = accepted_reviewer(office, paper)
    waiting = ReviewerFactory()
    pending = invite(office, paper, waiting.username).json()["id"]
    client_for(reviewer).post(f"/api/submissions/{paper.pk}/reviews/mine/", REVIEW, format="json")
    submitted = OutboxEvent.objects.get(event_type="review_submitted")
    assert submitted.payload["reviews_complete"] is False  # one invitation is unanswered
    client_for(waiting).post(
        f"/api/invitations/{pending}/decline/", {"reason": "no"}, format="json"
    )
    (declined,) = [
        e
        for e in OutboxEvent.objects.filter(event_type="invitation_answered")
        if e.payload["answer"] == "declined"
    ]
    assert declined.payload["reviews_complete"] is True


def test_a_second_round_re_invites_the_same_reviewer_who_keeps_their_number(office, editor):
    author = UserFactory()
    paper = paper_under_review(author)
    one = accepted_reviewer(office, paper)
    two = accepted_reviewer(office, paper)
    mine = f"/api/submissions/{paper.pk}/reviews/mine/"
    client_for(one).post(
        mine, {**REVIEW, "comments_to_authors": "Round one, first."}, format="json"
    )
    client_for(two).post(
        mine, {**REVIEW, "comments_to_authors": "Round one, second."}, format="json"
    )
    late = ReviewerFactory()
    stale = invite(office, paper, late.username).json()["id"]
    submission_transition(submission=paper, to_status=Status.REVISION_REQUESTED, actor=editor)
    writer = client_for(author)
    sent = writer.post(
        f"/api/submissions/{paper.pk}/versions/", {"text": "A revised text " * 50}, format="json"
    )
    assert sent.status_code == 201
    Submission.objects.filter(pk=paper.pk).update(status=Status.CHECKED)  # as its check would
    paper.refresh_from_db()
    submission_transition(submission=paper, to_status=Status.UNDER_REVIEW, actor=editor)
    again = invite(office, paper, two.username)  # the first round is closed: invited anew
    assert again.status_code == 201 and again.json()["paper_version"] == 2
    assert invite(office, paper, two.username).status_code == 409  # but once per round
    # An invitation left unanswered in the first round cannot be accepted in the second.
    stale_answer = client_for(late).post(f"/api/invitations/{stale}/accept/")
    assert stale_answer.status_code == 409 and "round" in stale_answer.json()["detail"]
    client_for(two).post(f"/api/invitations/{again.json()['id']}/accept/")
    assert client_for(two).get(f"/api/reviewing/{paper.pk}/").json()["paper_version"] == 2
    second = client_for(two).post(
        mine, {**REVIEW, "comments_to_authors": "Round two: thank you."}, format="json"
    )
    assert second.status_code == 201
    submission_transition(submission=paper, to_status=Status.ACCEPTED, actor=editor)

    shown = writer.get(f"/api/submissions/{paper.pk}/reviews/").json()
    assert [(r["reviewer"], r["paper_version"], r["comments_to_authors"]) for r in shown] == [
        ("Reviewer 1", 1, "Round one, first."),
        ("Reviewer 2", 1, "Round one, second."),
        ("Reviewer 2", 2, "Round two: thank you."),
    ]
    # The acceptance's notification carries the round it ends only.
    decided = OutboxEvent.objects.filter(event_type="submission_decided").order_by("-id")[0]
    event = ReceivedEvent(
        id=decided.event_id, time=decided.created_at, data=SubmissionDecided(**decided.payload)
    )
    handle_submission_decided(event)
    (news,) = Notification.objects.filter(user=author, kind="decision")
    assert "Reviewer 2 writes:\n\nRound two: thank you." in news.body
    assert "Round one" not in news.body


def test_a_reviewers_list_costs_the_same_queries_for_one_invitation_or_many(office):
    reviewer = ReviewerFactory()
    mine = client_for(reviewer)
    invite(office, paper_under_review(seed=50), reviewer.username)
    mine.get("/api/invitations/")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        assert len(mine.get("/api/invitations/").json()["results"]) == 1
    for seed in range(51, 55):
        invite(office, paper_under_review(seed=seed), reviewer.username)
    with CaptureQueriesContext(connection) as five:
        assert len(mine.get("/api/invitations/").json()["results"]) == 5
    assert len(five.captured_queries) == len(one.captured_queries)
