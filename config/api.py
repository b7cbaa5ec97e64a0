"""What every app's API views share: input serializers that refuse what they do not know, the
documented error answers, file downloads, and the one exception handler that turns service
refusals into those answers, so views do not map errors by hand."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.urls import reverse
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import InvalidField, NotPermitted, Refused


# Input serializer that refuses fields it does not know, rather than ignoring them, and text
# fields given as anything but text (DRF would turn ``0`` into ``"0"``). (A comment, not a
# docstring: the schema would give it as the description of every input.)
class ClosedSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if hasattr(data, "items"):
            wrong = {
                name: ["must be a string"]
                for name, field in self.fields.items()
                if isinstance(field, serializers.CharField)
                and name in data
                and not isinstance(data[name], str)
            }
            if wrong:
                raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)

    def validate(self, attrs):
        unknown = sorted(set(getattr(self, "initial_data", {})) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["unknown field"] for name in unknown})
        return attrs


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


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


def file_response(stored, filename: str) -> FileResponse:
    """A stored file as a download, under the name its author gave it."""
    return FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=filename or stored.name.rsplit("/", 1)[-1],
    )


def absolute(context: dict, name: str, **kwargs) -> str:
    return absolute_path(context, reverse(name, kwargs=kwargs))


def absolute_path(context: dict, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


def found(thing, message: str):
    """``thing``, or the API's 404 with ``message`` when it is None (not there, or not for
    the asker: the two answer alike)."""
    if thing is None:
        raise Http404(message)
    return thing


def api_exception(exc: Exception) -> Exception:
    """The API's answer to a service's refusal; any other exception as it is."""
    if isinstance(exc, InvalidField):
        return ValidationError({exc.field: [str(exc)]})
    if isinstance(exc, NotPermitted):
        return PermissionDenied(str(exc))
    if isinstance(exc, Refused):
        return Conflict(exc.answer())
    if isinstance(exc, DjangoValidationError):
        return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    return exc


def exception_handler(exc: Exception, context: dict):
    """DRF's handler, after ``api_exception``: ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``."""
    return drf_exception_handler(api_exception(exc), context)
