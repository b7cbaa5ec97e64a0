"""An author's whole journey through the site in Debian's Chromium, driven by Playwright,
against the live server and the real processes (relay, Kafka, the plagiarism and
notifications consumers, a Celery worker): sign up, confirm the address from the email, submit
a PDF, see it checked, read the report, receive a revision request, send version 2 with a
response, see what changed, withdraw another paper; and every refusal on the way. Each page
is left as a screenshot in var/screenshots/ (git-ignored)."""

import re
import shutil

import pytest
from django.core import mail
from django.db import connections
from playwright.sync_api import Page, expect, sync_playwright

from contracts.codes import Status
from harness import ROOT, csp_violations, running_consumer, wait_until
from notifications.handlers import GROUP as NOTIFICATIONS
from plagiarism.handlers import GROUP as PLAGIARISM
from plagiarism.tests.factories import prose
from plagiarism.tests.test_flow import relay_all
from submissions.models import ChecklistItem, Submission
from submissions.services import submission_create, submission_transition
from submissions.tests.factories import EditorFactory, UserFactory
from web.tests.papers import pdf_of

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = ROOT / "var" / "screenshots"
PASSWORD = "Tall-ships-at-dawn-7"
PHONE = {"width": 375, "height": 740}


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"site-{name}.png", full_page=True)


def assert_accessible(page: Page) -> None:
    """What can be checked of accessibility without a person: the page's language, one
    h1, every form control named by a label, a skip link to the content, and nothing wider
    than the window (the phone's too)."""
    facts = page.evaluate(
        """() => ({
            lang: document.documentElement.lang,
            h1: document.querySelectorAll('h1').length,
            unlabelled: [...document.querySelectorAll('input, select, textarea')]
                .filter(e => e.type !== 'hidden')
                .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                .map(e => e.name),
            skip: document.querySelector('a.skip')?.getAttribute('href'),
            overflow: document.documentElement.scrollWidth - window.innerWidth,
        })"""
    )
    assert facts["lang"] == "en"
    assert facts["h1"] == 1, page.url
    assert facts["unlabelled"] == [], page.url
    assert facts["skip"] == "#content"
    assert facts["overflow"] <= 0, f"{page.url} is wider than the window"


def wait_for_page_text(page: Page, selector: str, text: str, what: str) -> None:
    """Reload until ``selector`` shows ``text``, relaying the outbox meanwhile (the test
    stands in for the relay process)."""

    def shown() -> bool:
        relay_all()
        page.reload()
        return text in page.inner_text(selector)

    wait_until(shown, timeout=120, interval=1, what=what)


