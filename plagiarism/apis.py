from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ClosedSerializer, found
from plagiarism.engine import SourceKind
from plagiarism.reports import pdf_response, report_view_for_author, report_view_for_editors
from plagiarism.selectors import report_for
from plagiarism.services import (
    EXCLUSIONS,
    check_rerun,
    engine_config,
    report_rescore,
    report_settings,
)
from submissions.access import edits, paper_for_editor
from submissions.selectors import submission_get_for

KINDS = [kind.value for kind in SourceKind]


class ReportBase(serializers.Serializer):
    view = serializers.ChoiceField(
        choices=["editor", "author"], help_text="whose view of the report this is"
    )
    paper_version = serializers.IntegerField(help_text="the version of the paper checked")
    state = serializers.ChoiceField(choices=["done", "failed"])
    error = serializers.CharField(
        help_text="why the check failed: the error for editors, a plain sentence for the author"
    )
    score = serializers.FloatField(
        allow_null=True, help_text="share of the paper's words credited to other people's texts"
    )
    flagged = serializers.BooleanField(allow_null=True)
    flag_reasons = serializers.ListField(
        child=serializers.CharField(), help_text="why the paper is flagged, if it is"
    )
    own_score = serializers.FloatField(
        allow_null=True, help_text="share credited to the author's own earlier papers (not counted)"
    )
    versions_score = serializers.FloatField(
        allow_null=True, help_text="share credited to earlier versions of this paper (not counted)"
    )
    checked_at = serializers.DateTimeField()
    counted_words = serializers.IntegerField()
    excluded_words = serializers.IntegerField(
        help_text="words not counted: quotations, block quotations, the references section"
    )
    words_limit = serializers.IntegerField(
        allow_null=True,
        help_text="set when the paper was longer: the check considered only its first N words",
    )


