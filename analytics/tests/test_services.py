"""The aggregates: exact figures, whatever order a submission's events arrive in."""

import itertools
from datetime import date, timedelta

import pytest

from analytics.models import DailyEventCount, DecisionFact, SubmissionFact
from analytics.selectors import analytics_summary
from analytics.services import analytics_event_apply
from analytics.tests.events import DAY, paper_history

pytestmark = pytest.mark.django_db


def facts() -> list[tuple]:
    return list(
        SubmissionFact.objects.order_by("submission_id").values_list(
            "uploaded_at", "uploaded_on", "status", "score", "flagged", "checked_at"
        )
    )


def interleavings(events):
    """Every arrival order the topics allow: the upload, the check and the decisions come
    on three topics, but the decisions (one topic, one key) stay in their order."""
    decisions = events[2:]
    for order in itertools.permutations(range(len(events))):
        picked = [events[i] for i in order]
        positions = [picked.index(d) for d in decisions]
        if positions == sorted(positions):
            yield picked


def test_the_final_facts_do_not_depend_on_the_order_events_arrive_in():
    history = paper_history(uploaded=DAY, score=0.3, decisions=("under_review", "accepted"))
    results = set()
    for order in interleavings(history):
        SubmissionFact.objects.all().delete()
        DecisionFact.objects.all().delete()
        for event in order:
            analytics_event_apply(event=event)
        results.add(tuple(facts()))
    assert len(results) == 1
    ((uploaded_at, uploaded_on, status, score, flagged, checked_at),) = results.pop()
    assert (status, score, flagged) == ("accepted", 0.3, True)
    assert uploaded_on == DAY.date() and checked_at - uploaded_at == timedelta(seconds=30)


def test_a_withdrawal_before_the_check_is_not_undone_by_the_check():
    upload, check = paper_history(uploaded=DAY, score=0.0)
    (withdrawal,) = paper_history(uploaded=DAY, decisions=("withdrawn",))[1:]
    withdrawal = type(withdrawal)(
        id=withdrawal.id,
        time=DAY + timedelta(seconds=5),
        data=withdrawal.data.model_copy(
            update={"submission_id": upload.data.submission_id, "from_status": "submitted"}
        ),
    )
    for event in (upload, withdrawal, check):
        analytics_event_apply(event=event)
    assert SubmissionFact.objects.get().status == "withdrawn"


def test_the_summary_has_exact_counts_percentiles_histogram_and_time_to_check():
    histories = [
        paper_history(uploaded=DAY, score=0.05, check_seconds=10, decisions=("under_review",)),
        paper_history(
            uploaded=DAY, score=0.15, check_seconds=20, decisions=("under_review", "accepted")
        ),
        paper_history(
            uploaded=DAY + timedelta(days=2),
            score=0.25,
            check_seconds=30,
            decisions=("under_review", "rejected"),
        ),
        paper_history(uploaded=DAY + timedelta(days=2), score=0.95, check_seconds=40),
        paper_history(uploaded=DAY + timedelta(days=3)),  # not checked yet
    ]
    for event in itertools.chain.from_iterable(histories):
        analytics_event_apply(event=event)

    summary = analytics_summary()
    assert summary.total == 5
    assert summary.by_status == {
        "submitted": 1,
        "checked": 1,
        "under_review": 1,
        "accepted": 1,
        "rejected": 1,
        "revision_requested": 0,
        "withdrawn": 0,
    }
    first = DAY.date()
    assert summary.per_day == [
        (first, 2),
        (first + timedelta(days=1), 0),  # a day without uploads is still a bar
        (first + timedelta(days=2), 2),
        (first + timedelta(days=3), 1),
    ]
    assert summary.decisions == {
        "under_review": 3,
        "accepted": 1,
        "rejected": 1,
        "revision_requested": 0,
        "withdrawn": 0,
        "submitted": 0,
    }
    assert (summary.checked, summary.flagged) == (4, 3)
    assert summary.score_mean == pytest.approx(0.35)
    assert summary.score_median == pytest.approx(0.20)
    assert summary.score_p90 == pytest.approx(0.25 + 0.7 * (0.95 - 0.25))
    assert [b.count for b in summary.score_histogram] == [1, 1, 1, 0, 0, 0, 0, 0, 0, 1]
    assert (summary.score_histogram[9].low, summary.score_histogram[9].high) == (0.9, 1.0)
    assert summary.time_to_check_count == 4
    assert summary.time_to_check_p50 == pytest.approx(25.0)
    assert summary.time_to_check_p95 == pytest.approx(38.5)
    assert summary.events == {
        "paper_uploaded": 5,
        "plagiarism_checked": 4,
        "plagiarism_check_failed": 0,
        "submission_decided": 5,
        "reviewer_invited": 0,
        "invitation_answered": 0,
        "reviewer_reminded": 0,
        "reviewer_removed": 0,
        "review_submitted": 0,
    }
    assert sum(DailyEventCount.objects.values_list("count", flat=True)) == 14


