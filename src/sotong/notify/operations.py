"""Operator controls of notify: the delivery pause and the lookup-hash probe.

**Pause.** `delivery_pause` holds every delivery of the install: the pipeline claims nothing
(`pipeline.deliver_due` stops with "paused"), the scheduler starts no campaign and wakes no
worker; queued messages wait, nothing is lost. A restored copy of the database starts paused
(scripts/restore.sh), so that workers started on it never send a real resident the copy's
scheduled messages. `manage.py notify_delivery pause|resume|status`; both changes are audited,
and the staff pages say when delivery is paused.

**Probe.** `lookup_probe` gives the key check of core/privacy (`checks.py`) a few stored
subscriber hashes with the hashes the current SOTONG_FIELD_LOOKUP_KEY makes of the same
addresses, so that a process holding the wrong key refuses to start."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from sotong.accounts.types import Actor
from sotong.core.audit import audit_record

from .addresses import email_hash, phone_hash
from .models import DeliveryControl, Subscriber

PROBE_ROWS = 3


def delivery_state() -> DeliveryControl | None:
    """The switch when delivery is paused, else None."""
    return DeliveryControl.objects.filter(pk=1, paused=True).first()


def delivery_paused() -> bool:
    return DeliveryControl.objects.filter(pk=1, paused=True).exists()


def _require_operator(actor: Actor) -> None:
    # Operators act from the command line (actor None); on the web only a superuser may.
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("only an operator may pause or resume delivery")


@transaction.atomic
def _switch(*, actor: Actor, paused: bool, reason: str) -> DeliveryControl:
    _require_operator(actor)
    row, _ = DeliveryControl.objects.select_for_update().get_or_create(pk=1)
    before = {"paused": row.paused, "reason": row.reason}
    row.paused = paused
    row.reason = reason[:200]
    row.changed_at = timezone.now()
    row.save()
    audit_record(
        actor=actor,
        action="notify.delivery.pause" if paused else "notify.delivery.resume",
        obj=row,
        before=before,
        after={"paused": row.paused, "reason": row.reason},
        reason=row.reason,
    )
    return row


def delivery_pause(*, actor: Actor, reason: str) -> DeliveryControl:
    """Hold every delivery until `delivery_resume`. Idempotent (a second pause is recorded too,
    with its reason)."""
    return _switch(actor=actor, paused=True, reason=reason)


def delivery_resume(*, actor: Actor, reason: str = "") -> DeliveryControl:
    """Let deliveries go again; workers are woken for what waited."""
    row = _switch(actor=actor, paused=False, reason=reason)
    from .pipeline import wake_workers

    wake_workers(urgent=True)
    wake_workers()
    return row


def lookup_probe() -> list[tuple[str, str]]:
    """(stored, recomputed) lookup hashes of the newest few subscribers with an address.
    Raises crypto.DecryptionError when the addresses cannot be decrypted."""
    pairs: list[tuple[str, str]] = []
    rows = Subscriber.objects.order_by("-pk")
    for row in (
        rows.exclude(phone_hash=None)
        .exclude(phone_hash="")
        .only("phone", "phone_hash")[:PROBE_ROWS]
    ):
        if row.phone:
            pairs.append((row.phone_hash, phone_hash(row.phone)))
    for row in (
        rows.exclude(email_hash=None)
        .exclude(email_hash="")
        .only("email", "email_hash")[:PROBE_ROWS]
    ):
        if row.email:
            pairs.append((row.email_hash, email_hash(row.email)))
    return pairs
