"""Peer review on the site and in the admin: the reviewer's pages, the author's view of
co-authors and reviews, the editors' invitation form and reviews side by side; reminders
once each."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from contracts.codes import Status
from harness import client_for
from outbox.models import OutboxEvent
from reviews.models import Invitation, Review
from reviews.services import (
    ReviewFields,
    invitation_accept,
    invitation_create,
    reminders_send,
    review_save,
)
from reviews.tests.factories import ReviewerFactory, due_in, paper_under_review, verified
from submissions.services import submission_transition
from submissions.tests.factories import EditorFactory, UserFactory

pytestmark = pytest.mark.django_db

FIELDS = ReviewFields("accept", 5, 4, "A pleasure to read.", "Accept as is.")


def browser_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def accepted(paper, editor, reviewer=None):
    reviewer = reviewer or ReviewerFactory()
    invitation = invitation_create(
        submission=paper, editor=editor, reviewer=reviewer.username, due=due_in()
    )
    invitation_accept(invitation=invitation, reviewer=reviewer)
    return reviewer, invitation


def test_a_reviewer_accepts_declines_and_reviews_through_the_site(editor, settings):
    settings.REVIEW_BLIND_MODE = "double"
    author = UserFactory(username="ada_lovelace")
    paper = paper_under_review(
        author, title="Notes on the engine", coauthors=[("Charles B", "cb@x.example", "Engine Co")]
    )
    other = paper_under_review(title="Another paper", seed=3)
    reviewer = ReviewerFactory()
    first = invitation_create(
        submission=paper, editor=editor, reviewer=reviewer.username, due=due_in()
    )
    second = invitation_create(
        submission=other, editor=editor, reviewer=reviewer.username, due=due_in()
    )
    site = browser_for(reviewer)
    page = site.get("/reviewing/")
    assert page.status_code == 200
    assert b"Notes on the engine" in page.content and b"Another paper" in page.content

    vague = site.post(f"/reviewing/invitations/{second.pk}/decline/", {"conflict": "yes"})
    assert (
        vague.status_code == 400
        and b"say what the conflict of interest is" in vague.content.lower()
    )
    declined = site.post(f"/reviewing/invitations/{second.pk}/decline/", {"reason": "Too busy"})
    assert declined.status_code == 302
    assert Invitation.objects.get(pk=second.pk).reason == "Too busy"

    assert site.get(f"/reviewing/{paper.pk}/").status_code == 404  # not accepted yet
    accepted_page = site.post(f"/reviewing/invitations/{first.pk}/accept/")
    assert accepted_page["Location"] == f"/reviewing/{paper.pk}/"
    shown = site.get(f"/reviewing/{paper.pk}/")
    assert shown.status_code == 200 and b"double-blind" in shown.content
    for identity in (b"ada_lovelace", b"Charles B", b"Engine Co", b"cb@x"):
        assert identity not in shown.content
    assert site.get(f"/reviewing/{paper.pk}/file/").status_code == 404

    bad = site.post(f"/reviewing/{paper.pk}/", {"recommendation": "accept", "score": "9"})
    assert bad.status_code == 400 and not Review.objects.exists()
    review = {
        "recommendation": "minor_revision",
        "score": "4",
        "confidence": "3",
        "comments_to_authors": "Please define terms.",
        "confidential_comments": "Fine.",
    }
    draft = site.post(f"/reviewing/{paper.pk}/", {**review, "action": "draft"})
    assert draft.status_code == 302 and Review.objects.get().submitted_at is None
    sent = site.post(f"/reviewing/{paper.pk}/", {**review, "action": "submit"})
    assert sent.status_code == 302 and Review.objects.get().submitted_at is not None
    assert b"Submitted on" in site.get(f"/reviewing/{paper.pk}/").content

    stranger = browser_for(ReviewerFactory())
    assert stranger.get(f"/reviewing/{paper.pk}/").status_code == 404
    assert stranger.post(f"/reviewing/invitations/{first.pk}/accept/").status_code == 404
    assert stranger.get(f"/reviewing/invitations/{first.pk}/decline/").status_code == 404


def test_single_blind_shows_the_authors_and_the_file_to_reviewers(editor, settings):
    settings.REVIEW_BLIND_MODE = "single"
    paper = paper_under_review(
        UserFactory(username="ada_lovelace"), coauthors=[("Charles B", "cb@x.example", "Engine Co")]
    )
    reviewer, _ = accepted(paper, editor)
    shown = browser_for(reviewer).get(f"/reviewing/{paper.pk}/")
    assert b"ada_lovelace" in shown.content and b"Engine Co" in shown.content


def test_the_author_page_lists_co_authors_and_shows_reviews_after_the_decision(editor):
    author = UserFactory()
    coauthor = verified(UserFactory(email="grace@navy.example"))
    paper = paper_under_review(author)
    site = browser_for(author)
    wrong = site.post(
        f"/papers/{paper.pk}/authors/",
        {"name": "Grace", "email": "grace@navy.example", "orcid": "1234"},
    )
    assert wrong.status_code == 400 and b"ORCID" in wrong.content
    added = site.post(
        f"/papers/{paper.pk}/authors/",
        {"name": "Grace Hopper", "email": "grace@navy.example", "affiliation": "Navy"},
    )
    assert added.status_code == 302
    theirs = browser_for(coauthor)
    page = theirs.get(f"/papers/{paper.pk}/")
    assert page.status_code == 200 and b"Grace Hopper" in page.content
    assert b"Add a co-author" not in page.content  # the contact adds them
    assert (
        theirs.post(
            f"/papers/{paper.pk}/authors/", {"name": "X", "email": "x@y.example"}
        ).status_code
        == 400
    )

    reviewer, _ = accepted(paper, editor)
    review_save(submission=paper, reviewer=reviewer, fields=FIELDS)
    assert b"A pleasure to read" not in site.get(f"/papers/{paper.pk}/").content
    submission_transition(submission=paper, to_status=Status.ACCEPTED, actor=editor)
    page = site.get(f"/papers/{paper.pk}/").content
    assert b"Reviewer 1" in page and b"A pleasure to read" in page
    assert reviewer.username.encode() not in page and b"Accept as is" not in page
    assert b"A pleasure to read" in theirs.get(f"/papers/{paper.pk}/").content


def test_editors_invite_in_the_admin_with_conflicts_refused_and_read_reviews_side_by_side():
    editor = EditorFactory()
    author = UserFactory(email="ada@uni-a.edu")
    paper = paper_under_review(author, title="Side by side")
    admin = browser_for(editor)
    form = admin.get(f"/admin/reviews/invitation/add/?submission={paper.pk}")
    assert form.status_code == 200
    colleague = ReviewerFactory(email="alan@uni-a.edu")
    due = due_in().isoformat()
    refused = admin.post(
        "/admin/reviews/invitation/add/",
        {"submission": paper.pk, "reviewer": colleague.username, "due": due},
    )
    assert refused.status_code == 200 and b"conflict of interest" in refused.content
    assert not Invitation.objects.exists()
    overridden = admin.post(
        "/admin/reviews/invitation/add/",
        {
            "submission": paper.pk,
            "reviewer": colleague.username,
            "due": due,
            "override_conflict": "The only specialist.",
        },
    )
    assert overridden.status_code == 302
    invitation = Invitation.objects.get()
    assert (
        invitation.override_justification == "The only specialist."
        and invitation.invited_by == editor
    )
    assert OutboxEvent.objects.filter(event_type="reviewer_invited").count() == 1

    one, _ = accepted(paper, editor)
    two, _ = accepted(paper, editor)
    review_save(submission=paper, reviewer=one, fields=FIELDS)
    review_save(
        submission=paper,
        reviewer=two,
        fields=ReviewFields("reject", 1, 5, "Not novel.", "Seen it before."),
    )
    page = admin.get(f"/admin/reviews/invitation/paper/{paper.pk}/")
    assert page.status_code == 200
    for text in (
        one.username,
        two.username,
        "Accept as is.",
        "Seen it before.",
        "The only specialist.",
    ):
        assert text.encode() in page.content
    assert (
        browser_for(UserFactory()).get(f"/admin/reviews/invitation/paper/{paper.pk}/").status_code
        == 302
    )


def test_reminders_go_once_before_the_due_date_and_once_when_overdue(editor):
    paper = paper_under_review()
    _, invitation = accepted(paper, editor)
    accepted(paper, editor)  # due in 14 days: not yet
    done, finished = accepted(paper, editor)
    review_save(submission=paper, reviewer=done, fields=FIELDS)
    today = timezone.localdate()
    Invitation.objects.filter(pk__in=[invitation.pk, finished.pk]).update(
        due=today + timedelta(days=2)
    )
    assert reminders_send(today=today) == 1
    assert reminders_send(today=today) == 0
    assert reminders_send(today=today + timedelta(days=3)) == 1  # overdue now
    assert reminders_send(today=today + timedelta(days=4)) == 0
    reminded = OutboxEvent.objects.filter(event_type="reviewer_reminded")
    assert sorted(e.payload["reminder"] for e in reminded) == ["before_due", "overdue"]
    assert {e.payload["invitation_id"] for e in reminded} == {str(invitation.pk)}


def test_the_profile_page_keeps_an_affiliation_and_a_checked_orcid():
    user = UserFactory()
    site = browser_for(user)
    assert site.get("/accounts/profile/").status_code == 200
    wrong = site.post(
        "/accounts/profile/", {"affiliation": "Uni A", "orcid": "0000-0002-1825-0098"}
    )
    assert wrong.status_code == 400 and b"check digit" in wrong.content
    saved = site.post(
        "/accounts/profile/", {"affiliation": " Uni   A ", "orcid": "0000-0002-1825-0097"}
    )
    assert saved.status_code == 302
    me = client_for(user).get("/api/auth/me/").json()
    assert (me["affiliation"], me["orcid"]) == ("Uni A", "0000-0002-1825-0097")
