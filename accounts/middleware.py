"""A login from an address that is slowed (``accounts.login_limits``) is answered 429, with
when to try again, before any password is checked."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from accounts.login_limits import wait_before_login
from config.client_ip import client_ip

# The views that check a password: the site's form, the admin's, the token endpoint.
LOGIN_VIEWS = frozenset({"web:login", "admin:login", "auth-token"})

SLOWED = "too many failed logins from this address: try again in {seconds} s"


class LoginSlowdown:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        match = request.resolver_match
        if request.method != "POST" or match is None or match.view_name not in LOGIN_VIEWS:
            return None
        seconds = wait_before_login(address=client_ip(request))
        if not seconds:
            return None
        message = SLOWED.format(seconds=seconds)
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=429)
        else:
            response = render(
                request, "web/errors/locked_out.html", {"message": message}, status=429
            )
        response["Retry-After"] = str(seconds)
        return response
