"""An organisation's own closing days (ClosingDay), which petition deadlines count like public
holidays (`petitions.deadlines`). Every intake asks, the Open311 fast path too, so they are kept
per process for `CLOSED_DAYS_TTL` seconds: a day added or removed reaches this process at once
(`org.services` clears the memo) and every other worker within the TTL. Kept here, beside the
model, so that org clears it without importing the apps above it."""

from __future__ import annotations

import threading
import time
from datetime import date

from .models import ClosingDay

# Seconds a process keeps an organisation's closing days. A closing day is declared days ahead,
# so a minute's delay in the other workers costs nothing; a query per intake would.
CLOSED_DAYS_TTL = 60

_closed_lock = threading.Lock()
_closed_memo: dict[int, tuple[float, frozenset[date]]] = {}
# Bumped by every clear: a lookup that read the table before a clear does not store what it
# read after it (it would keep a removed day for a whole TTL).
_closed_generation = 0


def closed_days(organization_id: int) -> frozenset[date]:
    """The organisation's own closing days (org.ClosingDay, all of them: a petition may be
    entered with a past receipt), from this process's memo when it is younger than
    `CLOSED_DAYS_TTL` seconds."""
    now = time.monotonic()
    with _closed_lock:
        cached = _closed_memo.get(organization_id)
        generation = _closed_generation
    if cached is not None and cached[0] > now:
        return cached[1]
    days = frozenset(
        ClosingDay.objects.filter(organization_id=organization_id).values_list("day", flat=True)
    )
    with _closed_lock:
        if generation == _closed_generation:
            _closed_memo[organization_id] = (now + CLOSED_DAYS_TTL, days)
    return days


def closed_days_clear() -> None:
    """Forgets this process's closing days (after a change, and between tests)."""
    global _closed_generation
    with _closed_lock:
        _closed_generation += 1
        _closed_memo.clear()
