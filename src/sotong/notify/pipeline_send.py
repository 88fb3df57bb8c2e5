"""Processing the claimed rows of one transport: reconcile the reclaimed ones, hold back what may
not go now, build the messages and send them within the rate limit."""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import datetime, timedelta

from django.utils import timezone

from . import timing
from .models import Campaign, Channel, Delivery
from .pipeline_rate import rate_take
from .pipeline_record import SKIP_CODES, Status, _Recorder
from .transports.base import Outcome, Outgoing, Transport, TransportError

# The name the pipeline logged under as one module (log configuration and filters use it).
logger = logging.getLogger("sotong.notify.pipeline")


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
    recorder = _Recorder(worker, transport.name, transport.reconcilable)
    by_id = {row.pk: row for row in rows}
    now = timezone.now()
    pending = _drop_cancelled(recorder, rows)
    pending = _reconcile(transport, recorder, by_id, pending, reclaimed, now)
    pending = _drop_poison(recorder, pending, reclaimed)
    pending = _defer(recorder, pending, now)
    outgoing = _build(recorder, pending, now)
    down = _send(transport, recorder, by_id, outgoing, lease_deadline)
    return recorder.counts, down


def _drop_cancelled(recorder: _Recorder, rows: list[Delivery]) -> list[Delivery]:
    """Cancelled with their campaign after planning: nothing to send."""
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
    return [row for row in rows if row.pk not in gone]


def _reconcile(
    transport: Transport,
    recorder: _Recorder,
    by_id: dict[int, Delivery],
    pending: list[Delivery],
    reclaimed: set[int],
    now: datetime,
) -> list[Delivery]:
    """Reclaimed rows first: what the provider already holds is recorded, not sent again."""
    again = [row for row in pending if row.pk in reclaimed]
    if not (again and transport.reconcilable):
        return pending
    items = [_reconcile_item(row, now) for row in again]
    try:
        found = transport.reconcile(items)
    except Exception as exc:
        code = exc.code if isinstance(exc, TransportError) else "reconcile_error"
        if not isinstance(exc, TransportError):
            logger.exception("notify reconcile failed: transport=%s", transport.name)
        # Cannot know whether they went: leave them for a later reconcile, never resend.
        recorder.retry([(row, code, "reconcile", None) for row in again], now)
        return [row for row in pending if row.pk not in reclaimed]
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
    return [row for row in pending if row.pk not in known]


def _drop_poison(
    recorder: _Recorder, pending: list[Delivery], reclaimed: set[int]
) -> list[Delivery]:
    """A row that keeps killing its workers must not loop forever."""
    poison = [
        row for row in pending if row.pk in reclaimed and row.attempts > recorder.max_attempts
    ]
    if not poison:
        return pending
    recorder.fail(
        [row.pk for row in poison],
        {row.pk: "retries_exhausted" for row in poison},
        {row.pk: "lease expired" for row in poison},
    )
    return [row for row in pending if row not in poison]


def _defer(recorder: _Recorder, pending: list[Delivery], now: datetime) -> list[Delivery]:
    """Timing: quiet hours and the night rule hold a row back without costing an attempt."""
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
    if not later:
        return pending
    recorder.release(later, later, "deferred")
    return [row for row in pending if row.pk not in later]


def _final_status(code: str) -> str:
    if code == "cancelled":
        return Status.CANCELLED
    return Status.SKIPPED if code in SKIP_CODES else Status.FAILED


def _build(recorder: _Recorder, pending: list[Delivery], now: datetime) -> list[Outgoing]:
    """Build. Unsendable is final; any other error is a bug worth retrying after a fix."""
    messages = _messages()
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
    for status in (Status.SKIPPED, Status.FAILED, Status.CANCELLED):
        ids = [pk for pk, (code, _) in unsendable.items() if _final_status(code) == status]
        if ids:
            recorder.fail(
                ids,
                {pk: unsendable[pk][0] for pk in ids},
                {pk: unsendable[pk][1] for pk in ids},
                status=status,
            )
    if broken:
        recorder.retry(broken, now)
    return outgoing


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
