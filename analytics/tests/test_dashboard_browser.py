"""The dashboard as a person sees it: Debian's Chromium, driven by Playwright, logs in,
opens the dashboard from the admin's index, checks that every chart drew the data this test
created, and leaves a screenshot in var/screenshots/ (git-ignored)."""

import shutil
from datetime import timedelta

import pytest
from playwright.sync_api import sync_playwright

from analytics.services import analytics_event_apply
from analytics.tests.events import DAY, paper_history
from harness import ROOT, csp_violations
from submissions.tests.factories import EditorFactory

SCREENSHOTS = ROOT / "var" / "screenshots"


def bars(page, chart: str) -> list[dict]:
    """Each bar of a chart as drawn: its label, value and rendered size in pixels."""
    return page.eval_on_selector_all(
        f'svg[data-chart="{chart}"] rect.bar',
        """rects => rects.map(r => ({
            label: r.dataset.label,
            value: Number(r.dataset.value),
            width: r.getBoundingClientRect().width,
            height: r.getBoundingClientRect().height,
            fill: getComputedStyle(r).fill,
        }))""",
    )


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_draws_every_chart_from_the_data_in_a_real_browser(live_server):
    chromium = shutil.which("chromium")
    assert chromium, "Chromium is missing: ops/browser.sh installs it (make test runs it)"
    EditorFactory(username="chief")
    day = DAY
    for history in (
        paper_history(uploaded=day, score=0.05, check_seconds=12, decisions=("under_review",)),
        paper_history(
            uploaded=day, score=0.33, check_seconds=20, decisions=("under_review", "accepted")
        ),
        paper_history(
            uploaded=day, score=0.37, check_seconds=30, decisions=("under_review", "rejected")
        ),
        paper_history(uploaded=day + timedelta(days=2), score=0.81, check_seconds=90),
    ):
        for event in history:
            analytics_event_apply(event=event)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            violations = csp_violations(page)
            page.goto(f"{live_server.url}/admin/login/?next=/admin/")
            page.fill("#id_username", "chief")
            page.fill("#id_password", "a-long-passphrase-42")
            page.click("input[type=submit]")
            page.click("#analytics-dashboard-link a >> nth=0")
            page.wait_for_url("**/admin/analytics/dashboard/")

            per_day = bars(page, "per-day")
            assert [(b["label"], b["value"]) for b in per_day] == [
                ("2026-11-02", 3),
                ("2026-11-03", 0),
                ("2026-11-04", 1),
            ]
            assert per_day[1]["height"] == 0
            assert per_day[0]["height"] == pytest.approx(3 * per_day[2]["height"], rel=0.02)
            # Drawn in the admin's colour, so the stylesheet reached the browser.
            assert per_day[0]["fill"] == "rgb(65, 118, 144)"

            scores = bars(page, "scores")
            assert [b["value"] for b in scores] == [1, 0, 0, 2, 0, 0, 0, 0, 1, 0]
            assert scores[3]["height"] == pytest.approx(2 * scores[0]["height"], rel=0.02)

            statuses = {b["label"]: b for b in bars(page, "statuses")}
            assert {label: b["value"] for label, b in statuses.items() if b["value"]} == {
                "Similarity check done": 1,
                "Under review": 1,
                "Accepted": 1,
                "Not accepted": 1,
            }
            assert statuses["Accepted"]["width"] > 0 and statuses["Withdrawn"]["width"] == 0

            decisions = {b["label"]: b["value"] for b in bars(page, "decisions")}
            assert decisions["sent to review"] == 3
            assert decisions["accepted"] == decisions["rejected"] == 1

            waited = {b["label"]: b for b in bars(page, "time-to-check")}
            assert waited["median"]["value"] == 25 and waited["median"]["width"] > 0
            assert waited["95th percentile"]["width"] > waited["median"]["width"]

            assert page.inner_text('[data-tile="total"] .figure') == "4"
            assert page.inner_text('[data-tile="flagged"] .figure') == "3"

            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SCREENSHOTS / "analytics-dashboard.png", full_page=True)
            assert violations == [], violations
        finally:
            browser.close()
    assert (SCREENSHOTS / "analytics-dashboard.png").stat().st_size > 10_000
