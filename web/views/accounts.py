"""Account pages: sign-up, email verification and API tokens. Logging in and out and the
password pages are Django's own views (``web.urls``) in the site's templates."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.throttling import ScopedRateThrottle

from accounts.mail_limits import mail_allowed
from accounts.selectors import api_tokens_of, email_verified, login_tokens_of, profile_of
from accounts.serializers import ProfileInput, RegisterInput
from accounts.services import (
    MailLimited,
    TooManyTokens,
    VerificationRefused,
    api_token_create,
    api_token_revoke,
    email_verification_send,
    email_verify,
    login_tokens_revoke,
    profile_update,
    user_register,
)

BACKEND = "django.contrib.auth.backends.ModelBackend"
logger = logging.getLogger(__name__)


class _AuthScope:
    """What DRF's scoped throttle reads of a view: the pages that send email (sign-up, a new
    confirmation link, a password reset) share the API's ``auth`` rate (``AUTH_RATE``), counted
    per client address, so neither can be used to flood someone's mailbox."""

    throttle_scope = "auth"


def too_many_requests(request: HttpRequest) -> HttpResponse | None:
    throttle = ScopedRateThrottle()
    if throttle.allow_request(request, _AuthScope()):
        return None
    wait = int(throttle.wait() or 60) + 1
    response = render(request, "web/errors/too_many.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """The same checks as ``POST /api/auth/register/`` (its input serializer, then the
    service), plus the password typed twice."""
    if request.user.is_authenticated:
        return redirect("web:papers")
    # An invitation to review links here with the invited address filled in.
    invited = request.GET.get("email", "").replace("\x00", "").strip()[:254]
    context = {"nav": "signup", "values": {"username": "", "email": invited}, "errors": {}}
    if request.method == "GET":
        return render(request, "web/accounts/signup.html", context)
    if (refused := too_many_requests(request)) is not None:
        return refused
    values = {k: request.POST.get(k, "") for k in ("username", "email")}
    password, again = request.POST.get("password", ""), request.POST.get("password2", "")
    context["values"] = values
    data = RegisterInput(data={**values, "password": password})
    errors: dict[str, list[str]] = {}
    if not data.is_valid():
        errors = {f: [str(m) for m in ms] for f, ms in data.errors.items()}
    if password != again:
        errors.setdefault("password2", []).append("the two passwords differ")
    if not errors:
        try:
            registered = user_register(**data.validated_data)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            user = registered.user
            login(request, user, backend=BACKEND)
            if registered.email_sent:
                messages.success(
                    request,
                    f"Welcome! We sent a link to {user.email}: open it to confirm your address.",
                )
            else:
                messages.warning(
                    request,
                    "Welcome! We could not send the link that confirms your address just now; "
                    "ask for it again from your account page in a while.",
                )
            return redirect("web:papers")
    context["errors"] = errors
    return render(request, "web/accounts/signup.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def email_verification(request: HttpRequest) -> HttpResponse:
    """Whether the address is confirmed, and a button to send the link again."""
    verified = email_verified(user=request.user)
    if request.method == "POST" and not verified:
        if (refused := too_many_requests(request)) is not None:
            return refused
        try:
            sent = email_verification_send(user=request.user)
        except MailLimited as exc:
            messages.error(request, str(exc).capitalize() + ".")
        else:
            _said_sent(request, sent)
        return redirect("web:email-verification")
    return render(
        request,
        "web/accounts/verify.html",
        {
            "nav": "account",
            "verified": verified,
            "required": settings.ACCOUNTS_REQUIRE_VERIFIED_EMAIL,
        },
    )


def _said_sent(request: HttpRequest, sent: bool) -> None:
    if sent:
        messages.success(request, f"We sent a new link to {request.user.email}.")
    else:
        messages.error(request, "The mail server did not take the email. Try again later.")


def email_verify_page(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the email: works without logging in (the link is the proof)."""
    try:
        user = email_verify(token=token[:1000])
    except VerificationRefused as exc:
        return render(request, "web/accounts/verified.html", {"error": str(exc)}, status=400)
    if request.user.is_authenticated and request.user.pk == user.pk:
        messages.success(request, f"Thank you: {user.email} is confirmed.")
        return redirect("web:papers")
    return render(request, "web/accounts/verified.html", {"email": user.email})


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's, with links to ``PUBLIC_BASE_URL`` (the address authors reach the site at,
    not whatever Host header came with the request) and a refused mail server logged rather
    than answered with an error page."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs
    ) -> None:
        # The page says the same whether or not a link went: an inbox is not flooded.
        if not mail_allowed(kind="reset", address=to_email):
            logger.warning("web.password_reset_email_limited")
            return
        try:
            super().send_mail(
                subject_template_name, email_template_name, context, from_email, to_email, **kwargs
            )
        except Exception:
            logger.exception("web.password_reset_email_failed")


class PasswordResetView(auth_views.PasswordResetView):
    def post(self, request, *args, **kwargs):
        refused = too_many_requests(request)
        return refused if refused is not None else super().post(request, *args, **kwargs)

    def form_valid(self, form):
        self.extra_email_context = {"base_url": settings.PUBLIC_BASE_URL.rstrip("/")}
        return super().form_valid(form)


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's API tokens; a new one's key is shown on this page once."""
    context = {"nav": "account", "name": "", "errors": {}, "new_key": None}
    status = 200
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        context["name"] = name
        if not name:
            context["errors"] = {"name": ["give the token a name, to tell it apart later"]}
        elif len(name) > 100 or "\x00" in name:
            context["errors"] = {"name": ["a name of at most 100 characters, please"]}
        else:
            try:
                token, key = api_token_create(user=request.user, name=name)
            except TooManyTokens as exc:
                context["errors"] = {"name": [str(exc)]}
            else:
                context |= {"new_key": key, "new_token": token, "name": ""}
        status = 400 if context["errors"] else 201
    context |= {
        "tokens": api_tokens_of(user=request.user),
        "login_tokens": login_tokens_of(user=request.user),
        "verified": email_verified(user=request.user),
    }
    response = render(request, "web/accounts/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"  # a new key must not stay in a cache
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if api_token_revoke(user=request.user, token_id=token_id):
        messages.success(request, "The token is revoked: it no longer works.")
    else:
        messages.error(request, "No such token: it may have been revoked already.")
    return redirect("web:tokens")


@login_required
@require_POST
def login_token_revoke_page(request: HttpRequest) -> HttpResponse:
    if login_tokens_revoke(user=request.user):
        messages.success(request, "Your login tokens are revoked: they no longer work.")
    return redirect("web:tokens")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Affiliation and ORCID iD (the API's ``PATCH /api/auth/me/``: the same checks)."""
    current = profile_of(user=request.user)
    values = {"affiliation": current.affiliation, "orcid": current.orcid}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in values}
        data = ProfileInput(data=values)
        if not data.is_valid():
            errors = {f: [str(m) for m in ms] for f, ms in data.errors.items()}
        else:
            try:
                profile_update(user=request.user, **data.validated_data)
            except ValidationError as exc:
                errors = exc.message_dict
            else:
                messages.success(request, "Your profile is saved.")
                return redirect("web:profile")
    return render(
        request,
        "web/accounts/profile.html",
        {"nav": "account", "values": values, "errors": errors},
        status=400 if errors else 200,
    )
