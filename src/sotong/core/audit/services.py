"""Writing audit events. `audit_record` is the only way an event is created; `audited_update` is
the usual edit of a row around it (snapshot, change, diff, save, record)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone, translation

from sotong.core.types import Actor

from .canonical import canonical, clean_text, diff, snapshot
from .models import AuditChainHead, AuditEvent

ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
REQUEST_ID_RE = re.compile(r"[^A-Za-z0-9._:-]")
SYSTEM_LABEL = "시스템"
ANONYMOUS_LABEL = "비로그인 사용자"

M = TypeVar("M", bound=models.Model)


@transaction.atomic
def audit_record(
    *,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    organization: models.Model | None = None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction (so it is committed or rolled
    back with the change it records). `actor` is a user, an anonymous user or None for the system.
    `before`/`after` must not hold personal data: use `diff(..., redact=...)`. When `organization`
    is not given it is taken from `obj` (an organisation, or an object with `organization_id`)."""
    if not ACTION_RE.match(action):
        raise ValueError(f"audit action must be dotted lower-case words, not {action!r}")
    if obj is not None and obj.pk is None:
        raise ValueError("audit_record needs a saved object")

    event = AuditEvent(
        actor_id=_actor_id(actor),
        actor_label=_actor_label(actor),
        action=action,
        organization_id=_organization_id(organization, obj),
        before=canonical(before),
        after=canonical(after),
        reason=clean_text(reason),
        request_id=_request_id(request),
        ip_address=_ip_address(request),
    )
    if obj is not None:
        event.object_type = obj._meta.concrete_model._meta.label_lower
        event.object_id = clean_text(str(obj.pk))[:64]
        event.object_repr = object_label(obj)

    head = _lock_head()
    # Taken after the lock, so times follow the order of the chain.
    event.created_at = timezone.now()
    event.seq = head.seq + 1
    event.prev_hash = head.hash
    event.hash = event.compute_hash()
    event.save()
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
    return event


def changes_apply(obj: models.Model, changes: Mapping[str, Any]) -> list[str]:
    """Sets the values of `changes` on `obj` and returns the names of the fields whose value really
    changed (in the order given). A foreign key is compared by primary key, so passing the object
    it already points at is no change and loads nothing."""
    changed = []
    for name, value in changes.items():
        field = obj._meta.get_field(name)
        is_fk = isinstance(field, models.ForeignKey)
        current = getattr(obj, field.attname if is_fk else name)
        new = value.pk if is_fk and value is not None else value
        if current != new:
            setattr(obj, name, value)
            changed.append(name)
    return changed


@transaction.atomic
def audited_update(
    obj: M,
    *,
    actor: Actor,
    action: str,
    changes: Mapping[str, Any],
    fields: Sequence[str],
    organization: models.Model | None = None,
    reason: str = "",
    redact: Iterable[str] = (),
    request: HttpRequest | None = None,
    check: Callable[[list[str]], None] | None = None,
) -> dict[str, Any]:
    """Changes the saved `obj` and records it: snapshots `fields`, sets `changes`, runs `check`
    with the names that changed (a permission that depends on what changes: it raises to refuse),
    `full_clean()`s, saves only the changed fields (and an `auto_now` stamp) and records `action`
    with the `diff` of `fields` (`redact` as in `diff`). Returns the fields that changed with their new values; when
    nothing changed, nothing is validated, saved or recorded and the result is empty."""
    before = snapshot(obj, fields)
    changed = changes_apply(obj, changes)
    if check is not None:
        check(changed)
    if not changed:
        return {}
    obj.full_clean()
    # A "last changed" stamp (auto_now) is saved with the change, as a full save() would.
    stamps = [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]
    obj.save(update_fields=[*changed, *(name for name in stamps if name not in changed)])
    old, new = diff(before, snapshot(obj, fields), redact=redact)
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        organization=organization,
        before=old,
        after=new,
        reason=reason,
        request=request,
    )
    return {name: changes[name] for name in changed}


def object_label(obj: models.Model) -> str:
    """A short name for the object that holds no personal data: the object's own `audit_label()`
    when it has one, else its kind and number ("민원 #12"). Never `str(obj)`, which may show a
    person's name."""
    custom = getattr(obj, "audit_label", None)
    # In the site's language whatever the request's, so one object keeps one label in the log.
    with translation.override(settings.LANGUAGE_CODE):
        label = str(custom()) if callable(custom) else f"{obj._meta.verbose_name} #{obj.pk}"
    return clean_text(label)[:200]


def _lock_head() -> AuditChainHead:
    """Lock the chain head for the rest of the transaction. On PostgreSQL the row lock makes a
    second writer wait until the first commits and then read the new head; SQLite's IMMEDIATE
    transactions already let only one writer in at a time. The head is rebuilt from the newest
    event when missing (a flushed test database)."""
    locked = AuditChainHead.objects.select_for_update()
    head = locked.filter(pk=1).first()
    if head is None:
        newest = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, digest = newest or (0, "")
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(pk=1, seq=seq, hash=digest)], ignore_conflicts=True
        )
        head = locked.get(pk=1)
    return head


def _actor_id(actor: Actor) -> int | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor.pk


def _actor_label(actor: Actor) -> str:
    """Staff are named (their actions are official acts); other users only by number, so the
    record keeps no resident's name once the account is gone."""
    if actor is None:
        return SYSTEM_LABEL
    if not getattr(actor, "is_authenticated", False):
        return ANONYMOUS_LABEL
    try:
        staff = actor.staff
    except (AttributeError, ObjectDoesNotExist):
        return f"사용자 #{actor.pk}"
    return clean_text(f"{staff.name} (#{actor.pk})")[:100]


def _organization_id(organization, obj) -> int | None:
    if organization is not None:
        return organization.pk
    if obj is None:
        return None
    if obj._meta.label_lower == "org.organization":
        return obj.pk
    return getattr(obj, "organization_id", None)


def _request_id(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    raw = getattr(request, "request_id", None) or request.headers.get("X-Request-ID", "")
    return REQUEST_ID_RE.sub("", str(raw))[:64]


def _ip_address(request: HttpRequest | None) -> str:
    """REMOTE_ADDR only: behind a proxy, the deployment sets it from the trusted proxy header."""
    if request is None:
        return ""
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)
