"""The analytics dashboard in the admin (staff only: wrapped by ``admin_view`` in the URLs)."""

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse

from analytics.apis import DateRangeInput
from analytics.charts import columns, duration, rows
from analytics.labels import DECISION_LABELS
from analytics.selectors import analytics_summary
from contracts.codes import is_status
from submissions.workflow import status_label


def durations(chart_id: str, title: str, p50: float | None, p95: float | None):
    """A chart of a time's median and 95th percentile (seconds, shown as durations)."""
    return rows(
        chart_id,
        title,
        [("median", p50 or 0), ("95th percentile", p95 or 0)],
        shown=duration,
    )


def count_charts(summary) -> list:
    """Submissions per day, scores, statuses and decisions."""
    return [
        columns(
            "per-day",
            "Submissions per day",
            [(day.isoformat(), count) for day, count in summary.per_day],
        ),
        columns(
            "scores",
            "Plagiarism score distribution",
            [
                (f"{bucket.low:.0%}–{bucket.high:.0%}", bucket.count)
                for bucket in summary.score_histogram
            ],
        ),
        rows(
            "statuses",
            "Submissions by status",
            [
                (status_label(status) if is_status(status) else status, count)
                for status, count in summary.by_status.items()
            ],
        ),
        rows(
            "decisions",
            "Decisions",
            [(DECISION_LABELS.get(kind, kind), count) for kind, count in summary.decisions.items()],
        ),
    ]


def time_charts(summary) -> list:
    """How long checks, revisions, decisions, acceptances and reviews take."""
    return [
        durations(
            "time-to-check",
            f"Time from upload to plagiarism report ({summary.time_to_check_count} papers)",
            summary.time_to_check_p50,
            summary.time_to_check_p95,
        ),
        durations(
            "revisions",
            f"Time from revision request to revision ({summary.revision_count} revisions; "
            f"{summary.versions_mean or 0:.2f} versions per paper)",
            summary.revision_p50,
            summary.revision_p95,
        ),
        durations(
            "time-to-decision",
            f"Time from upload to acceptance or rejection ({summary.final_decisions} papers; "
            f"{summary.desk_reject_share or 0:.0%} desk rejected)",
            summary.time_to_decision_p50,
            summary.time_to_decision_p95,
        ),
        durations(
            "time-to-accept",
            f"Time from invitation to a reviewer's acceptance ({summary.accepted} accepted, "
            f"{summary.declined} declined)",
            summary.time_to_accept_p50,
            summary.time_to_accept_p95,
        ),
        durations(
            "time-to-review",
            f"Time from acceptance to the review ({summary.reviews_per_paper or 0:.2f} reviews "
            "per paper)",
            summary.time_to_review_p50,
            summary.time_to_review_p95,
        ),
    ]


def load_chart(summary):
    """Reviews still open per reviewer, the busiest first."""
    return rows(
        "reviewer-load",
        "Reviews still open per reviewer (the busiest first)",
        [
            (load["reviewer"] or f"#{load['reviewer_id']}", load["open"])
            for load in summary.reviewer_load
        ],
    )


def dashboard(request: HttpRequest) -> TemplateResponse:
    dates = DateRangeInput(data=request.GET)
    errors = []
    if dates.is_valid():
        summary = analytics_summary(**dates.validated_data)
    else:
        errors = [
            f"{field}: {' '.join(map(str, problems))}" for field, problems in dates.errors.items()
        ]
        summary = analytics_summary()
    context = {
        **admin.site.each_context(request),
        "title": "Analytics",
        "summary": summary,
        "charts": [*count_charts(summary), *time_charts(summary), load_chart(summary)],
        "since": request.GET.get("since", ""),
        "until": request.GET.get("until", ""),
        "errors": errors,
    }
    return TemplateResponse(request, "admin/analytics/dashboard.html", context)
