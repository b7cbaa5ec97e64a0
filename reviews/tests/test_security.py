"""Blind review cannot be probed, tried through the live server as a reviewer would: a
reviewer invited by address who changes their details after the invitation, or lists a
guessed address on a paper of their own, then accepts, learns nothing about the authors;
one whose conflict predates the invitation is told only that they cannot review the paper,
once, and the editors read the reasons."""

import html

import pytest

from accounts.services import profile_update
from contracts.events import InvitationAnswered
from harness import http_for
from notifications.handlers import handle_invitation_answered
from notifications.models import Notification
from outbox.models import OutboxEvent
from outbox.wire import ReceivedEvent
from plagiarism.tests.factories import prose
from reviews.models import Invitation
from reviews.services import CANNOT_REVIEW, invitation_create
from reviews.tests.factories import ReviewerFactory, due_in, paper_under_review, verified

PASSWORD = "a-long-passphrase-42"  # UserFactory's

pytestmark = pytest.mark.django_db(transaction=True)

SECRETS = ("Grace", "Hopper", "grace@", "navy", "Naval", "Research Lab")


def blind_paper(seed: int):
    return paper_under_review(
        seed=seed, coauthors=[("Grace Hopper", "grace@navy.example", "Naval Research Lab")]
    )


def invited(paper, editor, address: str) -> Invitation:
    return invitation_create(submission=paper, editor=editor, reviewer=address, due=due_in())


def reviewer_of(address: str):
    return verified(ReviewerFactory(email=address))


def assert_tells_nothing(answer) -> None:
    for secret in SECRETS:
        assert secret not in answer.text, (secret, answer.text)


@pytest.mark.parametrize("guess", ["Naval Research Lab", "Somewhere Else"])
def test_details_changed_after_the_invitation_change_nothing_the_reviewer_sees(
    live_api, editor, guess
):
    paper = blind_paper(seed=41)
    invitation = invited(paper, editor, "prober@probe-u.example")
    reviewer = reviewer_of("prober@probe-u.example")
    with http_for(live_api, reviewer) as http:
        assert http.patch("/api/auth/me/", json={"affiliation": guess}).status_code == 200
        # A paper of their own listing a guessed address as co-author, made after the invitation.
        own = http.post("/api/submissions/", json={"title": "Dummy", "text": prose(42, 200)})
        assert own.status_code == 201, own.text
        listed = http.post(
            f"/api/submissions/{own.json()['id']}/authors/",
            json={"name": "G", "email": "grace@navy.example", "affiliation": guess},
        )
        assert listed.status_code == 201, listed.text
        answer = http.post(f"/api/invitations/{invitation.pk}/accept/")
        # Right guess or wrong, the same answer: the invitation's terms, nothing else.
        assert answer.status_code == 200, answer.text
        assert_tells_nothing(answer)
        assert http.get(f"/api/reviewing/{paper.pk}/").status_code == 200


def test_a_conflict_from_before_the_invitation_is_refused_once_in_words_that_name_no_one(
    live_api, editor
):
    paper = blind_paper(seed=43)
    reviewer = ReviewerFactory(email="colleague@probe-v.example")  # not proven yet
    with http_for(live_api, reviewer) as http:
        http.patch("/api/auth/me/", json={"affiliation": "Naval Research Lab"})
        invitation = invited(paper, editor, "colleague@probe-v.example")  # the address only
        verified(reviewer)
        refused = http.post(f"/api/invitations/{invitation.pk}/accept/")
        assert refused.status_code == 409
        assert refused.json()["detail"] == CANNOT_REVIEW
        assert_tells_nothing(refused)
        # Once: other details and another accept change nothing, and say nothing more.
        http.patch("/api/auth/me/", json={"affiliation": "Elsewhere"})
        again = http.post(f"/api/invitations/{invitation.pk}/accept/")
        assert again.status_code == 409 and "declined already" in again.json()["detail"]
        assert http.get(f"/api/reviewing/{paper.pk}/").status_code == 404
        listed = http.get("/api/invitations/")
        assert listed.json()["results"][0]["state"] == "declined"
        assert_tells_nothing(listed)
    closed = Invitation.objects.get(pk=invitation.pk)
    assert closed.state == Invitation.State.DECLINED and closed.reviewer == reviewer
    assert "Naval Research Lab" in closed.conflicts  # for the editors
    editors = http_for(live_api, editor).get(f"/api/submissions/{paper.pk}/invitations/")
    assert "Naval Research Lab" in editors.json()["results"][0]["conflicts"]


def site_login(http, user) -> None:
    """Sign in through the site's form, as a browser does (its CSRF cookie and field)."""
    form = http.get("/accounts/login/")
    signed_in = http.post(
        "/accounts/login/",
        data={
            "username": user.get_username(),
            "password": PASSWORD,
            "csrfmiddlewaretoken": form.cookies["csrftoken"],
        },
        headers={"Referer": f"{http.base_url}/accounts/login/"},
    )
    assert signed_in.status_code == 302, signed_in.text


def site_post(http, path: str):
    return http.post(
        path,
        data={"csrfmiddlewaretoken": http.cookies["csrftoken"]},
        headers={"Referer": f"{http.base_url}{path}"},
        follow_redirects=True,
    )


def test_the_site_says_the_same_and_no_more(live_api, editor):
    paper = blind_paper(seed=44)
    reviewer = ReviewerFactory(email="site@probe-w.example")
    profile_update(user=reviewer, affiliation="Naval Research Lab")
    invitation = invited(paper, editor, "site@probe-w.example")
    verified(reviewer)
    with http_for(live_api) as browser:
        site_login(browser, reviewer)
        page = site_post(browser, f"/reviewing/invitations/{invitation.pk}/accept/")
        assert page.status_code == 200
        assert CANNOT_REVIEW.capitalize() in html.unescape(page.text)
        assert_tells_nothing(page)
    answered = OutboxEvent.objects.get(event_type="invitation_answered")
    handle_invitation_answered(
        ReceivedEvent(
            id=answered.event_id,
            time=answered.created_at,
            data=InvitationAnswered(**answered.payload),
        )
    )
    notice = Notification.objects.filter(user=editor, submission_id=paper.pk).get()
    assert "Naval Research Lab" in notice.body and reviewer.username in notice.body
