from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

MULTIPART_OVERHEAD = 1024 * 1024  # room for the form's other fields and boundaries


class SiteUploadLimit:
    """Refuse a form larger than any upload may be before anything reads it: the CSRF check
    reads the whole body to find its token, so this must come first. The API has its own
    check with a JSON answer."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and not request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.SUBMISSION_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
                limit = f"{settings.SUBMISSION_MAX_UPLOAD_BYTES / (1024 * 1024):g} MB"
                response = render(
                    request,
                    "web/errors/too_large.html",
                    {"limit": limit, "back": request.path},
                    status=413,
                )
                response["Connection"] = "close"  # the body is not read
                return response
        return self.get_response(request)
