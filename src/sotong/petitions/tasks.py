"""Time-driven work of petitions (routing and retention tasks live in their own modules).

- `petitions_close_due(now)`: close answered petitions whose board's reopen period has ended
  (종결), one transaction per petition through `services.petition_close` so one bad row never
  blocks the rest. Idempotent: run it as often as you like.
- `intake` (queue "default"): finishes the receipts of petitions stored on the fast path
  (`services.petition_intake_complete`); queued by `petition_submit(deferred=True)` at most
  once a second per process, and swept up by the tick as well. Defined in `services/intake.py`
  beside the scheduler that queues it (so the services never import this module) and named
  here as `tasks.intake`.
- `tick` (queue "default"): the same as a background task; `manage.py petitions_tick` runs
  it from cron or a service loop. Other periodic steps (retention) are added to `run_tick`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django_tasks import task

from . import services
from .models import Petition, Status
from .services.intake import intake

logger = logging.getLogger(__name__)

# Petitions closed per run at most; the next run takes the rest.
BATCH = 500

# Further periodic steps (name → function of `now` returning a count), from the manifests.
TICK_STEPS: dict[str, Callable[[datetime], Any]] = {}


def petitions_close_due(now: datetime | None = None, *, limit: int = BATCH) -> int:
    """Closes answered petitions whose reopen period (board.reopen_days after the answer) has
    passed by `now`. Returns how many were closed."""
    now = now or timezone.now()
    # The reopen period differs per board (answered_at + board.reopen_days <= now): narrow in
    # SQL to rows answered by now, then decide per row.
    candidates = (
        Petition.objects.filter(status=Status.ANSWERED, answered_at__lte=now)
        .select_related("board")
        .order_by("answered_at", "pk")
    )
    closed = 0
    for petition in candidates.iterator(chunk_size=200):
        if closed >= limit:
            break
        if petition.answered_at + timedelta(days=petition.board.reopen_days) > now:
            continue
        try:
            services.petition_close(actor=None, petition=petition)
        except Exception:  # one broken row must not stop the others; it is retried next run
            logger.exception("closing petition failed: id=%s", petition.pk)
            continue
        closed += 1
    return closed


def register_tick_step(name: str, step: Callable[[datetime], Any]) -> None:
    """Adds a step to `manage.py petitions_tick` (and its task); apps list theirs in their
    manifest. Registering a name again replaces its step."""
    TICK_STEPS[name] = step


def run_tick(now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    result: dict[str, Any] = {
        "received": services.petitions_intake_pending(),
        "closed": petitions_close_due(now),
    }
    for name, step in TICK_STEPS.items():
        try:
            result[name] = step(now)
        except Exception:
            logger.exception("petitions tick step failed: %s", name)
            result[name] = "error"
    return result


@task(queue_name="default")
def tick() -> dict[str, Any]:
    return run_tick()


__all__ = [
    "BATCH",
    "TICK_STEPS",
    "intake",
    "petitions_close_due",
    "register_tick_step",
    "run_tick",
    "tick",
]
