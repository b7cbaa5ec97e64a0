"""Error pages in the site's style (the API keeps its JSON: ``config.views``)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its security token: usually a page left open across a login or
    with cookies off. Said plainly, with what to do."""
    return render(request, "web/errors/csrf.html", status=403)
