from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.defaults import page_not_found, server_error


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


def api_aware_server_error(request: HttpRequest):
    """500: JSON under /api/, the usual page elsewhere; never a traceback."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "internal error; it has been logged"}, status=500)
    return server_error(request)
