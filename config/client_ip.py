"""The client's address, for throttling and lockouts: from the connection, unless the
operator says how many proxies in front of the server append to ``X-Forwarded-For``.

A header the client sends itself is never believed: with ``TRUSTED_PROXIES=0`` (the default)
only ``REMOTE_ADDR`` counts, so a password guesser cannot pose as a new client on each try.
With N trusted proxies, the address N entries from the right of ``X-Forwarded-For`` is the
one the outermost trusted proxy saw. DRF's throttles follow the same rule (``NUM_PROXIES``).
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-min(proxies, len(hops))] if hops else remote
