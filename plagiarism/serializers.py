"""The check's summary as the submissions API shows it beside a paper and each version (the
submissions app's serializers join it at the edge, where both are shown)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api import absolute_path
from plagiarism.selectors import CheckSummary


class PlagiarismSummaryOutput(serializers.Serializer):
    """A check's summary, read from ``plagiarism.selectors.CheckSummary``."""

    similarity_score = serializers.FloatField(source="score", allow_null=True)
    flagged = serializers.BooleanField(allow_null=True)
    checked_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(help_text="why the check could not be done, or empty")
    report_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_report_url(self, summary: CheckSummary) -> str | None:
        return absolute_path(self.context, summary.report_path) if summary.report_path else None


class VersionCheckOutput(serializers.Serializer):
    similarity_score = serializers.FloatField(source="score", allow_null=True)
    flagged = serializers.BooleanField(allow_null=True)
    checked_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()


NOT_CHECKED = {"similarity_score": None, "flagged": None, "checked_at": None, "error": ""}
