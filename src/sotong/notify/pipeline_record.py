"""Recording what happened to claimed deliveries: outcomes into row updates (sent, delivered,
failed, retried with backoff, released), each conditional on our claim."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import Delivery
from .transports.base import Outcome

Status = Delivery.Status

# Backoff of temporary failures: 30 s, 2 min, 8 min, 32 min, then 2 h.
BACKOFF_BASE_SECONDS = 30
BACKOFF_FACTOR = 4
BACKOFF_MAX_SECONDS = 2 * 60 * 60


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


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Wait before the next try after `attempts` tries: 30 s × 4^(attempts-1), at most 2 h, and
    never less than what the provider asked for."""
    delay = min(BACKOFF_BASE_SECONDS * BACKOFF_FACTOR ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    if retry_after:
        delay = max(delay, min(float(retry_after), BACKOFF_MAX_SECONDS))
    return float(delay)


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
