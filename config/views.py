import math
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.defaults import bad_request, page_not_found, permission_denied, server_error

from config.client_ip import client_ip


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and compose health checks: the process and its database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


def api_aware_not_found(request: HttpRequest, exception=None):
    """404 for any URL no view matched: JSON under /api/ (what API clients parse), the
    usual page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "no such resource"}, status=404)
    return page_not_found(request, exception)


class ApiJsonNotFound:
    """A 404 under /api/ is JSON even when no view matched (a malformed id in a path) and
    DEBUG is on, where Django answers with its own HTML page instead of ``handler404``."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return api_aware_not_found(request)
        return response


def api_aware_forbidden(request: HttpRequest, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "you may not do this"}, status=403)
    return permission_denied(request, exception)


def api_aware_bad_request(request: HttpRequest, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "bad request"}, status=400)
    return bad_request(request, exception)


def api_aware_server_error(request: HttpRequest):
    """500: JSON under /api/, the usual page elsewhere; never a traceback."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "internal error; it has been logged"}, status=500)
    return server_error(request)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer once a username had too many failed logins from this address:
    429, JSON under /api/, a short page elsewhere, saying when to try again (the cool-off
    runs from the pair's last failure; attempts while locked do not extend it)."""
    seconds = lockout_remaining(request, credentials)
    wait = f"{-(-seconds // 60)} minutes" if seconds >= 60 else f"{seconds} s"
    message = f"too many failed logins for this username from this address: try again in {wait}"
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "web/errors/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def lockout_remaining(request: HttpRequest, credentials) -> int:
    """Seconds until the pair (username, address) may try again: its last recorded failure
    plus the cool-off."""
    from axes.helpers import get_client_username
    from axes.models import AccessAttempt

    cooloff = timedelta(hours=settings.AXES_COOLOFF_TIME)
    last = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials), ip_address=client_ip(request)
    ).aggregate(last=Max("attempt_time"))["last"]
    if last is None:
        return round(cooloff.total_seconds())
    return max(1, math.ceil((last + cooloff - timezone.now()).total_seconds()))
