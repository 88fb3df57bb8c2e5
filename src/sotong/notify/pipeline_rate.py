"""The providers' rate limits, shared by every process through `RateWindow` (one row per
transport and second)."""

from __future__ import annotations

import time

from django.db import connection

from .models import RateWindow


def _now_second() -> int:
    return int(time.time())


def rate_take(transport: str, wanted: int, per_second: int, *, second: int | None = None) -> int:
    """Reserve up to `wanted` sends for `transport` in the current second, out of `per_second`
    shared by every process. One atomic upsert: everyone adds what they want, and each keeps
    only what was still free when its addition landed."""
    if per_second <= 0 or wanted <= 0:
        return wanted
    second = _now_second() if second is None else second
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO notify_ratewindow (transport, "second", "count") VALUES (%s, %s, %s)'
            ' ON CONFLICT (transport, "second") DO UPDATE'
            ' SET "count" = notify_ratewindow."count" + excluded."count" RETURNING "count"',
            [transport, second, wanted],
        )
        total = cursor.fetchone()[0]
    before = total - wanted
    return max(0, min(wanted, per_second - before))


def rate_prune(*, older_than_seconds: int = 3600) -> int:
    return RateWindow.objects.filter(second__lt=_now_second() - older_than_seconds).delete()[0]
