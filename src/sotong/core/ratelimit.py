"""Fixed-window rate limits in the shared cache (the database or Redis, so every web process
counts together), like allauth's limits for logins. A window opens with the first request and
closes `period` seconds later; the count then starts again."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def hits(key: str, *, period: int) -> int:
    """Counts one more request under `key` and returns the count in the current window."""
    if cache.add(key, 1, timeout=period):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period)
        return 1


def rate_limited(namespace: str, action: str, who: str, limits: dict[str, tuple[int, int]]) -> bool:
    """Counts one `action` by `who` (a client IP, an address) and says whether it goes over
    `limits[action]` = (requests, seconds). `who` is hashed: no address is kept in the cache."""
    limit, period = limits[action]
    digest = hashlib.sha256(f"{action}\x00{who}".encode()).hexdigest()[:32]
    return hits(f"{namespace}:ratelimit:{digest}", period=period) > limit