def test_an_author_submits_follows_and_revises_a_paper_in_a_real_browser(
    live_api, kafka_topics, celery_worker, settings, monkeypatch
):
    # Playwright's sync API runs an event loop in this thread, and Django then refuses the
    # ORM here; the test's own reads and the relay are plain blocking calls, as intended.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    chromium = shutil.which("chromium")
    assert chromium, "Chromium is missing: ops/browser.sh installs it (make test runs it)"
    site = live_api.url
    editor = EditorFactory()
    # Someone else's earlier paper, which the author's paper will partly copy.
    rival = UserFactory()
    shared = prose(301, 120)
    earlier = submission_create(
        author=rival, title="The rival's secret title", text=shared + " " + prose(302, 300)
    )
    # The venue requires a confirmed address and a checklist from now on.
    settings.ACCOUNTS_REQUIRE_VERIFIED_EMAIL = True
    settings.PUBLIC_BASE_URL = site
    settings.SUBMISSION_MAX_UPLOAD_BYTES = 1024 * 1024
    ChecklistItem.objects.create(text="The paper is not under review elsewhere.", position=1)

    with (
        running_consumer(PLAGIARISM),
        running_consumer(NOTIFICATIONS),
        sync_playwright() as playwright,
    ):
        wait_until(
            lambda: (
                (relay_all(), Submission.objects.get(pk=earlier.pk).status)[1] == Status.CHECKED
            ),
            timeout=120,
            what="the earlier paper's check",
        )
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            violations = csp_violations(page)

            # The admin's "View site" and the root both lead here.
            page.goto(site + "/")
            expect(page.locator("h1")).to_have_text("Submit and follow your papers")
            assert_accessible(page)
            shot(page, "01-home")

            # Sign up: a refusal first (the passwords differ), then for real.
            page.click("text=Create an account")
            page.fill("#id_username", "ada")
            page.fill("#id_email", "ada@example.org")
            page.fill("#id_password", PASSWORD)
            page.fill("#id_password2", PASSWORD + "x")
            page.click("button[type=submit] >> text=Create my account")
            expect(page.locator("#id_password2-errors")).to_contain_text("two passwords differ")
            assert_accessible(page)
            shot(page, "02-signup-refused")
            page.fill("#id_password", PASSWORD)
            page.fill("#id_password2", PASSWORD)
            page.click("button[type=submit] >> text=Create my account")
            page.wait_for_url("**/papers/")
            expect(page.locator(".messages")).to_contain_text("We sent a link to ada@example.org")
            expect(page.locator(".notice")).to_contain_text("Confirm your email address")
            assert_accessible(page)
            shot(page, "03-my-papers-empty")

            # Submitting before the address is confirmed is refused, with the way out.
            page.click("nav >> text=Submit a paper")
            page.fill("#id_title", "Tides and their keepers")
            page.set_input_files(
                "#id_file",
                {
                    "name": "tides.pdf",
                    "mimeType": "application/pdf",
                    "buffer": pdf_of(prose(7, 50)),
                },
            )
            page.check("input[name=checklist]")
            page.click("text=Submit the paper")
            expect(page.locator("#form-errors")).to_contain_text("your email address")
            shot(page, "04-submit-refused-unverified")

            # The link from the email (the email backend's outbox) confirms the address.
            (verification,) = [m for m in mail.outbox if m.to == ["ada@example.org"]]
            link = re.search(r"https?://\S+/accounts/verify/\S+/", verification.body).group(0)
            assert link.startswith(site)
            page.goto(link)
            expect(page.locator(".messages")).to_contain_text("ada@example.org is confirmed")

            # Refusals of the file itself: a type we do not take, and one too large.
            page.goto(site + "/papers/new/")
            page.fill("#id_title", "Tides and their keepers")
            page.set_input_files(
                "#id_file",
                {
                    "name": "tides.png",
                    "mimeType": "image/png",
                    "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * 400,
                },
            )
            page.check("input[name=checklist]")
            page.click("text=Submit the paper")
            expect(page.locator("#id_file-errors")).to_contain_text("PDF")
            assert page.input_value("#id_title") == "Tides and their keepers"  # kept
            assert_accessible(page)
            shot(page, "05-submit-refused-type")
            page.set_input_files(
                "#id_file",
                {"name": "big.txt", "mimeType": "text/plain", "buffer": b"words " * 300_000},
            )
            page.check("input[name=checklist]")
            page.click("text=Submit the paper")
            expect(page.locator("#id_file-errors")).to_contain_text("larger than 1 MB")
            shot(page, "06-submit-refused-size")
            # The checklist must be confirmed.
            paper_text = prose(8, 200) + " " + shared + " " + prose(9, 200)
            page.set_input_files(
                "#id_file",
                {"name": "tides.pdf", "mimeType": "application/pdf", "buffer": pdf_of(paper_text)},
            )
            page.uncheck("input[name=checklist]")
            page.click("text=Submit the paper")
            expect(page.locator("#id_checklist-errors")).to_contain_text(
                "not under review elsewhere"
            )
            assert Submission.objects.filter(author__username="ada").count() == 0

            # The PDF, for real.
            page.set_input_files(
                "#id_file",
                {"name": "tides.pdf", "mimeType": "application/pdf", "buffer": pdf_of(paper_text)},
            )
            page.check("input[name=checklist]")
            page.click("text=Submit the paper")
            page.wait_for_url(re.compile(r".*/papers/[0-9a-f-]{36}/$"))
            paper_url = page.url
            expect(page.locator("#paper-status")).to_have_text("Received")
            shot(page, "07-paper-received")
            paper = Submission.objects.get(author__username="ada")
            assert paper.checklist == ["The paper is not under review elsewhere."]

            # Checked: the page says so, and the report shows the author's own words marked.
            wait_for_page_text(page, "#paper-status", "Similarity check done", "the check")
            expect(page.locator("#check-result")).to_contain_text("matches earlier texts by others")
            assert_accessible(page)
            shot(page, "08-paper-checked")
            page.click("text=Read the report")
            expect(page.locator("h1")).to_have_text("Similarity report, version 1")
            marks = page.locator("#paper-text mark")
            assert marks.count() >= 1
            assert shared.split()[10] in " ".join(marks.all_inner_texts())
            expect(page.locator("main table")).to_contain_text("Another submission")
            content = page.content()
            assert "rival" not in content and str(earlier.pk) not in content
            assert_accessible(page)
            shot(page, "09-report")

            # The editors ask for a revision; the author hears of it and reads their comment.
            submission_transition(submission=paper, to_status=Status.UNDER_REVIEW, actor=editor)
            submission_transition(
                submission=paper,
                to_status=Status.REVISION_REQUESTED,
                actor=editor,
                comment="Please discuss the tidal records of 1890.",
                note="Editors only: reviewer 2 was harsh.",
            )
            page.goto(site + "/notifications/")
            wait_for_page_text(page, "main", "The editors ask for a revision", "the notification")
            expect(page.locator("nav .count")).to_be_visible()
            assert_accessible(page)
            shot(page, "10-notifications")
            page.locator("li.unread", has_text="ask for a revision").locator(
                "text=See your paper"
            ).click()
            page.wait_for_url(paper_url)
            expect(page.locator("#paper-status")).to_have_text("Revision requested")
            expect(page.locator("main")).to_contain_text(
                "Please discuss the tidal records of 1890."
            )
            assert "reviewer 2 was harsh" not in page.content()

            # Version 2 with a response; then what changed.
            page.click("text=Send a revision")
            assert_accessible(page)
            shot(page, "11-revise")
            revised = paper_text + " The tidal records of 1890 confirm the keepers' logs."
            page.set_input_files(
                "#id_file",
                {"name": "tides-v2.md", "mimeType": "text/markdown", "buffer": revised.encode()},
            )
            page.fill("#id_response", "We added the records of 1890.")
            page.click("text=Send version 2")
            page.wait_for_url(paper_url)
            expect(page.locator(".messages")).to_contain_text("Version 2 has been received")
            expect(page.locator("#paper-status")).to_have_text("Received")
            page.click("text=What changed from version 1")
            expect(page.locator("#diff ins")).to_contain_text("tidal records of 1890")
            assert_accessible(page)
            shot(page, "12-diff")

            # On a phone: the paper's page fits the width.
            phone = browser.new_page(viewport=PHONE)
            violations += csp_violations(phone)
            phone.context.add_cookies(page.context.cookies())
            phone.goto(paper_url)
            assert_accessible(phone)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            phone.screenshot(path=SCREENSHOTS / "site-13-paper-phone.png", full_page=True)
            phone.close()

            # Another paper, withdrawn: refused without the confirmation, then done.
            page.goto(site + "/papers/new/")
            page.fill("#id_title", "A paper to withdraw")
            page.set_input_files(
                "#id_file",
                {"name": "w.txt", "mimeType": "text/plain", "buffer": prose(11, 150).encode()},
            )
            page.check("input[name=checklist]")
            page.click("text=Submit the paper")
            page.wait_for_url(re.compile(r".*/papers/[0-9a-f-]{36}/$"))
            page.click('a.button:text-is("Withdraw")')
            page.fill("#id_reason", "Sent to the wrong venue.")
            page.click("text=Withdraw the paper")
            expect(page.locator("#id_confirm-errors")).to_contain_text("confirm that you withdraw")
            assert_accessible(page)
            shot(page, "14-withdraw")
            page.check("#id_confirm")
            page.click("text=Withdraw the paper")
            expect(page.locator("#paper-status")).to_have_text("Withdrawn")
            expect(page.locator("main")).to_contain_text("Sent to the wrong venue.")

            # My papers: newest first, filterable by status.
            page.goto(site + "/papers/")
            titles = page.locator("main tbody td:first-child").all_inner_texts()
            assert titles == ["A paper to withdraw", "Tides and their keepers"]
            page.select_option("#id_status", "withdrawn")
            page.click("text=Filter")
            assert page.locator("main tbody td:first-child").all_inner_texts() == [
                "A paper to withdraw"
            ]
            assert_accessible(page)
            shot(page, "15-my-papers")

            # Another author's paper by its address: the site's 404 page, nothing of it.
            response = page.goto(f"{site}/papers/{earlier.pk}/")
            assert response.status == 404
            expect(page.locator("h1")).to_have_text("Page not found")
            assert "rival" not in page.content()
            response = page.goto(f"{site}/papers/{earlier.pk}/report/")
            assert response.status == 404
            shot(page, "16-not-found")

            # API tokens: made, shown once, revoked.
            page.goto(site + "/accounts/tokens/")
            page.fill("#id_name", "repository sync")
            page.click('button:text-is("Make a token")')
            key = page.inner_text("#new-key").strip()
            assert re.fullmatch(r"pat_[0-9a-f]{40}", key)
            assert_accessible(page)
            shot(page, "17-tokens")
            page.goto(site + "/accounts/tokens/")
            assert key not in page.content()

            # The API's docs and the admin's login work under the same policy.
            page.goto(site + "/api/docs/")
            expect(page.locator(".swagger-ui .info")).to_be_visible(timeout=30_000)
            page.goto(site + "/admin/login/")
            expect(page.locator("#id_username")).to_be_visible()
            assert violations == [], violations
        finally:
            browser.close()
            # Inside Playwright's event loop Django keeps connections apart from this
            # thread's usual one; closed here, or the test database cannot be dropped.
            connections.close_all()
    for name in ("01-home", "09-report", "12-diff", "13-paper-phone", "17-tokens"):
        assert (SCREENSHOTS / f"site-{name}.png").stat().st_size > 5_000
