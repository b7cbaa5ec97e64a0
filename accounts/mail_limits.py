"""How often one address may be sent the same kind of account email (a password reset link,
an address confirmation): ``ACCOUNT_EMAILS_PER_ADDRESS`` an hour, whoever asks and from
wherever. The per-client throttles stop one client flooding; this stops many clients (or
one with many addresses) flooding one inbox, or a mail server's reputation.

Counts live in the shared cache (Redis), under a digest of the address (never the address).
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 3600


def mail_allowed(*, kind: str, address: str) -> bool:
    """Whether another email of ``kind`` may go to ``address`` now; counts it if so."""
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]
    key = f"mail:{kind}:{digest}:{int(time.time() // WINDOW_SECONDS)}"
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    return cache.incr(key) <= settings.ACCOUNT_EMAILS_PER_ADDRESS
