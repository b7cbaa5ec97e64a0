"""The summary API and the admin dashboard: editors only, and what they show."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from analytics.services import analytics_event_apply
from analytics.tests.events import DAY, paper_history
from harness import client_for
from submissions.tests.factories import EditorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_history():
    for history in (
        paper_history(uploaded=DAY, score=0.42, decisions=("under_review",)),
        paper_history(uploaded=DAY + timedelta(days=1), score=0.02),
    ):
        for event in history:
            analytics_event_apply(event=event)


def test_the_summary_is_for_editors_only():
    url = "/api/analytics/summary/"
    assert APIClient().get(url).status_code == 401
    assert client_for(UserFactory()).get(url).status_code == 403
    assert client_for(EditorFactory()).get(url).status_code == 200


def test_the_summary_reports_every_aggregate(some_history):
    body = client_for(EditorFactory()).get("/api/analytics/summary/").json()
    assert body["total"] == 2 and body["since"] is None
    assert body["by_status"]["under_review"] == 1 and body["by_status"]["checked"] == 1
    assert body["per_day"] == [
        {"day": DAY.date().isoformat(), "count": 1},
        {"day": (DAY.date() + timedelta(days=1)).isoformat(), "count": 1},
    ]
    assert body["decisions"]["under_review"] == 1
    scores = body["scores"]
    assert (scores["checked"], scores["flagged"]) == (2, 1)
    assert scores["median"] == pytest.approx(0.22)
    assert len(scores["histogram"]) == 10 and scores["histogram"][4]["count"] == 1
    assert body["time_to_check"] == {"count": 2, "p50_seconds": 30.0, "p95_seconds": 30.0}
    assert body["events"]["paper_uploaded"] == 2


def test_the_summary_takes_a_date_range(some_history):
    day = DAY.date().isoformat()
    body = client_for(EditorFactory()).get(f"/api/analytics/summary/?since={day}&until={day}")
    assert body.json()["total"] == 1 and body.json()["since"] == day


@pytest.mark.parametrize(
    ("query", "field"),
    [("since=yesterday", "since"), ("since=2026-11-05&until=2026-11-01", "until")],
)
def test_a_bad_date_range_is_a_400_that_says_what_is_wrong(query, field):
    response = client_for(EditorFactory()).get(f"/api/analytics/summary/?{query}")
    assert response.status_code == 400 and field in response.json()


def test_the_dashboard_is_for_staff_only(client):
    url = "/admin/analytics/dashboard/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory())
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(EditorFactory())
    assert client.get(url).status_code == 200


def test_the_dashboard_draws_a_bar_per_datum_and_the_admin_index_links_it(client, some_history):
    client.force_login(EditorFactory())
    page = client.get("/admin/analytics/dashboard/").content.decode()
    for chart in (
        "per-day",
        "scores",
        "statuses",
        "decisions",
        "time-to-check",
        "revisions",
        "time-to-decision",
    ):
        assert f'data-chart="{chart}"' in page
    assert 'data-label="40%–50%" data-value="1"' in page
    assert 'data-label="Under review" data-value="1"' in page
    assert "/admin/analytics/dashboard/" in client.get("/admin/").content.decode()


def test_a_bad_range_on_the_dashboard_is_shown_not_a_500(client):
    client.force_login(EditorFactory())
    response = client.get("/admin/analytics/dashboard/?since=2026-13-45")
    assert response.status_code == 200
    assert "since:" in response.content.decode()
