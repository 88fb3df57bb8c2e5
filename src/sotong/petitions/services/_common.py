"""Shared private helpers of the petition services: cleaning text, locking, permission and
status checks, the timeline, the audit record and the notices. `_now`, `_notify` and
`_enqueue_duplicates` are looked up here by every use case (`_common._now()` …), so the demo
loader can swap them in one place while it writes history."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sotong.accounts.types import Actor
from sotong.core.audit import audit_record
from sotong.core.privacy import find_personal_data, mask_value
from sotong.core.privacy.public import public_text
from sotong.core.text import clean_text
from sotong.notify.services import notification_send
from sotong.notify.transactional import Address
from sotong.org.models import Department, Staff

from .. import permissions
from ..models import (
    Petition,
    PetitionEvent,
    Status,
)

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)


MAX_BODY = 20_000
MAX_TITLE = 200
MAX_NOTE = 2_000
# Korea's bounding box (마라도 33.1°N … 온성 43°N is beyond our reach; the model's validators
# say 33–39°N, 124–132°E, which covers the Republic's land, 독도 at 131.87°E included).
LAT_RANGE = (Decimal("33"), Decimal("39"))
LON_RANGE = (Decimal("124"), Decimal("132"))
# Resident and foreigner registration numbers are never stored: masked before saving.
RRN_KINDS = ("rrn", "frn")

SUBMIT_STATUSES = (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS)


# --- helpers -----------------------------------------------------------------------------------


def _now() -> datetime:
    return timezone.now()


def _without_rrn(text: str) -> tuple[str, bool]:
    """`text` with resident/foreigner registration numbers masked; and whether one was found."""
    findings = find_personal_data(text, kinds=RRN_KINDS)
    if not findings:
        return text, False
    parts, position = [], 0
    for finding in findings:
        parts.append(text[position : finding.start])
        parts.append(mask_value(finding.kind, finding.text))
        position = finding.end
    parts.append(text[position:])
    return "".join(parts), True


def _safe_text(value: Any) -> str:
    """Free text (reasons, comments) as stored: cleaned, never holding an RRN."""
    return _without_rrn(clean_text(value))[0]


def _body(value: Any, field: str, *, label: str = "") -> str:
    text = clean_text(value)
    if not text:
        raise ValidationError({field: _("내용을 입력하세요.")})
    if len(text) > MAX_BODY:
        raise ValidationError(
            {field: _("내용은 %(max)s자 이내로 입력하세요.") % {"max": f"{MAX_BODY:,}"}}
        )
    return text


def _reason(value: Any, field: str = "reason") -> str:
    text = _safe_text(value)
    if not text:
        raise ValidationError({field: _("사유를 입력하세요.")})
    if len(text) > MAX_NOTE:
        raise ValidationError({field: _("사유는 %(max)s자 이내로 입력하세요.") % {"max": MAX_NOTE}})
    return text


def _lock(petition: Petition | int) -> Petition:
    pk = petition if isinstance(petition, int) else petition.pk
    try:
        return Petition.objects.select_for_update().get(pk=pk)
    except Petition.DoesNotExist as exc:
        raise ValidationError(_("민원을 찾을 수 없습니다.")) from exc


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("이 민원을 처리할 권한이 없습니다."))


def _require_status(petition: Petition, allowed: Iterable[str], message: str) -> None:
    if petition.status not in set(allowed):
        raise ValidationError({"status": message})


def _staff(actor: Actor, petition: Petition) -> Staff:
    staff = permissions.staff_of(actor, petition.organization_id)
    if staff is None:
        raise ValidationError(_("이 기관의 직원만 할 수 있는 일입니다."))
    return staff


def _event(
    petition: Petition,
    stage: str,
    actor: Actor,
    *,
    note: str = "",
    internal_note: str = "",
    at: datetime | None = None,
    department: Department | int | None = None,
) -> PetitionEvent:
    dept_id = department if isinstance(department, int) or department is None else department.pk
    return PetitionEvent.objects.create(
        petition=petition,
        stage=stage,
        at=at or _now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        department_id=dept_id if dept_id is not None else petition.department_id,
        note=note,
        internal_note=internal_note,
    )


def _state(petition: Petition) -> dict[str, Any]:
    """What the audit trail keeps of a petition: ids and states, never text or contact data."""
    return {
        "status": petition.status,
        "board": petition.board_id,
        "kind": petition.kind,
        "category": petition.category_id,
        "department": petition.department_id,
        "handler": petition.handler_id,
        "is_public": petition.is_public,
        "due_at": petition.due_at,
    }


def _audit(
    actor: Actor,
    action: str,
    petition: Petition,
    *,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> None:
    audit_record(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        obj=petition,
        organization=petition.organization,
        before=before,
        after=after,
        reason=reason,
    )


def _link(petition: Petition, *, staff: bool) -> str:
    """Absolute link for a message: the staff case page, the public page for an account
    holder, the token page (no login) for a petitioner without an account."""
    if staff:
        name, kwargs = "petitions:staff_case", {"pk": petition.pk}
    elif petition.user_id is None:
        name, kwargs = "petitions:token", {"token": petition.token}
    else:
        name, kwargs = "petitions:detail", {"pk": petition.pk}
    try:
        path = reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""
    return f"{getattr(settings, 'SITE_URL', '')}{path}"


def _local(dt: datetime | None) -> str:
    if dt is None:
        return ""
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def _context(petition: Petition, *, staff: bool = False, **extra: Any) -> dict[str, Any]:
    """What a message may say: the petition's number, title (masked) and dates, never anyone's
    personal data nor the text of the petition."""
    context = {
        "organization": petition.organization.name,
        "number": petition.pk,
        "title": public_text(petition.title)[:60],
        "due": _local(petition.due_at),
        "url": _link(petition, staff=staff),
    }
    context.update(extra)
    return context


def _petitioner(petition: Petition) -> Any:
    """Where to tell the petitioner: their account, or the confirmed e-mail/phone."""
    if petition.personal_data_destroyed_at is not None:
        return None
    if petition.user_id is not None and petition.user.is_active:
        return petition.user
    if petition.contact_email or petition.contact_phone:
        return Address(email=petition.contact_email, phone=petition.contact_phone)
    return None


def _notify(
    event: str, recipient: Any, petition: Petition, key: str, *, staff: bool = False, **extra: Any
) -> None:
    if recipient is None:
        return
    notification_send(
        event=event,
        recipient=recipient,
        context=_context(petition, staff=staff, **extra),
        organization=petition.organization,
        ref=f"petitions.Petition:{petition.pk}",
        idempotency_key=f"petitions:{petition.pk}:{key}"[:200],
    )


def _staff_users(petition: Petition) -> list[Any]:
    """Who hears of a petition's stage as staff: the handler, or else the department's staff."""
    if petition.handler_id is not None:
        handler = petition.handler
        return [handler.user] if handler.active and handler.user.is_active else []
    if petition.department_id is None:
        return []
    staff = (
        Staff.objects.filter(
            department_id=petition.department_id, active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")[:50]
    )
    return [member.user for member in staff]


def _notify_staff(event: str, petition: Petition, key: str, **extra: Any) -> None:
    for user in _staff_users(petition):
        _notify(event, user, petition, f"{key}:u{user.pk}", staff=True, **extra)


def _enqueue_duplicates(petition: Petition) -> None:
    from sotong.core.tasks import enqueue_on_commit

    from ..tasks_routing import detect_duplicates

    try:
        enqueue_on_commit(detect_duplicates, petition.pk)
    except Exception:  # duplicate proposals are a help, never a reason to refuse a petition
        logger.exception("duplicate detection could not be queued")
