from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from plagiarism.selectors import report_for
from plagiarism.services import RecheckNotNeeded, check_rerun
from submissions.selectors import paper_texts, paper_titles, paper_version_text, submission_get_for


class PassageOutput(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    text = serializers.CharField()
    source_start = serializers.IntegerField()
    source_end = serializers.IntegerField()
    source_text = serializers.CharField()
    words = serializers.IntegerField()


class SourceOutput(serializers.Serializer):
    submission_id = serializers.UUIDField()
    title = serializers.CharField()
    score = serializers.FloatField()
    words = serializers.IntegerField()
    self_overlap = serializers.BooleanField()
    passages = PassageOutput(many=True)


class ReportOutput(serializers.Serializer):
    paper_version = serializers.IntegerField(help_text="the version of the paper checked")
    state = serializers.ChoiceField(choices=["done", "failed"])
    error = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    flagged = serializers.BooleanField(allow_null=True)
    algorithm_version = serializers.CharField()
    checked_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()
    counted_words = serializers.IntegerField()
    words_limit = serializers.IntegerField(
        allow_null=True,
        help_text="set when the paper was longer: the check considered only its first N words",
    )
    sources = SourceOutput(many=True)


class SubmissionReportApi(APIView):
    @extend_schema(
        responses={200: ReportOutput},
        tags=["submissions"],
        description="The similarity report of the paper's current version.",
    )
    def get(self, request: Request, submission_id) -> Response:
        submission = submission_get_for(user=request.user, submission_id=submission_id)
        if submission is None:
            raise Http404("no such submission")
        report = report_for(submission_id=submission.id, paper_version=submission.version)
        if report is None:
            raise Http404(
                f"no similarity report yet: the check of version {submission.version} has "
                "not finished"
            )
        sources = list(report.sources.all())
        ids = [s.source_submission_id for s in sources]
        texts = {p.id: p.text for p in paper_texts(submission_ids=ids)}
        titles = paper_titles(submission_ids=ids)
        checked = paper_version_text(submission_id=submission.id, number=report.paper_version)
        paper = checked.text if checked else ""
        data = {
            "paper_version": report.paper_version,
            "state": report.state,
            "error": report.error,
            "score": report.score,
            "flagged": report.flagged,
            "algorithm_version": report.algorithm_version,
            "checked_at": report.checked_at,
            "duration_ms": report.duration_ms,
            "counted_words": report.counted_words,
            "words_limit": report.words_limit,
            "sources": [
                {
                    "submission_id": source.source_submission_id,
                    "title": titles.get(str(source.source_submission_id), ""),
                    "score": source.score,
                    "words": source.words,
                    "self_overlap": source.self_overlap,
                    "passages": [
                        {
                            "start": p.start,
                            "end": p.end,
                            "text": paper[p.start : p.end],
                            "source_start": p.source_start,
                            "source_end": p.source_end,
                            "source_text": texts.get(str(source.source_submission_id), "")[
                                p.source_start : p.source_end
                            ],
                            "words": p.words,
                        }
                        for p in source.passages.all()
                    ],
                }
                for source in sources
            ],
        }
        return Response(ReportOutput(data).data)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class RecheckOutput(serializers.Serializer):
    submission_id = serializers.UUIDField()
    paper_version = serializers.IntegerField()
    detail = serializers.CharField()


class SubmissionRecheckApi(APIView):
    @extend_schema(
        request=None,
        responses={202: RecheckOutput},
        tags=["editors"],
        description=(
            "Editors: run the similarity check of the paper's current version again, when it "
            "failed or was made by an earlier algorithm. 409 when there is nothing to re-run."
        ),
    )
    def post(self, request: Request, submission_id) -> Response:
        if not request.user.is_staff:
            raise Http404("no such submission")
        submission = submission_get_for(user=request.user, submission_id=submission_id)
        if submission is None:
            raise Http404("no such submission")
        try:
            number = check_rerun(submission_id=submission.id)
        except RecheckNotNeeded as exc:
            raise Conflict({"detail": str(exc)}) from exc
        output = {
            "submission_id": submission.id,
            "paper_version": number,
            "detail": f"the check of version {number} is queued",
        }
        return Response(RecheckOutput(output).data, status=status.HTTP_202_ACCEPTED)
