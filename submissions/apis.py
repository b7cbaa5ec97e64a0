"""The REST API for authors and integrations: one view per operation, thin, over services."""

from django.conf import settings
from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from config.api import (
    Busy,
    Conflict,
    PayloadTooLarge,
    QuotaReached,
    TooCostly,
    UnsupportedFile,
    file_response,
    found,
)
from plagiarism.selectors import check_summaries, flagged_as, with_checks
from submissions.access import paper_for_editor
from submissions.diff import version_diff
from submissions.extraction import ExtractionError
from submissions.models import Version
from submissions.selectors import (
    author_list,
    checklist_items,
    notes_of,
    submission_get_for,
    submissions_filtered,
    submissions_visible_to,
)
from submissions.serializers import (
    ChecklistItemOutput,
    DiffOutput,
    NoteInput,
    NoteOutput,
    PaperAuthorInput,
    PaperAuthorOutput,
    SubmissionDetailOutput,
    SubmissionFileInput,
    SubmissionListFilterInput,
    SubmissionOutput,
    SubmissionTextInput,
    TransitionInput,
    VersionFileInput,
    VersionOutput,
    VersionTextInput,
    WithdrawInput,
)
from submissions.services import (
    QuotaExceeded,
    UploadedFile,
    note_add,
    paper_author_add,
    submission_create,
    submission_transition,
    submission_version_add,
    submission_withdraw,
)

MULTIPART_OVERHEAD = 1024 * 1024  # room for the form's other fields and boundaries


class UploadRateThrottle(UserRateThrottle):
    """Uploads per user, at ``SUBMISSION_UPLOAD_RATE`` (read when asked, so it can change)."""

    scope = "uploads"

    def get_rate(self) -> str:
        return settings.SUBMISSION_UPLOAD_RATE

    def allow_request(self, request, view) -> bool:
        return request.method != "POST" or super().allow_request(request, view)


def max_upload_megabytes() -> str:
    return f"{settings.SUBMISSION_MAX_UPLOAD_BYTES / (1024 * 1024):g} MB"


class ChecklistApi(APIView):
    @extend_schema(
        responses={200: ChecklistItemOutput(many=True)},
        tags=["submissions"],
        description=(
            "The venue's submission checklist: give the ids of all its items as `checklist` "
            "when you submit a paper."
        ),
    )
    def get(self, request: Request) -> Response:
        return Response(ChecklistItemOutput(checklist_items(), many=True).data)


def upload_input(request: Request, file_input, text_input):
    """The fields of an upload: multipart carries a file, JSON the text. Refused before the
    body is read when it is larger than any upload may be."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0  # Django reads no body either; the fields will be missing
    if length > settings.SUBMISSION_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
        raise PayloadTooLarge({"file": [f"the upload is larger than {max_upload_megabytes()}"]})
    multipart = (request.content_type or "").startswith("multipart/form-data")
    data = (file_input if multipart else text_input)(data=request.data)
    data.is_valid(raise_exception=True)
    fields = dict(data.validated_data)
    if "file" in fields:
        file = fields.pop("file")
        if file.size > settings.SUBMISSION_MAX_UPLOAD_BYTES:
            raise PayloadTooLarge({"file": [f"the file is larger than {max_upload_megabytes()}"]})
        fields["upload"] = UploadedFile(name=file.name, data=file.read())
    return fields


def upload_refusal(exc: Exception, fields: dict) -> APIException:
    """The API's answer to an upload the services refused (a quota, or the file itself)."""
    if isinstance(exc, QuotaExceeded):
        if exc.quota == "bytes":
            return PayloadTooLarge({"detail": str(exc), "quota": exc.quota})
        return QuotaReached({"detail": str(exc), "quota": exc.quota})
    field = "file" if "upload" in fields else "text"
    refusal = {
        "type": UnsupportedFile,
        "too_large": PayloadTooLarge,
        "too_costly": TooCostly,
        "busy": Busy,
    }.get(exc.kind, ValidationError)
    return refusal({field: [str(exc)]})