def test_the_summary_counts_versions_revision_times_desk_rejects_and_time_to_decision():
    revised = paper_history(
        uploaded=DAY,
        score=0.05,
        check_seconds=60,
        decisions=("under_review", "revision_requested", "submitted", "under_review", "accepted"),
    )
    desk_rejected = paper_history(
        uploaded=DAY, score=0.5, check_seconds=60, decisions=("rejected",)
    )
    waiting = paper_history(uploaded=DAY, score=0.01)
    for event in revised + desk_rejected + waiting:
        analytics_event_apply(event=event)

    summary = analytics_summary()
    assert summary.versions_mean == pytest.approx(4 / 3) and summary.revised == 1
    assert summary.revision_count == 1
    assert summary.revision_p50 == pytest.approx(3600)  # requested at hour 2, back at hour 3
    assert (summary.final_decisions, summary.desk_rejects) == (2, 1)
    assert summary.desk_reject_share == pytest.approx(0.5)
    # Accepted 60 s + 5 h after its upload, desk rejected 60 s + 1 h after its upload.
    assert summary.time_to_decision_p50 == pytest.approx(60 + 3 * 3600)
    assert summary.decisions["submitted"] == 1
    assert summary.by_status["accepted"] == 1 and summary.by_status["rejected"] == 1


def test_a_revision_event_arriving_before_the_request_still_ends_in_the_right_status():
    """The new version's upload (its own topic) may be applied before the decisions: the
    status comes from the decisions alone, so the order does not change the outcome."""
    events = paper_history(
        uploaded=DAY, score=0.2, decisions=("under_review", "revision_requested", "submitted")
    )
    upload_v2 = next(e for e in events if getattr(e.data, "paper_version", 1) == 2)
    others = [e for e in events if e is not upload_v2]
    analytics_event_apply(event=upload_v2)
    for event in others:
        analytics_event_apply(event=event)
    fact = SubmissionFact.objects.get()
    assert (fact.status, fact.versions) == ("submitted", 2)
    assert fact.uploaded_at == DAY  # the first version's upload


def test_a_date_range_counts_only_uploads_and_decisions_inside_it():
    inside = paper_history(uploaded=DAY, score=0.5, decisions=("under_review",))
    outside = paper_history(uploaded=DAY - timedelta(days=10), score=0.0)
    for event in inside + outside:
        analytics_event_apply(event=event)
    summary = analytics_summary(since=DAY.date(), until=DAY.date() + timedelta(days=1))
    assert summary.total == 1 and summary.checked == 1 and summary.score_median == 0.5
    assert summary.per_day == [(DAY.date(), 1), (DAY.date() + timedelta(days=1), 0)]
    assert summary.decisions["under_review"] == 1
    assert summary.events["paper_uploaded"] == 1
    empty = analytics_summary(since=date(2020, 1, 1), until=date(2020, 1, 3))
    assert empty.total == 0 and empty.score_median is None and empty.time_to_check_p50 is None
    assert empty.per_day == [(date(2020, 1, n), 0) for n in (1, 2, 3)]


def test_a_score_of_exactly_one_lands_in_the_last_bucket():
    for event in paper_history(uploaded=DAY, score=1.0):
        analytics_event_apply(event=event)
    assert [b.count for b in analytics_summary().score_histogram][-1] == 1


def test_a_consumer_run_gives_the_facts_of_one_event_at_a_time_with_one_daily_count_statement():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from analytics.handlers import GROUP
    from analytics.models import HeldEvent
    from outbox.consumer.apply import Applier
    from outbox.models import ProcessedEvent

    def counts() -> list[tuple]:
        return list(DailyEventCount.objects.values_list("day", "event_type", "count"))

    history = paper_history(uploaded=DAY, score=0.3, decisions=("under_review", "accepted"))
    for event in history:
        analytics_event_apply(event=event)
    one_at_a_time = (facts(), counts())
    for order in interleavings(history):  # a check or decision before its upload is held
        for model in (SubmissionFact, DecisionFact, DailyEventCount):
            model.objects.all().delete()
        ProcessedEvent.objects.filter(group=GROUP.name).delete()
        with CaptureQueriesContext(connection) as queries:
            result = Applier(GROUP).run(order)
        assert result.outcomes == ["handled"] * len(order)
        daily = [q for q in queries.captured_queries if "analytics_dailyeventcount" in q["sql"]]
        assert len(daily) == 1
        assert (facts(), counts()) == one_at_a_time
        assert not HeldEvent.objects.exists()
