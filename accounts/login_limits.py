"""Logins from one client address are slowed, never locked out.

django-axes locks a username for the address that guessed at it (the pair), so a guesser
at a university's NAT or a conference's Wi-Fi locks out no one else there. This adds the
limit on the address itself, much higher and gentler: past ``LOGIN_ADDRESS_FAILURE_LIMIT``
failed logins in ``LOGIN_ADDRESS_WINDOW_MINUTES`` (any usernames), the address may try one
login every ``LOGIN_ADDRESS_SLOW_SECONDS`` (429 with Retry-After otherwise) until its
failures age out. A password sprayer is slowed to a crawl; a colleague behind the same
address waits a second.

Counts live in the shared cache (Redis), so every web worker sees the same ones; failures
are counted in fixed windows, the last two together, so none drops out at a window's edge.
"""

import time

from django.conf import settings
from django.core.cache import cache

from config.client_ip import client_ip


def _window() -> tuple[int, int]:
    seconds = max(1, round(settings.LOGIN_ADDRESS_WINDOW_MINUTES * 60))
    return int(time.time() // seconds), seconds


def _failures_key(address: str, window: int) -> str:
    return f"login-failures:{address}:{window}"


def failure_count(*, address: str) -> int:
    window, _ = _window()
    counts = cache.get_many([_failures_key(address, window), _failures_key(address, window - 1)])
    return sum(counts.values())


def failure_record(*, address: str) -> None:
    window, seconds = _window()
    key = _failures_key(address, window)
    cache.add(key, 0, timeout=2 * seconds)
    cache.incr(key)


def wait_before_login(*, address: str) -> int:
    """Seconds the address must wait before its next login attempt (0: go ahead, and the
    attempt takes the address's slot when it is slowed)."""
    if failure_count(address=address) < settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        return 0
    slow = max(1, settings.LOGIN_ADDRESS_SLOW_SECONDS)
    return 0 if cache.add(f"login-slot:{address}", 1, timeout=slow) else slow


def on_login_failed(sender, credentials=None, request=None, **kwargs) -> None:
    """``user_login_failed``: one more failure for the request's address."""
    if request is not None:
        failure_record(address=client_ip(request))