class SubmissionListCreateApi(GenericAPIView):
    parser_classes = [MultiPartParser, JSONParser]
    throttle_classes = [UploadRateThrottle]
    pagination_class = PageNumberPagination
    serializer_class = SubmissionOutput

    @extend_schema(
        parameters=[SubmissionListFilterInput],
        responses={200: SubmissionOutput(many=True)},
        tags=["submissions"],
        description="Your papers, newest first; editors see every paper.",
    )
    def get(self, request: Request) -> Response:
        filters = SubmissionListFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = dict(filters.validated_data)
        flagged = wanted.pop("flagged", None)
        # The paper's check is the plagiarism app's: joined here, where both are shown.
        visible = with_checks(submissions_visible_to(user=request.user))
        submissions = flagged_as(submissions_filtered(visible, **wanted), flagged=flagged)
        page = self.paginate_queryset(submissions)
        output = SubmissionOutput(page, many=True, context={"request": request})
        return self.get_paginated_response(output.data)

    @extend_schema(
        request={
            "multipart/form-data": SubmissionFileInput,
            "application/json": SubmissionTextInput,
        },
        responses={201: SubmissionOutput},
        tags=["submissions"],
        description=(
            "Submit a paper: multipart with `title`, optional `abstract` and `file` (PDF, DOCX, "
            "TXT or Markdown), or JSON with `title`, optional `abstract` and `text`."
        ),
    )
    def post(self, request: Request) -> Response:
        fields = upload_input(request, SubmissionFileInput, SubmissionTextInput)
        try:
            submission = submission_create(author=request.user, **fields)
        except (QuotaExceeded, ExtractionError) as exc:
            raise upload_refusal(exc, fields) from exc
        output = SubmissionOutput(submission, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


def visible_submission(request: Request, submission_id):
    return found(
        submission_get_for(user=request.user, submission_id=submission_id), "no such submission"
    )


def detail(request: Request, submission_id) -> Response:
    submission = visible_submission(request, submission_id)
    return Response(SubmissionDetailOutput(submission, context={"request": request}).data)


class SubmissionDetailApi(APIView):
    @extend_schema(responses={200: SubmissionDetailOutput}, tags=["submissions"])
    def get(self, request: Request, submission_id) -> Response:
        return detail(request, submission_id)


class SubmissionFileApi(APIView):
    @extend_schema(
        responses={(200, "application/octet-stream"): bytes},
        tags=["submissions"],
        description="The current version's original file, unchanged (owner or staff).",
    )
    def get(self, request: Request, submission_id) -> FileResponse:
        submission = visible_submission(request, submission_id)
        if not submission.file:
            raise Http404("this version was sent as text, without a file")
        return file_response(submission.file, submission.original_filename)


class SubmissionWithdrawApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=WithdrawInput,
        responses={200: SubmissionDetailOutput},
        tags=["submissions"],
        description="Withdraw your paper, with an optional reason for the editors.",
    )
    def post(self, request: Request, submission_id) -> Response:
        submission = visible_submission(request, submission_id)
        data = WithdrawInput(data=request.data)
        data.is_valid(raise_exception=True)
        submission_withdraw(
            submission=submission,
            author=request.user,
            reason=data.validated_data.get("reason", ""),
        )
        return detail(request, submission_id)


def editors_submission(request: Request, submission_id):
    """For staff only: anyone else gets the same 404 as for a paper that does not exist."""
    return found(
        paper_for_editor(user=request.user, submission_id=submission_id),
        "no such submission",
    )


class SubmissionTransitionApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=TransitionInput,
        responses={200: SubmissionDetailOutput},
        tags=["editors"],
        description=(
            "Editors: take a step of the workflow (start review, accept, reject, desk reject, "
            "request revision), with a comment to the author and a note for editors only. "
            "409 names the steps the paper's status allows."
        ),
    )
    def post(self, request: Request, submission_id) -> Response:
        submission = editors_submission(request, submission_id)
        data = TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        submission_transition(
            submission=submission,
            to_status=fields["to"],
            actor=request.user,
            comment=fields.get("comment", ""),
            note=fields.get("note", ""),
        )
        return detail(request, submission_id)


class SubmissionNotesApi(GenericAPIView):
    parser_classes = [JSONParser]
    pagination_class = PageNumberPagination
    serializer_class = NoteOutput

    @extend_schema(
        responses={200: NoteOutput(many=True)},
        tags=["editors"],
        description="Editors: the paper's internal notes, oldest first. Never shown to authors.",
    )
    def get(self, request: Request, submission_id) -> Response:
        submission = editors_submission(request, submission_id)
        page = self.paginate_queryset(notes_of(submission=submission))
        return self.get_paginated_response(NoteOutput(page, many=True).data)

    @extend_schema(
        request=NoteInput,
        responses={201: NoteOutput},
        tags=["editors"],
        description="Editors: add an internal note.",
    )
    def post(self, request: Request, submission_id) -> Response:
        submission = editors_submission(request, submission_id)
        data = NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        note = note_add(submission=submission, editor=request.user, **data.validated_data)
        return Response(NoteOutput(note).data, status=status.HTTP_201_CREATED)


