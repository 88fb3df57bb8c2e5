"""What an Open311 POST looks up before it stores a petition (the api key with its
organisation, the service, the receiving board, the kind and its legal period), kept per
process for `OPEN311_DIRECTORY_TTL` seconds (default 5).

Machines post in bursts, and these four lookups cost more than storing the petition itself. The
price is that a change takes up to the TTL to reach every worker: a revoked key, a deactivated
service or board, a changed period. Revoking a key clears this process's copy at once
(`open311_key_revoke`); other workers follow within the TTL. Only successful lookups are kept:
an unknown key or service is looked up every time, so a new key works at once."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings

from .. import deadlines
from ..models import Board, Category, Kind, Open311Key
from .keys import MAX_KEY_LENGTH, hash_key, on_key_revoked, open311_key_authenticate

# The board Open311 requests go to: the organisation's board of this code, else its first public
# board that takes reports (`open311_board`; api.py's docstring explains the rule).
OPEN311_BOARD_CODE = "open311"
DEFAULT_TTL = 5.0
# Bounded, so a client cycling through service codes cannot grow a worker's memory.
MAX_ENTRIES = 1_000


@dataclass(frozen=True)
class Intake:
    key: Open311Key
    category: Category | None  # None: no such active service in the key's organisation
    board: Board | None  # None: the organisation takes no Open311 requests
    kind: str
    period: str


_lock = threading.Lock()
_entries: dict[tuple[str, str], tuple[float, Intake]] = {}


def _ttl() -> float:
    return float(getattr(settings, "OPEN311_DIRECTORY_TTL", DEFAULT_TTL))


def intake_lookup(raw_key: str | None, service_code: str) -> Intake | None:
    """The intake of `service_code` for the api key `raw_key`; None when the key is missing,
    unknown or revoked."""
    if not raw_key or len(raw_key) > MAX_KEY_LENGTH:
        return None
    cache_key = (hash_key(raw_key.strip()), service_code)
    now = time.monotonic()
    with _lock:
        cached = _entries.get(cache_key)
    if cached is not None and cached[0] > now:
        return cached[1]
    key = open311_key_authenticate(raw_key)
    if key is None:
        return None
    intake = _load(key, service_code)
    if intake.category is not None and intake.board is not None:
        with _lock:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[cache_key] = (now + _ttl(), intake)
    return intake


def open311_board(organization_id: int) -> Board | None:
    """The board Open311 requests of this organisation go to (see the module docstring)."""
    boards = list(
        Board.objects.filter(
            organization_id=organization_id, active=True, posting=Board.Posting.ANYONE
        )
        .select_related("organization", "department")
        .order_by("order", "name", "id")
    )
    for board in boards:
        if board.code == OPEN311_BOARD_CODE:
            return board
    for board in boards:
        if Kind.REPORT in (board.kinds or []):
            return board
    return None


def _load(key: Open311Key, service_code: str) -> Intake:
    category = (
        Category.objects.filter(organization=key.organization, code=service_code, active=True)
        .select_related("department")
        .first()
        if service_code
        else None
    )
    board = open311_board(key.organization_id)
    kinds = (board.kinds or []) if board is not None else []
    kind = Kind.REPORT if Kind.REPORT in kinds or not kinds else kinds[0]
    period = deadlines.period_text_for(key.organization_id, kind) if board is not None else ""
    return Intake(key=key, category=category, board=board, kind=kind, period=period)


@on_key_revoked
def intake_directory_clear() -> None:
    with _lock:
        _entries.clear()


__all__ = [
    "OPEN311_BOARD_CODE",
    "Intake",
    "intake_directory_clear",
    "intake_lookup",
    "open311_board",
]
