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
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import timing
from .models import Campaign, Channel, Delivery, Priority, RateWindow
from .transports.base import Outcome, Outgoing, Transport, TransportError

logger = logging.getLogger(__name__)

Status = Delivery.Status

# Backoff of temporary failures: 30 s, 2 min, 8 min, 32 min, then 2 h.
BACKOFF_BASE_SECONDS = 30
BACKOFF_FACTOR = 4
BACKOFF_MAX_SECONDS = 2 * 60 * 60
# A burst of wake_workers() calls within this many seconds enqueues one task.
WAKE_DEDUPE_SECONDS = 30
# Unsendable codes that mean "not to be sent any more" rather than "something is wrong".
# (messages.py lists the codes; anything else, e.g. "too_long" or "template_error", is a failure
# that staff must see and fix.)
SKIP_CODES = frozenset(
    {
        "unsubscribed",
        "channel_withdrawn",
        "no_address",
        "no_promo_consent",
        "missing_variable",
        "missing_variables",
        "no_items",
    }
)
_PROCESS_TOKEN = secrets.token_hex(3)


def worker_name(base: str = "") -> str:
    """This process's name in `Delivery.worker`: `base` (a task worker's id) or the host, then
    the pid and a token (pids are reused)."""
    return f"{(base or socket.gethostname())[:50]}:{os.getpid()}:{_PROCESS_TOKEN}"


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Wait before the next try after `attempts` tries: 30 s × 4^(attempts-1), at most 2 h, and
    never less than what the provider asked for."""
    delay = min(BACKOFF_BASE_SECONDS * BACKOFF_FACTOR ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    if retry_after:
        delay = max(delay, min(float(retry_after), BACKOFF_MAX_SECONDS))
    return float(delay)


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


# --- rate limit -------------------------------------------------------------------------------


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


# --- recording --------------------------------------------------------------------------------


class _Sql(str):
    """A column's new value written as SQL (e.g. "attempts - 1"), not as a parameter."""