class VersionListCreateApi(GenericAPIView):
    parser_classes = [MultiPartParser, JSONParser]
    throttle_classes = [UploadRateThrottle]
    serializer_class = VersionOutput
    pagination_class = None  # a paper has a handful of versions

    @extend_schema(
        responses={200: VersionOutput(many=True)},
        tags=["submissions"],
        description="Every version of the paper, oldest first, each with its own check.",
    )
    def get(self, request: Request, submission_id) -> Response:
        submission = visible_submission(request, submission_id)
        versions = list(Version.objects.filter(submission=submission).defer("text"))
        # Every version's check in one query, not one per version.
        checks = check_summaries(submission_id=submission.pk, versions=[v.number for v in versions])
        context = {"request": request, "checks": checks}
        return Response(VersionOutput(versions, many=True, context=context).data)

    @extend_schema(
        request={"multipart/form-data": VersionFileInput, "application/json": VersionTextInput},
        responses={201: VersionOutput},
        tags=["submissions"],
        description=(
            "Send a new version of your paper (multipart `file`, or JSON `text`) with an "
            "optional `response` to the editors, while its status is `submitted`, `checked` or "
            "`revision_requested` (409 otherwise). It gets its own similarity check, in which "
            "the paper's earlier versions are not counted."
        ),
    )
    def post(self, request: Request, submission_id) -> Response:
        submission = visible_submission(request, submission_id)
        if submission.author_id != request.user.pk:
            raise Conflict({"detail": "only the paper's author can send a new version"})
        fields = upload_input(request, VersionFileInput, VersionTextInput)
        try:
            version = submission_version_add(submission=submission, author=request.user, **fields)
        except (QuotaExceeded, ExtractionError) as exc:
            raise upload_refusal(exc, fields) from exc
        output = VersionOutput(version, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


def visible_version(request: Request, submission_id, number: int) -> Version:
    submission = visible_submission(request, submission_id)
    version = Version.objects.filter(submission=submission, number=number).first()
    if version is None:
        raise Http404(f"this paper has no version {number}")
    return version


class VersionDetailApi(APIView):
    @extend_schema(responses={200: VersionOutput}, tags=["submissions"])
    def get(self, request: Request, submission_id, number: int) -> Response:
        version = visible_version(request, submission_id, number)
        return Response(VersionOutput(version, context={"request": request}).data)


class VersionFileApi(APIView):
    @extend_schema(
        responses={(200, "application/octet-stream"): bytes},
        tags=["submissions"],
        description="The version's original file, unchanged.",
    )
    def get(self, request: Request, submission_id, number: int) -> FileResponse:
        version = visible_version(request, submission_id, number)
        if not version.file:
            raise Http404("this version was sent as text, without a file")
        return file_response(version.file, version.original_filename)


class VersionDiffApi(APIView):
    @extend_schema(
        responses={200: DiffOutput},
        tags=["submissions"],
        description=(
            "What changed from version n-1 to version n: passages added, removed and changed, "
            "with their character offsets in each version's text."
        ),
    )
    def get(self, request: Request, submission_id, number: int) -> Response:
        version = visible_version(request, submission_id, number)
        if number == 1:
            raise Http404("version 1 is the first: there is nothing before it to compare")
        previous = Version.objects.get(submission_id=version.submission_id, number=number - 1)
        output = {
            "version": number,
            "previous_version": number - 1,
            "changes": version_diff(previous.text, version.text),
        }
        return Response(DiffOutput(output).data)


def authors_output(submission_id) -> list[dict]:
    authors = author_list(submission_id=submission_id)
    for author in authors:
        author.linked = author.user_id is not None
    return PaperAuthorOutput(authors, many=True).data


class PaperAuthorsApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        responses={200: PaperAuthorOutput(many=True)},
        tags=["submissions"],
        description=(
            "The paper's authors in order, the submitting author (its contact) among them. "
            "Its authors and editors only."
        ),
    )
    def get(self, request: Request, submission_id) -> Response:
        submission = visible_submission(request, submission_id)
        return Response(authors_output(submission.pk))

    @extend_schema(
        request=PaperAuthorInput,
        responses={201: PaperAuthorOutput(many=True)},
        tags=["submissions"],
        description=(
            "Add a co-author at the end of the list (the paper's contact or an editor). A "
            "co-author whose address belongs to a verified account sees the paper and its "
            "notifications. Answers the whole list. 409 when the address is listed already "
            "or the decision is final; 403 for a co-author (only the contact may change it)."
        ),
    )
    def post(self, request: Request, submission_id) -> Response:
        submission = visible_submission(request, submission_id)
        data = PaperAuthorInput(data=request.data)
        data.is_valid(raise_exception=True)
        paper_author_add(submission=submission, actor=request.user, **data.validated_data)
        return Response(authors_output(submission.pk), status=status.HTTP_201_CREATED)
