"""The REST API for authors and integrations: one view per operation, thin, over services."""

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from accounts.selectors import email_verified, profile_of
from accounts.services import email_verification_send, profile_update, user_register
from plagiarism.selectors import check_summaries
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
    ProfileInput,
    RegisterInput,
    SubmissionDetailOutput,
    SubmissionFileInput,
    SubmissionListFilterInput,
    SubmissionOutput,
    SubmissionTextInput,
    TokenInput,
    TokenOutput,
    TransitionInput,
    UserOutput,
    VersionFileInput,
    VersionOutput,
    VersionTextInput,
    WithdrawInput,
)
from submissions.services import (
    AuthorListNotYours,
    AuthorListRefused,
    ChecklistIncomplete,
    EmailNotVerified,
    QuotaExceeded,
    TransitionNotAllowed,
    UploadedFile,
    note_add,
    paper_author_add,
    submission_create,
    submission_transition,
    submission_version_add,
    submission_withdraw,
)

MULTIPART_OVERHEAD = 1024 * 1024  # room for the form's other fields and boundaries


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class UnsupportedFile(APIException):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_code = "unsupported_file"


class TooCostly(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "too_costly"


class Busy(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "busy"


class QuotaReached(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "quota"


class EmailUnverified(APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "email_not_verified"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class UploadRateThrottle(UserRateThrottle):
    """Uploads per user, at ``SUBMISSION_UPLOAD_RATE`` (read when asked, so it can change)."""

    scope = "uploads"

    def get_rate(self) -> str:
        return settings.SUBMISSION_UPLOAD_RATE

    def allow_request(self, request, view) -> bool:
        return request.method != "POST" or super().allow_request(request, view)


def max_upload_megabytes() -> str:
    return f"{settings.SUBMISSION_MAX_UPLOAD_BYTES / (1024 * 1024):g} MB"


class UserRegisterApi(APIView):
    parser_classes = [JSONParser]
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=RegisterInput, responses={201: UserOutput}, tags=["auth"], auth=[])
    def post(self, request: Request) -> Response:
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = user_register(**data.validated_data).user
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(user_output(user), status=status.HTTP_201_CREATED)


def user_output(user) -> dict:
    profile = profile_of(user=user)
    return UserOutput(
        {
            "id": user.pk,
            "username": user.get_username(),
            "email": user.email,
            "email_verified": email_verified(user=user),
            "affiliation": profile.affiliation,
            "orcid": profile.orcid,
        }
    ).data


class UserMeApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(responses={200: UserOutput}, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(user_output(request.user))

    @extend_schema(
        request=ProfileInput,
        responses={200: UserOutput},
        tags=["auth"],
        description=(
            "Change your affiliation or ORCID iD (checked by its check digit). Conflicts of "
            "interest compare affiliations."
        ),
    )
    def patch(self, request: Request) -> Response:
        data = ProfileInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            profile_update(user=request.user, **data.validated_data)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(user_output(request.user))


class EmailVerificationSendApi(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=None,
        responses={202: UserOutput},
        tags=["auth"],
        description=(
            "Email the link that confirms your address again (the venue may require a "
            "confirmed address before a first submission). 409 when it is confirmed already; "
            "503 when the mail server refused it."
        ),
    )
    def post(self, request: Request) -> Response:
        if email_verified(user=request.user):
            raise Conflict({"detail": "your email address is confirmed already"})
        if not request.user.email:
            raise ValidationError({"email": ["your account has no email address"]})
        if not email_verification_send(user=request.user):
            raise Busy({"detail": "the mail server did not take the email; try again later"})
        return Response(user_output(request.user), status=status.HTTP_202_ACCEPTED)


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


class TokenObtainApi(APIView):
    parser_classes = [JSONParser]
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenInput, responses={200: TokenOutput}, tags=["auth"], auth=[])
    def post(self, request: Request) -> Response:
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request, not DRF's wrapper: django-axes marks a locked-out client on it,
        # and its middleware answers 429 for this response.
        user = authenticate(request._request, **data.validated_data)
        if user is None:
            raise ValidationError({"non_field_errors": ["wrong username or password"]})
        # A token is a login: django-axes resets the failure count, last_login is kept.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response(TokenOutput({"token": token.key}).data)


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
        submissions = submissions_filtered(
            submissions_visible_to(user=request.user), **filters.validated_data
        )
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
        except EmailNotVerified as exc:
            raise EmailUnverified({"detail": str(exc)}) from exc
        except ChecklistIncomplete as exc:
            raise ValidationError({"checklist": [str(exc)]}) from exc
        except (QuotaExceeded, ExtractionError) as exc:
            raise upload_refusal(exc, fields) from exc
        output = SubmissionOutput(submission, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


def visible_submission(request: Request, submission_id):
    submission = submission_get_for(user=request.user, submission_id=submission_id)
    if submission is None:
        raise Http404("no such submission")
    return submission


def detail(request: Request, submission_id) -> Response:
    submission = visible_submission(request, submission_id)
    return Response(SubmissionDetailOutput(submission, context={"request": request}).data)


class SubmissionDetailApi(APIView):
    @extend_schema(responses={200: SubmissionDetailOutput}, tags=["submissions"])
    def get(self, request: Request, submission_id) -> Response:
        return detail(request, submission_id)


def file_response(stored, filename: str) -> FileResponse:
    return FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=filename or stored.name.rsplit("/", 1)[-1],
    )


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
        try:
            submission_withdraw(
                submission=submission,
                author=request.user,
                reason=data.validated_data.get("reason", ""),
            )
        except TransitionNotAllowed as exc:
            raise Conflict({"detail": str(exc)}) from exc
        return detail(request, submission_id)


def editors_submission(request: Request, submission_id):
    """For staff only: anyone else gets the same 404 as for a paper that does not exist."""
    if not request.user.is_staff:
        raise Http404("no such submission")
    return visible_submission(request, submission_id)


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
        try:
            submission_transition(
                submission=submission,
                to_status=fields["to"],
                actor=request.user,
                comment=fields.get("comment", ""),
                note=fields.get("note", ""),
            )
        except TransitionNotAllowed as exc:
            raise Conflict({"detail": str(exc)}) from exc
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
        except TransitionNotAllowed as exc:
            raise Conflict({"detail": str(exc)}) from exc
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
        try:
            paper_author_add(submission=submission, actor=request.user, **data.validated_data)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        except AuthorListNotYours as exc:
            raise PermissionDenied(str(exc)) from exc
        except AuthorListRefused as exc:
            raise Conflict({"detail": str(exc)}) from exc
        return Response(authors_output(submission.pk), status=status.HTTP_201_CREATED)
