"""A reviewer's round in Debian's Chromium, driven by Playwright against the live server:
log in, accept one invitation and decline another for a conflict of interest, read the paper
double-blind, be refused an incomplete review, save a draft, submit; then the author reads the
reviews, numbered, with the editors' decision. Each page is checked as the author journey's
are (one h1, every control labelled, no overflow at phone width) and left as a screenshot in
var/screenshots/."""

import shutil

import pytest
from django.db import connections
from playwright.sync_api import Page, expect, sync_playwright

from contracts.codes import Status
from harness import csp_violations
from reviews.models import Invitation, Review
from reviews.services import invitation_create
from reviews.tests.factories import ReviewerFactory, due_in, paper_under_review
from submissions.services import submission_transition
from submissions.tests.factories import EditorFactory, UserFactory
from web.tests.test_journey_browser import PHONE, assert_accessible, shot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-passphrase-42"  # the factories' password


def log_in(page: Page, site: str, username: str) -> None:
    page.goto(site + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click('button:text-is("Log in")')


def test_a_reviewer_answers_reads_double_blind_and_reviews_in_a_real_browser(
    live_api, settings, monkeypatch
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    chromium = shutil.which("chromium")
    assert chromium, "Chromium is missing: ops/browser.sh installs it (make test runs it)"
    settings.REVIEW_BLIND_MODE = "double"
    site = live_api.url
    editor = EditorFactory()
    author = UserFactory(username="ada_lovelace")
    paper = paper_under_review(
        author,
        title="Notes on the analytical engine",
        coauthors=[("Charles Babbage", "charles@engine.example", "Difference Engine Co")],
    )
    other = paper_under_review(title="A paper too close to home", seed=5)
    reviewer = ReviewerFactory()
    for submission in (paper, other):
        invitation_create(
            submission=submission, editor=editor, reviewer=reviewer.username, due=due_in()
        )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            violations = csp_violations(page)
            log_in(page, site, reviewer.username)
            page.click("nav >> text=Reviewing")
            expect(page.locator("h1")).to_have_text("Reviewing")
            expect(page.locator("#pending-invitations > li")).to_have_count(2)
            assert_accessible(page)
            shot(page, "review-01-invitations")

            # Decline one for a conflict: refused without saying which, then done.
            page.locator("#pending-invitations > li", has_text="too close").locator(
                "text=Decline"
            ).click()
            page.check("#id_conflict")
            page.click('button:text-is("Decline")')
            expect(page.locator("#form-errors")).to_contain_text("Say what the conflict")
            assert_accessible(page)
            expect(page.locator("#id_conflict")).to_be_checked()  # kept
            page.fill("#id_reason", "I supervised the first author's thesis.")
            page.click('button:text-is("Decline")')
            expect(page.locator("#pending-invitations > li")).to_have_count(1)

            # Accept the other; the paper opens, without its authors.
            page.click('button:text-is("Accept to review")')
            expect(page.locator("h1")).to_have_text("Notes on the analytical engine")
            expect(page.locator("#blind-note")).to_contain_text("double-blind")
            body = page.inner_text("body")
            for identity in ("ada_lovelace", "Babbage", "Difference Engine", "charles@"):
                assert identity not in body
            assert_accessible(page)
            shot(page, "review-02-paper")

            # An incomplete review is refused with the reasons; then a draft; then submitted.
            page.click('button:text-is("Submit the review")')
            expect(page.locator("#form-errors")).to_contain_text("Recommendation")
            assert_accessible(page)
            page.check("#id_recommendation_major_revision")
            page.select_option("#id_score", "2")
            page.select_option("#id_confidence", "4")
            page.fill("#id_comments_to_authors", "The evaluation needs a second data set.")
            page.fill("#id_confidential_comments", "Borderline; I lean to reject.")
            page.click('button:text-is("Save a draft")')
            expect(page.locator("#review-state")).to_contain_text("A draft")
            assert Review.objects.get().submitted_at is None
            page.click('button:text-is("Submit the review")')
            expect(page.locator("#review-state")).to_contain_text("Submitted on")
            page.set_viewport_size(PHONE)
            assert_accessible(page)
            shot(page, "review-03-submitted")
            page.set_viewport_size({"width": 1200, "height": 900})

            assert Invitation.objects.get(submission=other).conflict_declared
            submission_transition(
                submission=paper,
                to_status=Status.REVISION_REQUESTED,
                actor=editor,
                comment="Please answer the reviewer.",
            )
            # The round is decided: the paper is no longer the reviewer's to read.
            assert page.reload().status == 404

            # The author reads the review, numbered, never its writer or confidential words.
            page.context.clear_cookies()
            log_in(page, site, author.username)
            page.goto(f"{site}/papers/{paper.pk}/")
            expect(page.locator("#review-1-1")).to_contain_text("Reviewer 1")
            expect(page.locator("#review-1-1")).to_contain_text("a second data set")
            expect(page.locator("#paper-authors")).to_contain_text("Charles Babbage")
            body = page.inner_text("body")
            assert reviewer.username not in body and "Borderline" not in body
            assert_accessible(page)
            shot(page, "review-04-author")
            assert violations == [], violations
        finally:
            browser.close()
        connections.close_all()
