"""W3C trace context carried from a request (or a consumed event) into the events it causes.

There is no tracer in the system itself; when a caller sends a valid ``traceparent`` header,
it is kept for the duration of the request or the handled event, and every event published
meanwhile carries it, so a tracing backend can join the whole chain.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

TRACEPARENT_RE = re.compile(r"^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$")

_traceparent: ContextVar[str | None] = ContextVar("traceparent", default=None)


def current_traceparent() -> str | None:
    return _traceparent.get()


@contextmanager
def trace_context(traceparent: str | None) -> Iterator[None]:
    """Make ``traceparent`` (if valid) the active trace inside the block."""
    value = traceparent if traceparent and TRACEPARENT_RE.match(traceparent) else None
    token = _traceparent.set(value)
    try:
        yield
    finally:
        _traceparent.reset(token)


class TraceparentMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with trace_context(request.headers.get("traceparent")):
            return self.get_response(request)
