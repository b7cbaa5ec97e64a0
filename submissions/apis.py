"""The REST API for authors and integrations: one view per operation, thin, over services."""

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from submissions.extraction import ExtractionError
from submissions.selectors import submission_get_for, submissions_visible_to
from submissions.serializers import (
    RegisterInput,
    SubmissionCreateInput,
    SubmissionDetailOutput,
    SubmissionListFilterInput,
    SubmissionOutput,
    TokenInput,
    TokenOutput,
    UserOutput,
)
from submissions.services import (
    QuotaExceeded,
    TransitionNotAllowed,
    UploadedFile,
    submission_create,
    submission_withdraw,
    user_register,
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
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=RegisterInput, responses={201: UserOutput}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = user_register(**data.validated_data)
        except DjangoValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        return Response(UserOutput(user).data, status=status.HTTP_201_CREATED)


class TokenObtainApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenInput, responses={200: TokenOutput}, tags=["auth"])
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


class SubmissionListCreateApi(GenericAPIView):
    parser_classes = [MultiPartParser, JSONParser]
    throttle_classes = [UploadRateThrottle]
    pagination_class = PageNumberPagination
    serializer_class = SubmissionOutput

    @extend_schema(
        parameters=[SubmissionListFilterInput],
        responses={200: SubmissionOutput(many=True)},
        tags=["submissions"],
    )
    def get(self, request: Request) -> Response:
        filters = SubmissionListFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        submissions = submissions_visible_to(user=request.user)
        if "status" in filters.validated_data:
            submissions = submissions.filter(status=filters.validated_data["status"])
        page = self.paginate_queryset(submissions)
        output = SubmissionOutput(page, many=True, context={"request": request})
        return self.get_paginated_response(output.data)

    @extend_schema(
        request={
            "multipart/form-data": SubmissionCreateInput,
            "application/json": SubmissionCreateInput,
        },
        responses={201: SubmissionOutput},
        tags=["submissions"],
        description=(
            "Submit a paper: multipart with `title`, optional `abstract` and `file` (PDF, DOCX, "
            "TXT or Markdown), or JSON with `title`, optional `abstract` and `text`."
        ),
    )
    def post(self, request: Request) -> Response:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body either; the fields will be missing
        if length > settings.SUBMISSION_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
            # Refused before the body is read at all.
            raise PayloadTooLarge({"file": [f"the upload is larger than {max_upload_megabytes()}"]})
        data = SubmissionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        upload = None
        if "file" in fields:
            file = fields["file"]
            if file.size > settings.SUBMISSION_MAX_UPLOAD_BYTES:
                raise PayloadTooLarge(
                    {"file": [f"the file is larger than {max_upload_megabytes()}"]}
                )
            upload = UploadedFile(name=file.name, data=file.read())
        try:
            submission = submission_create(
                author=request.user,
                title=fields["title"],
                abstract=fields.get("abstract", ""),
                upload=upload,
                text=fields.get("text"),
            )
        except QuotaExceeded as exc:
            if exc.quota == "bytes":
                raise PayloadTooLarge({"detail": str(exc), "quota": exc.quota}) from exc
            raise QuotaReached({"detail": str(exc), "quota": exc.quota}) from exc
        except ExtractionError as exc:
            field = "file" if upload is not None else "text"
            refusal = {
                "type": UnsupportedFile,
                "too_large": PayloadTooLarge,
                "too_costly": TooCostly,
                "busy": Busy,
            }.get(exc.kind, ValidationError)
            raise refusal({field: [str(exc)]}) from exc
        output = SubmissionOutput(submission, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


def visible_submission(request: Request, submission_id):
    submission = submission_get_for(user=request.user, submission_id=submission_id)
    if submission is None:
        raise Http404("no such submission")
    return submission


class SubmissionDetailApi(APIView):
    @extend_schema(responses={200: SubmissionDetailOutput}, tags=["submissions"])
    def get(self, request: Request, submission_id) -> Response:
        submission = visible_submission(request, submission_id)
        return Response(SubmissionDetailOutput(submission, context={"request": request}).data)


class SubmissionFileApi(APIView):
    @extend_schema(
        responses={(200, "application/octet-stream"): bytes},
        tags=["submissions"],
        description="The original file, unchanged (owner or staff).",
    )
    def get(self, request: Request, submission_id) -> FileResponse:
        submission = visible_submission(request, submission_id)
        if not submission.file:
            raise Http404("this submission was sent as text, without a file")
        return FileResponse(
            submission.file.open("rb"),
            as_attachment=True,
            filename=submission.original_filename or submission.file.name.rsplit("/", 1)[-1],
        )


class SubmissionWithdrawApi(APIView):
    @extend_schema(
        request=None,
        responses={200: SubmissionDetailOutput},
        tags=["submissions"],
        parameters=[OpenApiParameter("submission_id", str, OpenApiParameter.PATH)],
    )
    def post(self, request: Request, submission_id) -> Response:
        submission = visible_submission(request, submission_id)
        try:
            submission_withdraw(submission=submission, author=request.user)
        except TransitionNotAllowed as exc:
            raise Conflict({"status": [str(exc)]}) from exc
        submission = visible_submission(request, submission_id)
        return Response(SubmissionDetailOutput(submission, context={"request": request}).data)
