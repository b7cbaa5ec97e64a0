"""The analytics API: the venue's aggregates, for editors only."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.labels import DECISION_LABELS
from analytics.selectors import analytics_summary


class DateRangeInput(serializers.Serializer):
    since = serializers.DateField(required=False, help_text="first day (UTC), inclusive")
    until = serializers.DateField(required=False, help_text="last day (UTC), inclusive")

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since > until:
            raise serializers.ValidationError({"until": ["must not be before since"]})
        return attrs


class DayCountOutput(serializers.Serializer):
    day = serializers.DateField()
    count = serializers.IntegerField()


class BucketOutput(serializers.Serializer):
    low = serializers.FloatField()
    high = serializers.FloatField()
    count = serializers.IntegerField()


class ScoresOutput(serializers.Serializer):
    checked = serializers.IntegerField(help_text="submissions with a plagiarism report")
    flagged = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    median = serializers.FloatField(allow_null=True)
    p90 = serializers.FloatField(allow_null=True)
    histogram = BucketOutput(many=True)


class TimeToCheckOutput(serializers.Serializer):
    count = serializers.IntegerField()
    p50_seconds = serializers.FloatField(allow_null=True)
    p95_seconds = serializers.FloatField(allow_null=True)


class RevisionsOutput(serializers.Serializer):
    versions_mean = serializers.FloatField(allow_null=True, help_text="versions per paper")
    revised = serializers.IntegerField(help_text="papers with more than one version")
    count = serializers.IntegerField(help_text="revisions sent after a request, in the range")
    p50_seconds = serializers.FloatField(
        allow_null=True, help_text="from the revision request to the revision"
    )
    p95_seconds = serializers.FloatField(allow_null=True)


class OutcomesOutput(serializers.Serializer):
    decided = serializers.IntegerField(help_text="papers accepted or rejected")
    desk_rejects = serializers.IntegerField(help_text="rejected without review")
    desk_reject_share = serializers.FloatField(allow_null=True)
    time_to_decision_p50_seconds = serializers.FloatField(
        allow_null=True, help_text="from upload to acceptance or rejection"
    )
    time_to_decision_p95_seconds = serializers.FloatField(allow_null=True)


class ReviewerLoadOutput(serializers.Serializer):
    reviewer_id = serializers.IntegerField()
    reviewer = serializers.CharField(help_text="username")
    accepted = serializers.IntegerField(help_text="invitations accepted")
    reviewed = serializers.IntegerField(help_text="reviews submitted")
    open = serializers.IntegerField(help_text="reviews accepted and not yet submitted")


class ReviewsOutput(serializers.Serializer):
    invitations = serializers.IntegerField(help_text="invitations sent in the range")
    accepted = serializers.IntegerField()
    declined = serializers.IntegerField()
    decline_rate = serializers.FloatField(allow_null=True, help_text="of those answered")
    papers_with_reviews = serializers.IntegerField()
    reviews_per_paper = serializers.FloatField(
        allow_null=True, help_text="reviews submitted per paper that had reviewers invited"
    )
    time_to_accept_p50_seconds = serializers.FloatField(
        allow_null=True, help_text="from the invitation to its acceptance"
    )
    time_to_accept_p95_seconds = serializers.FloatField(allow_null=True)
    time_to_review_p50_seconds = serializers.FloatField(
        allow_null=True, help_text="from the acceptance to the review"
    )
    time_to_review_p95_seconds = serializers.FloatField(allow_null=True)
    reviewer_load = ReviewerLoadOutput(many=True, help_text="the 20 busiest reviewers")


class SummaryOutput(serializers.Serializer):
    since = serializers.DateField(allow_null=True)
    until = serializers.DateField(allow_null=True)
    total = serializers.IntegerField(help_text="submissions uploaded in the range")
    by_status = serializers.DictField(child=serializers.IntegerField())
    per_day = DayCountOutput(many=True)
    decisions = serializers.DictField(child=serializers.IntegerField())
    decision_labels = serializers.DictField(
        child=serializers.CharField(), help_text="each kind of decision in words"
    )
    revisions = RevisionsOutput()
    outcomes = OutcomesOutput()
    scores = ScoresOutput()
    time_to_check = TimeToCheckOutput(help_text="from upload to plagiarism report")
    reviews = ReviewsOutput(help_text="peer review, for invitations sent in the range")
    events = serializers.DictField(child=serializers.IntegerField(), help_text="by type")


def summary_output(summary) -> dict:
    return {
        "since": summary.since,
        "until": summary.until,
        "total": summary.total,
        "by_status": summary.by_status,
        "per_day": [{"day": day, "count": count} for day, count in summary.per_day],
        "decisions": summary.decisions,
        "decision_labels": {kind: DECISION_LABELS.get(kind, kind) for kind in summary.decisions},
        "revisions": {
            "versions_mean": summary.versions_mean,
            "revised": summary.revised,
            "count": summary.revision_count,
            "p50_seconds": summary.revision_p50,
            "p95_seconds": summary.revision_p95,
        },
        "outcomes": {
            "decided": summary.final_decisions,
            "desk_rejects": summary.desk_rejects,
            "desk_reject_share": summary.desk_reject_share,
            "time_to_decision_p50_seconds": summary.time_to_decision_p50,
            "time_to_decision_p95_seconds": summary.time_to_decision_p95,
        },
        "scores": {
            "checked": summary.checked,
            "flagged": summary.flagged,
            "mean": summary.score_mean,
            "median": summary.score_median,
            "p90": summary.score_p90,
            "histogram": summary.score_histogram,
        },
        "time_to_check": {
            "count": summary.time_to_check_count,
            "p50_seconds": summary.time_to_check_p50,
            "p95_seconds": summary.time_to_check_p95,
        },
        "reviews": {
            "invitations": summary.invitations,
            "accepted": summary.accepted,
            "declined": summary.declined,
            "decline_rate": summary.decline_rate,
            "papers_with_reviews": summary.papers_with_reviews,
            "reviews_per_paper": summary.reviews_per_paper,
            "time_to_accept_p50_seconds": summary.time_to_accept_p50,
            "time_to_accept_p95_seconds": summary.time_to_accept_p95,
            "time_to_review_p50_seconds": summary.time_to_review_p50,
            "time_to_review_p95_seconds": summary.time_to_review_p95,
            "reviewer_load": summary.reviewer_load,
        },
        "events": summary.events,
    }


class AnalyticsSummaryApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        parameters=[DateRangeInput],
        responses={200: SummaryOutput},
        tags=["analytics"],
        description=(
            "Totals, statuses, submissions per day, decisions, the plagiarism score "
            "distribution and time to check, for uploads (and decisions) in the range. "
            "Editors (staff) only."
        ),
    )
    def get(self, request: Request) -> Response:
        dates = DateRangeInput(data=request.query_params)
        dates.is_valid(raise_exception=True)
        summary = analytics_summary(**dates.validated_data)
        return Response(SummaryOutput(summary_output(summary)).data)