def _update(
    worker: str,
    ids: Iterable[int],
    const: dict[str, Any],
    varying: dict[str, dict[int, Any]] | None = None,
) -> int:
    """One UPDATE of our claimed rows `ids`: `const` for all, `varying` per id (a CASE).
    Written as SQL because building thousands of ORM When() objects per second cost more than
    the database work."""
    ids = list(ids)
    if not ids:
        return 0
    quote = connection.ops.quote_name
    cast = connection.vendor == "postgresql"  # CASE of untyped literals is text there
    values = dict(const)
    cases: dict[str, dict[int, Any]] = {}
    for name, per_id in (varying or {}).items():
        distinct = set(per_id.values())
        if len(distinct) == 1:
            values[name] = distinct.pop()
        else:
            cases[name] = per_id
    sets: list[str] = []
    params: list[Any] = []
    for name, value in values.items():
        field = Delivery._meta.get_field(name)
        if isinstance(value, _Sql):
            sets.append(f"{quote(field.column)} = {value}")
        else:
            sets.append(f"{quote(field.column)} = %s")
            params.append(field.get_db_prep_save(value, connection))
    for name, per_id in cases.items():
        field = Delivery._meta.get_field(name)
        then = f"CAST(%s AS {field.db_type(connection)})" if cast else "%s"
        sets.append(
            f"{quote(field.column)} = CASE id "
            + " ".join(f"WHEN %s THEN {then}" for _ in per_id)
            + f" ELSE {quote(field.column)} END"
        )
        for pk, value in per_id.items():
            params += [pk, field.get_db_prep_save(value, connection)]
    sql = (
        f"UPDATE notify_delivery SET {', '.join(sets)}"  # noqa: S608 - columns from the model
        f" WHERE id IN ({', '.join(['%s'] * len(ids))}) AND worker = %s AND status = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *ids, worker, Status.SENDING])
        return cursor.rowcount


class _Recorder:
    """Turns outcomes into row updates for one transport group, counting what happened."""

    def __init__(self, worker: str, transport_name: str, reconcilable: bool):
        self.worker = worker
        self.transport_name = transport_name
        self.reconcilable = reconcilable
        self.max_attempts = settings.NOTIFY_MAX_ATTEMPTS
        self.counts: Counter = Counter()

    def _done(self, counted: str, expected: int, updated: int) -> None:
        self.counts[counted] += updated
        self.counts["lost_lease"] += expected - updated

    def outcomes(self, rows: dict[int, Delivery], outcomes: Iterable[Outcome]) -> None:
        now = timezone.now()
        sent: dict[int, str] = {}
        delivered: dict[int, str] = {}
        failed: dict[int, tuple[str, str, str]] = {}
        retry: list[tuple[Delivery, str, str, float | None]] = []
        for outcome in outcomes:
            row = rows.get(outcome.delivery_id)
            if row is None:
                continue
            if outcome.status == "sent":
                sent[row.pk] = outcome.provider_message_id
            elif outcome.status == "delivered":
                delivered[row.pk] = outcome.provider_message_id
            elif outcome.status == "permanent":
                failed[row.pk] = (
                    outcome.code or "permanent",
                    outcome.detail[:300],
                    outcome.provider_message_id,
                )
            else:
                retry.append(
                    (row, outcome.code or "temporary", outcome.detail, outcome.retry_after)
                )
        clear = {"lease_until": None, "transport": self.transport_name}
        if sent:
            updated = _update(
                self.worker,
                sent,
                {
                    **clear,
                    "status": Status.SENT,
                    "sent_at": now,
                    "failure_code": "",
                    "failure_detail": "",
                },
                {"provider_message_id": sent},
            )
            self._done("sent", len(sent), updated)
        if delivered:
            updated = _update(
                self.worker,
                delivered,
                {
                    **clear,
                    "status": Status.DELIVERED,
                    "sent_at": now,
                    "delivered_at": now,
                    "failure_code": "",
                    "failure_detail": "",
                },
                {"provider_message_id": delivered},
            )
            self._done("delivered", len(delivered), updated)
        if failed:
            self.fail(
                failed.keys(),
                {pk: v[0] for pk, v in failed.items()},
                {pk: v[1] for pk, v in failed.items()},
                provider_ids={pk: v[2] for pk, v in failed.items()},
            )
        if retry:
            self.retry(retry, now)

    def fail(
        self,
        ids: Iterable[int],
        codes: dict[int, str],
        details: dict[int, str],
        *,
        provider_ids: dict[int, str] | None = None,
        status: str = Status.FAILED,
    ) -> None:
        ids = list(ids)
        varying: dict[str, dict[int, Any]] = {"failure_code": codes, "failure_detail": details}
        if provider_ids:
            varying["provider_message_id"] = provider_ids
        updated = _update(
            self.worker,
            ids,
            {"status": status, "lease_until": None, "transport": self.transport_name},
            varying,
        )
        self._done(str(status), len(ids), updated)
        for code in codes.values():
            self.counts[f"code:{code}"] += 1

    def retry(self, items: list[tuple[Delivery, str, str, float | None]], now: datetime) -> None:
        """Temporary failures: later, with backoff — or failed once attempts are used up."""
        exhausted = [item for item in items if item[0].attempts >= self.max_attempts]
        again = [item for item in items if item[0].attempts < self.max_attempts]
        if exhausted:
            self.fail(
                [row.pk for row, *_ in exhausted],
                {row.pk: "retries_exhausted" for row, *_ in exhausted},
                {row.pk: f"{code} {detail}".strip()[:300] for row, code, detail, _ in exhausted},
            )
        if not again:
            return
        at = {
            row.pk: now + timedelta(seconds=backoff_seconds(row.attempts, retry_after))
            for row, _, _, retry_after in again
        }
        varying: dict[str, dict[int, Any]] = {
            "failure_code": {row.pk: code[:40] for row, code, _, _ in again},
            "failure_detail": {row.pk: detail[:300] for row, _, detail, _ in again},
        }
        if self.reconcilable:
            # Stays "sending" with its lease as the retry time: the claim that picks it up
            # again treats it as reclaimed and asks the provider before resending.
            const = {"worker": ""}
            varying["lease_until"] = at
        else:
            const = {"status": Status.QUEUED, "lease_until": None, "worker": ""}
            varying["not_before"] = at
        updated = _update(self.worker, at, const, varying)
        self._done("retried", len(again), updated)

    def release(self, ids: Iterable[int], not_before: dict[int, datetime], counted: str) -> None:
        """Back to the queue without counting an attempt (deferred by timing, rate-limited)."""
        ids = list(ids)
        updated = _update(
            self.worker,
            ids,
            {
                "status": Status.QUEUED,
                "lease_until": None,
                "worker": "",
                "attempts": _Sql("attempts - 1"),
            },
            {"not_before": not_before},
        )
        self._done(counted, len(ids), updated)


# --- building ---------------------------------------------------------------------------------


def _messages():
    from . import messages

    return messages


def _key(delivery: Delivery) -> str:
    return f"d{delivery.pk}"


def _reconcile_item(delivery: Delivery, now: datetime) -> Outgoing:
    """What `reconcile` needs (the key and the address) even when the message could no longer
    be built, e.g. the subscriber left after the first attempt reached the provider."""
    try:
        return _messages().build_outgoing(delivery, now=now)
    except Exception:
        email = phone = ""
        if delivery.notification is not None:
            email, phone = delivery.notification.to_email, delivery.notification.to_phone
        elif delivery.subscriber is not None:
            email, phone = delivery.subscriber.email, delivery.subscriber.phone
        to = email if delivery.channel == Channel.EMAIL else phone
        return Outgoing(
            delivery_id=delivery.pk, key=_key(delivery), channel=delivery.channel, to=to, body=""
        )


def _promotional(delivery: Delivery) -> bool:
    return bool(delivery.campaign_id and delivery.campaign.promotional)


# --- one round --------------------------------------------------------------------------------


def _process_group(
    *,
    worker: str,
    transport: Transport,
    rows: list[Delivery],
    reclaimed: set[int],
    lease_deadline: float,
) -> tuple[Counter, bool]:
    """Reconcile, time, build, send and record the rows of one transport. Returns the counts and
    whether the transport failed as a whole (TransportError)."""
    name = transport.name
    recorder = _Recorder(worker, name, transport.reconcilable)
    by_id = {row.pk: row for row in rows}
    now = timezone.now()
    messages = _messages()

    # Cancelled with their campaign after planning: nothing to send.
    cancelled = [
        row.pk
        for row in rows
        if row.campaign_id and row.campaign.status == Campaign.Status.CANCELLED
    ]
    if cancelled:
        recorder.fail(
            cancelled,
            {pk: "cancelled" for pk in cancelled},
            {pk: "" for pk in cancelled},
            status=Status.CANCELLED,
        )
    gone = set(cancelled)
    pending = [row for row in rows if row.pk not in gone]

    # Reclaimed rows first: what the provider already holds is recorded, not sent again.
    again = [row for row in pending if row.pk in reclaimed]
    if again and transport.reconcilable:
        items = [_reconcile_item(row, now) for row in again]
        try:
            found = transport.reconcile(items)
        except Exception as exc:
            code = exc.code if isinstance(exc, TransportError) else "reconcile_error"
            if not isinstance(exc, TransportError):
                logger.exception("notify reconcile failed: transport=%s", name)
            # Cannot know whether they went: leave them for a later reconcile, never resend.
            recorder.retry([(row, code, "reconcile", None) for row in again], now)
            pending = [row for row in pending if row.pk not in reclaimed]
            found = None
        if found is not None:
            known = {pk: outcome for pk, outcome in found.items() if pk in by_id}
            # Received and then failed temporarily is still received: the provider retries.
            settled = [
                outcome
                if outcome.status != "temporary"
                else Outcome(pk, "sent", provider_message_id=outcome.provider_message_id)
                for pk, outcome in known.items()
            ]
            recorder.outcomes(by_id, settled)
            recorder.counts["reconciled"] += len(settled)
            pending = [row for row in pending if row.pk not in known]
    # A row that keeps killing its workers must not loop forever.
    poison = [
        row for row in pending if row.pk in reclaimed and row.attempts > recorder.max_attempts
    ]
    if poison:
        recorder.fail(
            [row.pk for row in poison],
            {row.pk: "retries_exhausted" for row in poison},
            {row.pk: "lease expired" for row in poison},
        )
        pending = [row for row in pending if row not in poison]

    # Timing: quiet hours and the night rule hold a row back without costing an attempt.
    later: dict[int, datetime] = {}
    for row in pending:
        when = timing.earliest_send_at(
            subscriber=row.subscriber,
            promotional=_promotional(row),
            priority=row.priority,
            now=now,
        )
        if when > now:
            later[row.pk] = when
    if later:
        recorder.release(later, later, "deferred")
        pending = [row for row in pending if row.pk not in later]

    # Build. Unsendable is final; any other error is a bug worth retrying after a fix.
    outgoing: list[Outgoing] = []
    unsendable: dict[int, tuple[str, str]] = {}
    broken: list[tuple[Delivery, str, str, float | None]] = []
    for row in pending:
        try:
            outgoing.append(messages.build_outgoing(row, now=now))
        except messages.Unsendable as exc:
            code = str(getattr(exc, "code", "") or "unsendable")[:40]
            unsendable[row.pk] = (code, str(getattr(exc, "detail", "") or "")[:300])
        except Exception:
            logger.exception("notify build failed: delivery=%s", row.pk)
            broken.append((row, "build_error", "", None))

    def final_status(code: str) -> str:
        if code == "cancelled":
            return Status.CANCELLED
        return Status.SKIPPED if code in SKIP_CODES else Status.FAILED

    for status in (Status.SKIPPED, Status.FAILED, Status.CANCELLED):
        ids = [pk for pk, (code, _) in unsendable.items() if final_status(code) == status]
        if ids:
            recorder.fail(
                ids,
                {pk: unsendable[pk][0] for pk in ids},
                {pk: unsendable[pk][1] for pk in ids},
                status=status,
            )
    if broken:
        recorder.retry(broken, now)

    down = _send(transport, recorder, by_id, outgoing, lease_deadline)
    return recorder.counts, down


def _send(
    transport: Transport,
    recorder: _Recorder,
    by_id: dict[int, Delivery],
    outgoing: list[Outgoing],
    lease_deadline: float,
) -> bool:
    """Send `outgoing` in chunks within the rate limit; True when the transport is down."""
    per_second = transport.rate_per_second()
    chunk = max(1, transport.max_batch)
    each = getattr(transport, "send_each", None) if not transport.reconcilable else None
    index = 0
    while index < len(outgoing):
        wanted = min(chunk, len(outgoing) - index)
        granted = rate_take(transport.name, wanted, per_second)
        if granted == 0:
            if time.monotonic() + 1.0 > lease_deadline:
                # Out of time under our lease: hand the rest back for the next window.
                retry_at = timezone.now() + timedelta(seconds=1)
                rest = {item.delivery_id: retry_at for item in outgoing[index:]}
                recorder.release(rest, rest, "released")
                return False
            time.sleep(max(0.01, 1.0 - (time.time() % 1.0)))
            continue
        items = outgoing[index : index + granted]
        index += granted
        try:
            if each is not None:
                answered: set[int] = set()
                for outcome in each(items):
                    answered.add(outcome.delivery_id)
                    # Committed at once: a crash now repeats at most the message in flight.
                    recorder.outcomes(by_id, [outcome])
                missing = [item for item in items if item.delivery_id not in answered]
                if missing:
                    raise TransportError("no_outcome", "transport gave no answer")
            else:
                outcomes = transport.send(items)
                answered = {outcome.delivery_id for outcome in outcomes}
                missing_outcomes = [
                    Outcome(item.delivery_id, "temporary", code="no_outcome")
                    for item in items
                    if item.delivery_id not in answered
                ]
                recorder.outcomes(by_id, [*outcomes, *missing_outcomes])
        except Exception as exc:
            if isinstance(exc, TransportError):
                code, detail, retry_after = exc.code, exc.detail, exc.retry_after
            else:
                logger.exception("notify send failed: transport=%s", transport.name)
                code, detail, retry_after = "transport_error", type(exc).__name__, None
            done = answered if each is not None else set()
            failed = [
                (by_id[item.delivery_id], code, detail, retry_after)
                for item in items
                if item.delivery_id not in done
            ]
            recorder.retry(failed, timezone.now())
            rest = {item.delivery_id: timezone.now() for item in outgoing[index:]}
            if rest:
                recorder.release(rest, rest, "released")
            return True
    return False


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
    from . import transports

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
    total: Counter = Counter(claimed=len(claimed))
    down: set[str] = set()
    groups: dict[int, tuple[Transport | None, list[Delivery], list[str]]] = {}
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
    for transport, group, group_channels in groups.values():
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
        outcome = {k: v for k, v in sorted(counts.items()) if v and not k.startswith("code:")}
        duration = time.monotonic() - started
        logger.info(
            "notify batch worker=%s transport=%s channels=%s n=%d %s duration=%.3fs",
            worker,
            transport.name,
            ",".join(group_channels),
            len(group),
            " ".join(f"{k}={v}" for k, v in outcome.items()),
            duration,
            extra={
                "notify_worker": worker,
                "notify_transport": transport.name,
                "notify_channels": group_channels,
                "notify_n": len(group),
                "notify_outcomes": outcome,
                "notify_duration_ms": round(duration * 1000),
            },
        )
    _finish_campaigns(campaigns)
    return total, down


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
