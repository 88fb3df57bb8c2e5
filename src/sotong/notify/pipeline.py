"""The delivery pipeline: claim due deliveries, build each message, hand it to its channel's
transport, record the outcome. Run by the `deliver` task (`tasks.py`) or by
`manage.py notify_deliver`; never called by other apps (they write deliveries and call
`wake_workers`).

One round (`deliver_due` repeats it until nothing is due or its time budget is spent):

1. **claim** (`claim_due`): one statement marks up to `batch_size` due rows `sending` under a
   lease, in (priority, not_before, id) order, and commits before any I/O. PostgreSQL: `FOR
   UPDATE SKIP LOCKED`, so workers never wait for each other; SQLite: the same inside a write
   transaction (`transaction_mode` IMMEDIATE takes the lock at BEGIN). Due means queued with
   `not_before` passed, or `sending` with an expired lease (its worker died or a retry is owed).
2. **reconcile**: rows reclaimed from an expired lease may already be at the provider. For a
   reconcilable transport (SMS/알림톡) the provider is asked by our key `d<id>` and what it holds
   is recorded, never sent again. SMTP cannot be asked (see README, "Exactly once").
3. **timing** (`timing.earliest_send_at`): a row that may not go now (quiet hours, the night rule
   for promotional messages) returns to `queued` with a later `not_before`; that is no attempt.
4. **build** (`messages.build_outgoing`): `Unsendable` is recorded as `skipped` or `failed` with
   its code and never retried.
5. **send** in chunks of the transport's `max_batch`, within the provider's rate limit shared by
   every process (`RateWindow`). E-mail is recorded message by message as the server accepts
   each one, so a crash can repeat at most the one in flight.
6. **record**: sent / delivered / failed; temporary failures go back with exponential backoff
   until `NOTIFY_MAX_ATTEMPTS`, then fail as `retries_exhausted`. For a reconcilable transport a
   retry stays `sending` with its lease set to the retry time, so that the next claim asks the
   provider first (a timeout may have delivered the batch after all).

Every update of a claimed row is conditional on `status = 'sending' AND worker = <us>`: a worker
that overran its lease cannot overwrite what the worker that reclaimed the row recorded.

The steps live in their own modules: `pipeline_send` (one transport's rows: reconcile, timing,
build, send), `pipeline_record` (outcomes into row updates, backoff), `pipeline_rate` (the shared
rate limit). This module claims, groups and loops, and wakes the workers.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import Campaign, Channel, Delivery, Priority

# Re-exported: callers and tests use `pipeline.rate_take`, `pipeline.backoff_seconds` etc.
from .pipeline_rate import rate_prune as rate_prune
from .pipeline_rate import rate_take as rate_take
from .pipeline_record import SKIP_CODES as SKIP_CODES
from .pipeline_record import Status, _Recorder
from .pipeline_record import backoff_seconds as backoff_seconds
from .pipeline_send import _process_group
from .transports.base import Transport

logger = logging.getLogger(__name__)


# A burst of wake_workers() calls within this many seconds enqueues one task.
WAKE_DEDUPE_SECONDS = 30


_PROCESS_TOKEN = secrets.token_hex(3)


def worker_name(base: str = "") -> str:
    """This process's name in `Delivery.worker`: `base` (a task worker's id) or the host, then
    the pid and a token (pids are reused)."""
    return f"{(base or socket.gethostname())[:50]}:{os.getpid()}:{_PROCESS_TOKEN}"


@dataclass
class Stats:
    """What one `deliver_due` call did. `stopped`: "idle" (nothing due), "budget" (time spent,
    due rows may remain), "transport_down" (every wanted transport failed this run). While an
    operator has paused delivery (`operations.py`) nothing is claimed: "idle"."""

    worker: str = ""
    claimed: int = 0
    reconciled: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    skipped: int = 0
    cancelled: int = 0
    retried: int = 0
    deferred: int = 0
    released: int = 0
    lost_lease: int = 0
    rounds: int = 0
    duration: float = 0.0
    stopped: str = ""
    codes: dict[str, int] = field(default_factory=dict)

    def add(self, counts: Counter) -> None:
        for key, value in counts.items():
            if key.startswith("code:"):
                self.codes[key[5:]] = self.codes.get(key[5:], 0) + value
            else:
                setattr(self, key, getattr(self, key) + value)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- waking workers ---------------------------------------------------------------------------


def _wake_key(urgent: bool) -> str:
    return f"notify:wake:{'urgent' if urgent else 'notify'}"


def wake_workers(*, urgent: bool = False) -> None:
    """Make sure a `deliver` task will run soon (on queue "urgent" when `urgent`). Enqueued when
    the caller's transaction commits, so the worker sees the rows; cheap to call for every
    delivery written: while one task waits in the queue, further calls enqueue nothing (the task
    clears the mark when it starts, so rows committed after that wake a new one)."""
    from .tasks import deliver

    task = deliver.using(queue_name="urgent") if urgent else deliver
    task.get_backend().validate_task(task)
    key = _wake_key(urgent)

    def enqueue() -> None:
        try:
            first = cache.add(key, 1, timeout=WAKE_DEDUPE_SECONDS)
        except Exception:  # a cache outage must not hold messages back
            logger.warning("notify wake: cache unavailable", exc_info=True)
            first = True
        if not first:
            return
        try:
            task.enqueue(urgent=urgent)
        except Exception:
            # The rows are committed; the scheduler's next tick wakes a worker for them.
            logger.exception("notify wake: enqueue failed (urgent=%s)", urgent)
            _clear_wake(urgent)

    transaction.on_commit(enqueue)


def _clear_wake(urgent: bool) -> None:
    try:
        cache.delete(_wake_key(urgent))
    except Exception:
        logger.warning("notify wake: cache unavailable", exc_info=True)


def due_filter(now: datetime) -> Q:
    # The status__in term repeats the partial index's condition, which lets SQLite use it.
    return Q(status__in=[Status.QUEUED, Status.SENDING]) & (
        Q(status=Status.QUEUED, not_before__lte=now) | Q(status=Status.SENDING, lease_until__lt=now)
    )


def due_exists(*, now: datetime | None = None, urgent: bool = False) -> bool:
    """Whether any delivery is due now (emergency ones only, with `urgent`)."""
    rows = Delivery.objects.filter(due_filter(now or timezone.now()))
    if urgent:
        rows = rows.filter(priority__lte=Priority.EMERGENCY)
    return rows.exists()


# --- claiming ---------------------------------------------------------------------------------


def claim_due(
    *,
    worker: str,
    limit: int,
    now: datetime,
    lease_seconds: float | None = None,
    channels: Sequence[str] | None = None,
) -> list[tuple[int, bool]]:
    """Claim up to `limit` due deliveries for `worker`: status `sending`, lease until now +
    lease, one more attempt. Returns (id, reclaimed) pairs; `reclaimed` is true for a row that
    was `sending` under an expired lease and must be reconciled before it is sent again.

    The WHERE clause starts with the condition of the partial index `notify_delivery_due`, and
    the ORDER BY is its key, so the planner walks that index and stops after `limit` rows.
    Nothing is claimed while delivery is paused (`operations.delivery_pause`)."""
    lease = lease_seconds if lease_seconds is not None else settings.NOTIFY_LEASE_SECONDS
    ops = connection.ops
    at = ops.adapt_datetimefield_value(now)
    until = ops.adapt_datetimefield_value(now + timedelta(seconds=lease))
    channel_sql = ""
    channel_params: list[str] = []
    if channels:
        channel_sql = f" AND channel IN ({', '.join(['%s'] * len(channels))})"
        channel_params = [str(channel) for channel in channels]
    select = (
        "SELECT id, status FROM notify_delivery"  # noqa: S608 - placeholders only
        " WHERE status IN ('queued', 'sending')"
        " AND ((status = 'queued' AND not_before <= %s)"
        " OR (status = 'sending' AND lease_until < %s))"
        f"{channel_sql}"
        # The operator's pause (operations.py), in the claim itself: no extra query per batch,
        # and no batch claimed after the pause committed.
        " AND NOT EXISTS (SELECT 1 FROM notify_deliverycontrol WHERE paused = %s)"
        " ORDER BY priority, not_before, id LIMIT %s"
    )
    select_params = [at, at, *channel_params, True, int(limit)]
    if connection.vendor == "postgresql":
        sql = (
            f"WITH due AS ({select} FOR UPDATE SKIP LOCKED)"  # noqa: S608 - placeholders only
            " UPDATE notify_delivery AS d SET status = 'sending', lease_until = %s,"
            " worker = %s, attempts = d.attempts + 1"
            " FROM due WHERE d.id = due.id RETURNING d.id, due.status"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*select_params, until, worker])
            rows = cursor.fetchall()
    else:
        # SQLite has one writer at a time: the write lock taken at BEGIN (IMMEDIATE) is what
        # keeps two workers from claiming the same rows.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(select, select_params)
            rows = cursor.fetchall()
            if rows:
                ids = [row[0] for row in rows]
                cursor.execute(
                    "UPDATE notify_delivery SET status = 'sending', lease_until = %s,"  # noqa: S608
                    " worker = %s, attempts = attempts + 1"
                    f" WHERE id IN ({', '.join(['%s'] * len(ids))})",
                    [until, worker, *ids],
                )
    return sorted(((row[0], row[1] == Status.SENDING) for row in rows), key=lambda r: r[0])


def _finish_campaigns(touched: dict[int, Campaign]) -> None:
    if not touched:
        return
    from . import campaigns  # campaigns starts its sends through this module

    for campaign in touched.values():
        try:
            campaigns.campaign_finish_check(campaign)
        except Exception:
            logger.exception("notify campaign finish check failed: campaign=%s", campaign.pk)


def deliver_round(
    *, worker: str, batch_size: int, channels: Sequence[str] | None = None
) -> tuple[Counter, set[str]]:
    """Claim one batch and process it. Returns the counts and the channels whose transport
    failed as a whole. An empty Counter means nothing was due."""
    lease_seconds = settings.NOTIFY_LEASE_SECONDS
    claimed = claim_due(
        worker=worker,
        limit=batch_size,
        now=timezone.now(),
        lease_seconds=lease_seconds,
        channels=channels,
    )
    if not claimed:
        return Counter(), set()
    # Leave a margin under the lease: past half of it, rate-limited rows are handed back.
    lease_deadline = time.monotonic() + lease_seconds / 2
    reclaimed = {pk for pk, again in claimed if again}
    rows, campaigns = _load_claimed(worker, claimed)
    total: Counter = Counter(claimed=len(claimed))
    down: set[str] = set()
    groups = _group_by_transport(worker, rows, total, down)
    for transport, group, group_channels in groups:
        started = time.monotonic()
        counts, failed = _process_group(
            worker=worker,
            transport=transport,
            rows=group,
            reclaimed=reclaimed,
            lease_deadline=lease_deadline,
        )
        if failed:
            down.update(group_channels)
        total.update(counts)
        _log_batch(worker, transport, group_channels, len(group), counts, started)
    _finish_campaigns(campaigns)
    return total, down


def _load_claimed(
    worker: str, claimed: list[tuple[int, bool]]
) -> tuple[list[Delivery], dict[int, Campaign]]:
    """The claimed rows still ours, in claim order, with their campaigns."""
    rows = list(
        Delivery.objects.filter(pk__in=[pk for pk, _ in claimed], worker=worker)
        .select_related("subscriber", "notification")
        .order_by("priority", "not_before", "id")
    )
    # A batch holds a few campaigns: one query and one instance each, instead of a join that
    # decodes the campaign's texts and JSON again for every row.
    campaigns = Campaign.objects.in_bulk({row.campaign_id for row in rows if row.campaign_id})
    for row in rows:
        if row.campaign_id:
            row.campaign = campaigns[row.campaign_id]
    return rows, campaigns


def _group_by_transport(
    worker: str, rows: list[Delivery], total: Counter, down: set[str]
) -> list[tuple[Transport, list[Delivery], list[str]]]:
    """The rows per transport (with the channels each serves). Rows of a channel without a
    working transport are retried later; the channel counts as down."""
    from . import transports

    groups: dict[int, tuple[Transport, list[Delivery], list[str]]] = {}
    broken_channels: dict[str, list[Delivery]] = defaultdict(list)
    for row in rows:
        try:
            transport = transports.transport_for(row.channel)
        except Exception:
            logger.exception("notify: no transport for channel %s", row.channel)
            broken_channels[row.channel].append(row)
            continue
        entry = groups.setdefault(id(transport), (transport, [], []))
        entry[1].append(row)
        if row.channel not in entry[2]:
            entry[2].append(row.channel)
    for channel, broken in broken_channels.items():
        recorder = _Recorder(worker, "", False)
        recorder.retry([(row, "no_transport", channel, None) for row in broken], timezone.now())
        total.update(recorder.counts)
        down.add(channel)
    return list(groups.values())


def _log_batch(
    worker: str,
    transport: Transport,
    group_channels: list[str],
    n: int,
    counts: Counter,
    started: float,
) -> None:
    outcome = {k: v for k, v in sorted(counts.items()) if v and not k.startswith("code:")}
    duration = time.monotonic() - started
    logger.info(
        "notify batch worker=%s transport=%s channels=%s n=%d %s duration=%.3fs",
        worker,
        transport.name,
        ",".join(group_channels),
        n,
        " ".join(f"{k}={v}" for k, v in outcome.items()),
        duration,
        extra={
            "notify_worker": worker,
            "notify_transport": transport.name,
            "notify_channels": group_channels,
            "notify_n": n,
            "notify_outcomes": outcome,
            "notify_duration_ms": round(duration * 1000),
        },
    )


def deliver_due(
    *,
    worker: str,
    batch_size: int | None = None,
    time_budget: float = 30.0,
    channels: Sequence[str] | None = None,
    on_backlog: Callable[[], None] | None = None,
) -> Stats:
    """Deliver due messages batch by batch until none is due, `time_budget` seconds are spent
    (a batch started is always finished) or every wanted transport is down. `channels` limits
    the work to some channels (a worker dedicated to e-mail, say). `on_backlog` is called once,
    after the first full batch: the `deliver` task uses it to wake another worker while a large
    campaign is waiting."""
    started = time.monotonic()
    stats = Stats(worker=worker)
    size = batch_size or settings.NOTIFY_BATCH_SIZE
    wanted = [str(channel) for channel in channels] if channels else None
    down: set[str] = set()
    while True:
        if time.monotonic() - started >= time_budget:
            stats.stopped = "budget"
            break
        active = wanted
        if down:
            active = [c for c in (wanted or Channel.values) if c not in down]
            if not active:
                stats.stopped = "transport_down"
                break
        counts, failed = deliver_round(worker=worker, batch_size=size, channels=active)
        if not counts:
            stats.stopped = "idle"
            break
        stats.rounds += 1
        stats.add(counts)
        down |= failed
        if on_backlog is not None and counts["claimed"] >= size:
            on_backlog()
            on_backlog = None
    stats.duration = time.monotonic() - started
    return stats
