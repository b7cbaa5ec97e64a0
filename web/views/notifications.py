"""An author's notifications (unread first) and which of them also come by email."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from notifications.models import OWN_KINDS, Kind
from notifications.preferences import preference_get, preference_update
from notifications.selectors import notifications_of
from notifications.services import notifications_mark_read
from submissions.roles import is_editor

PAGE_SIZE = 25


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = notifications_of(user=request.user).order_by(
        F("read_at").asc(nulls_first=True), "-created_at"
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/notifications/list.html", {"nav": "notifications", "page": page})


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("web:notifications")


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id) -> HttpResponse:
    notification = notifications_of(user=request.user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404("no such notification")
    notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    return _back(request)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    marked = notifications_mark_read(user=request.user)
    messages.success(request, f"{marked} notification{'s' if marked != 1 else ''} marked read.")
    return redirect("web:notifications")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    kinds = list(Kind) if is_editor(request.user) else list(OWN_KINDS)
    if request.method == "POST":
        chosen = set(request.POST.getlist("email"))
        preference_update(
            user=request.user, email={kind.value: kind.value in chosen for kind in kinds}
        )
        messages.success(request, "Your email preferences are saved.")
        return redirect("web:preferences")
    preference = preference_get(user=request.user)
    return render(
        request,
        "web/notifications/preferences.html",
        {
            "nav": "notifications",
            "kinds": [(k.value, k.label, preference.wants_email(k.value)) for k in kinds],
        },
    )