class EditorPassageOutput(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    text = serializers.CharField()
    source_version = serializers.IntegerField()
    source_start = serializers.IntegerField()
    source_end = serializers.IntegerField()
    source_text = serializers.CharField()
    words = serializers.IntegerField()


class PublishedOutput(serializers.Serializer):
    title = serializers.CharField()
    authors = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    doi = serializers.CharField()
    url = serializers.CharField()
    citation = serializers.CharField(help_text="authors (year) “title”, doi:…")


class EditorSourceOutput(serializers.Serializer):
    submission_id = serializers.UUIDField(help_text="the source's id: a submission's or a work's")
    title = serializers.CharField()
    author = serializers.CharField(help_text="a submission's author; a published work's authors")
    published = PublishedOutput(
        allow_null=True, help_text="a published work's citation; null for other sources"
    )
    flagged = serializers.BooleanField(
        help_text="whether that paper's own check flagged it (an author's flagged earlier "
        "paper matching this one: a copy reworded until it passed?)"
    )
    kind = serializers.ChoiceField(choices=KINDS)
    kind_label = serializers.CharField()
    counts = serializers.BooleanField(help_text="whether its credited words count to the score")
    score = serializers.FloatField(help_text="share of the paper's words it holds")
    share = serializers.FloatField(help_text="share credited to it: no earlier text holds them")
    words = serializers.IntegerField()
    credited_words = serializers.IntegerField()
    source_version = serializers.IntegerField()
    verdict = serializers.CharField()
    evidence = serializers.DictField()
    passages = EditorPassageOutput(many=True)


class RescoreOutput(serializers.Serializer):
    id = serializers.UUIDField()
    made_by = serializers.CharField(allow_null=True, help_text="empty: the check itself")
    made_at = serializers.DateTimeField()
    reason = serializers.CharField()
    settings = serializers.DictField()
    score = serializers.FloatField(allow_null=True)
    flagged = serializers.BooleanField(allow_null=True)
    in_force = serializers.BooleanField()


class EditorReportOutput(ReportBase):
    algorithm_version = serializers.CharField()
    duration_ms = serializers.IntegerField()
    settings = serializers.DictField(help_text="the exclusions on or off, the sources left out")
    history = RescoreOutput(many=True, help_text="the check's report, then each re-score")
    sources = EditorSourceOutput(many=True)


class AuthorSourceOutput(serializers.Serializer):
    label = serializers.CharField(help_text="“Text 1”, “Text 2”: never the text's title or id")
    kind = serializers.ChoiceField(choices=KINDS)
    kind_label = serializers.CharField(
        help_text="another submission, published work, your earlier paper, an earlier version"
    )
    counts = serializers.BooleanField()
    share = serializers.FloatField()
    published = PublishedOutput(
        allow_null=True,
        help_text="a published work is public, so it is named; null for any other text",
    )


class AuthorPassageOutput(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    text = serializers.CharField(help_text="the author's own words")
    words = serializers.IntegerField()
    source = serializers.CharField(help_text="the label of the text it matched")
    kind = serializers.ChoiceField(choices=KINDS)
    kind_label = serializers.CharField()


class AuthorReportOutput(ReportBase):
    sources = AuthorSourceOutput(many=True)
    passages = AuthorPassageOutput(many=True)


REPORT = PolymorphicProxySerializer(
    component_name="Report",
    serializers={"editor": EditorReportOutput, "author": AuthorReportOutput},
    resource_type_field_name="view",
)


class SubmissionReportApi(APIView):
    @extend_schema(
        responses={200: REPORT},
        tags=["submissions"],
        description=(
            "The similarity report in force for the paper's current version. Editors get "
            "the editor view: every source with its title, author, id, verdict and evidence, "
            "every passage in both texts, and who re-scored the report. The author gets the "
            "author view: the score, the flag and their own passages that matched, each with "
            "the kind of text it matched and that text's share, never another paper's title, "
            "id, author or words."
        ),
    )
    def get(self, request: Request, submission_id) -> Response:
        submission = _visible(request, submission_id)
        report = _report_of(submission)
        if edits(user=request.user, submission=submission):
            return Response(EditorReportOutput(report_view_for_editors(report=report)).data)
        return Response(AuthorReportOutput(report_view_for_author(report=report)).data)


class PdfRenderer(BaseRenderer):
    """``application/pdf`` for the report's document (an error is answered as JSON, with its
    own content type: ``SubmissionReportPdfApi.finalize_response``)."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data)


class SubmissionReportPdfApi(APIView):
    renderer_classes = [JSONRenderer, PdfRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400:  # JSON, and said so, whatever format was asked
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        tags=["editors"],
        description=(
            "Editors: the report in force as a PDF document (the summary, the sources, and "
            "every passage side by side with its source, the shared words highlighted). "
            "404 for anyone else."
        ),
    )
    def get(self, request: Request, submission_id) -> HttpResponse:
        report = _report_of(_visible(request, submission_id, editors_only=True))
        return pdf_response(report)


class RescoreInput(ClosedSerializer):
    exclude_quotes = serializers.BooleanField(
        required=False, help_text="leave quotations out of the count (default: as now)"
    )
    exclude_block_quotes = serializers.BooleanField(
        required=False, help_text="leave block quotations out (default: as now)"
    )
    exclude_references = serializers.BooleanField(
        required=False, help_text="leave the references section out (default: as now)"
    )
    excluded_sources = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        max_length=500,
        help_text="ids of the report's sources to leave out (default: as now; [] for none)",
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="kept with the re-score"
    )


class SubmissionReportRescoreApi(APIView):
    @extend_schema(
        request=RescoreInput,
        responses={201: EditorReportOutput},
        tags=["editors"],
        description=(
            "Editors: score the report again with exclusions turned on or off and sources "
            "left out. The check's own report is kept; the re-score, with who made it, when "
            "and why, becomes the report in force and is listed in its `history`. 409 when "
            "the check failed (re-run it instead); 404 for anyone else."
        ),
    )
    def post(self, request: Request, submission_id) -> Response:
        report = _report_of(_visible(request, submission_id, editors_only=True))
        data = RescoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        now = report.settings or report_settings(engine_config())
        asked = data.validated_data
        rescored = report_rescore(
            report=report,
            editor=request.user,
            excluded_sources=[
                str(s) for s in asked.get("excluded_sources", now.get("excluded_sources", []))
            ],
            reason=asked.get("reason", ""),
            **{name: asked.get(name, now.get(name, True)) for name in EXCLUSIONS},
        )
        view = report_view_for_editors(report=report_for(submission_id=rescored.submission_id))
        return Response(EditorReportOutput(view).data, status=status.HTTP_201_CREATED)


def _visible(request: Request, submission_id, *, editors_only: bool = False):
    """The paper as the asker may see it; ``editors_only``: for its editors (anyone else who
    is not an editor gets a 404; an editor in conflict, the rule)."""
    if editors_only:
        return found(
            paper_for_editor(user=request.user, submission_id=submission_id), "no such submission"
        )
    return found(
        submission_get_for(user=request.user, submission_id=submission_id), "no such submission"
    )


def _report_of(submission):
    report = report_for(submission_id=submission.id, paper_version=submission.version)
    if report is None:
        raise Http404(
            f"no similarity report yet: the check of version {submission.version} has not finished"
        )
    return report


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
        submission = _visible(request, submission_id, editors_only=True)
        number = check_rerun(submission_id=submission.id)
        output = {
            "submission_id": submission.id,
            "paper_version": number,
            "detail": f"the check of version {number} is queued",
        }
        return Response(RecheckOutput(output).data, status=status.HTTP_202_ACCEPTED)
