import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from submissions.apis import MULTIPART_OVERHEAD, max_upload_megabytes


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
                response = render(
                    request,
                    "web/errors/too_large.html",
                    {"limit": max_upload_megabytes(), "back": request.path},
                    status=413,
                )
                response["Connection"] = "close"  # the body is not read
                return response
        return self.get_response(request)


OLD_LINK = re.compile(r"^/api/submissions/([0-9a-fA-F-]{36})/(report/)?$")


class OldEmailLinks:
    """Emails sent before the author site linked to the API's addresses. A browser that
    opens one (it asks for HTML, sends no token) is sent to the page instead of a 401 in JSON;
    API clients, which ask for JSON or anything, are not affected."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and "HTTP_AUTHORIZATION" not in request.META:
            match = OLD_LINK.match(request.path)
            if match and "text/html" in request.META.get("HTTP_ACCEPT", ""):
                name = "web:paper-report" if match.group(2) else "web:paper"
                return redirect(reverse(name, kwargs={"submission_id": match.group(1)}))
        return self.get_response(request)


class MethodNotAllowedPage:
    """A page asked for with a method it does not take (a bookmarked form's address opened
    by GET, say) gets a page in the site's style rather than Django's empty 405."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not response.content
            and not request.path.startswith(("/api/", "/admin/"))
        ):
            page = render(request, "web/errors/method.html", status=405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response
