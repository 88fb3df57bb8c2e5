"""Routing: sending a petition to a department (`petition_assign`), to another one
(`petition_reassign`) or to another organisation (`petition_transfer`, 이송)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sotong.core.privacy.public import public_text
from sotong.org.models import Department, Organization, Staff

from .. import permissions
from ..models import (
    Answer,
    Board,
    Category,
    Petition,
    Stage,
    Status,
)
from . import _common
from ._common import (
    MAX_NOTE,
    _audit,
    _event,
    _lock,
    _notify_staff,
    _petitioner,
    _reason,
    _require,
    _require_status,
    _safe_text,
    _state,
)
from .intake import _create

if TYPE_CHECKING:
    from sotong.accounts.models import User


# --- routing -----------------------------------------------------------------------------------


def _check_target(petition: Petition, department: Department, handler: Staff | None) -> None:
    if department.organization_id != petition.organization_id or not department.active:
        raise ValidationError({"department": _("이 기관의 운영 중인 부서를 고르세요.")})
    if handler is not None and (not handler.active or handler.department_id != department.pk):
        raise ValidationError({"handler": _("담당자는 그 부서의 재직 중인 직원이어야 합니다.")})


@transaction.atomic
def petition_assign(
    *,
    actor: User,
    petition: Petition,
    department: Department,
    handler: Staff | None = None,
    note: str = "",
    category: Category | None = None,
) -> Petition:
    """Intake staff send a received petition to a department (and, optionally, a handler),
    setting its category when they choose one (e.g. the suggester's)."""
    petition = _lock(petition)
    _require(permissions.can_assign(actor, petition), _("민원을 배정할 권한이 없습니다."))
    _require_status(
        petition, (Status.RECEIVED,), _("접수 상태의 민원만 배정할 수 있습니다. 재배정하세요.")
    )
    _check_target(petition, department, handler)
    if category is not None and category.organization_id != petition.organization_id:
        raise ValidationError({"category": _("이 기관의 민원 분야를 고르세요.")})
    before = _state(petition)
    petition.department = department
    petition.handler = handler
    petition.status = Status.ASSIGNED
    fields = ["department", "handler", "status", "updated_at"]
    if category is not None:
        petition.category = category
        fields.append("category")
    petition.save(update_fields=fields)
    # The memo is labelled "직원에게만 보임" on the form: a staff note, never the public one.
    _event(petition, Stage.ASSIGNED, actor, internal_note=_safe_text(note)[:MAX_NOTE])
    _notify_staff("petitions.assigned", petition, f"assigned:{petition.events.count()}")
    _audit(actor, "petitions.petition.assign", petition, before=before, after=_state(petition))
    return petition


@transaction.atomic
def petition_reassign(
    *,
    actor: User,
    petition: Petition,
    department: Department,
    handler: Staff | None = None,
    reason: str,
) -> Petition:
    """Send an assigned or in-progress petition to another department (or handler), with a
    reason shown on the timeline. Intake staff, or the head of its current department."""
    petition = _lock(petition)
    _require(permissions.can_reassign(actor, petition), _("민원을 재배정할 권한이 없습니다."))
    _require_status(
        petition,
        (Status.ASSIGNED, Status.IN_PROGRESS),
        _("배정되었거나 처리 중인 민원만 재배정할 수 있습니다."),
    )
    clean_reason = _reason(reason)
    _check_target(petition, department, handler)
    if department.pk == petition.department_id and (
        handler is None or handler.pk == petition.handler_id
    ):
        raise ValidationError({"department": _("지금과 다른 부서나 담당자를 고르세요.")})
    before = _state(petition)
    petition.department = department
    petition.handler = handler
    petition.status = Status.ASSIGNED
    petition.save(update_fields=["department", "handler", "status", "updated_at"])
    # A draft written by the old department is not the new one's answer.
    Answer.objects.filter(petition=petition).exclude(state=Answer.State.APPROVED).delete()
    _event(petition, Stage.REASSIGNED, actor, note=clean_reason)
    _notify_staff("petitions.assigned", petition, f"assigned:{petition.events.count()}")
    _audit(
        actor,
        "petitions.petition.reassign",
        petition,
        before=before,
        after=_state(petition),
        reason=clean_reason,
    )
    return petition


def _receiving_board(organization: Organization, kind: str) -> Board | None:
    for board in Board.objects.filter(organization=organization, active=True).order_by(
        "order", "pk"
    ):
        if not board.kinds or kind in board.kinds:
            return board
    return None


def _receive_transferred(petition: Petition, to_organization: Organization) -> Petition | None:
    """The new petition received at `to_organization` on the board for the petition's kind
    (None when it has none): the same text, place and petitioner, its period from now."""
    board = _receiving_board(to_organization, petition.kind)
    if board is None:
        return None
    data = {
        "title": petition.title,
        "body": petition.body,
        "is_public": petition.is_public if board.allow_private else True,
        "address": petition.address,
        "latitude": petition.latitude,
        "longitude": petition.longitude,
        "petitioner_name": petition.petitioner_name,
        "contact_email": petition.contact_email,
        "contact_phone": petition.contact_phone,
    }
    received = _create(
        actor=None,
        board=board,
        kind=petition.kind,
        data=data,
        category=None,
        channel=petition.channel,
        user=petition.user,
        entered_by=None,
        received_at=_common._now(),
        idempotency_key=None,
        receipt_note=_("%(org)s에서 이송된 민원") % {"org": petition.organization.name},
    )
    received.transferred_from = petition
    received.save(update_fields=["transferred_from"])
    if received.department_id is not None:
        _notify_staff("petitions.assigned", received, "assigned:0")
    return received


@transaction.atomic
def petition_transfer(
    *, actor: User, petition: Petition, to_organization: Organization, reason: str
) -> Petition:
    """이송: the petition belongs to another organisation. Terminal here (it leaves our counts);
    when the receiving organisation has a board for its kind, a new petition is received there,
    its period running from that receipt (민원처리법 제16조)."""
    petition = _lock(petition)
    _require(permissions.can_transfer(actor, petition), _("민원을 이송할 권한이 없습니다."))
    _require_status(
        petition,
        (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS),
        _("처리가 끝나지 않은 민원만 이송할 수 있습니다."),
    )
    clean_reason = _reason(reason)
    if to_organization.pk == petition.organization_id:
        raise ValidationError(
            {"to_organization": _("같은 기관 안에서는 이송하지 않고 재배정합니다.")}
        )
    before = _state(petition)
    petition.status = Status.TRANSFERRED
    petition.transferred_to = to_organization
    petition.save(update_fields=["status", "transferred_to", "updated_at"])
    _event(
        petition,
        Stage.TRANSFERRED,
        actor,
        note=_("%(org)s(으)로 이송: %(reason)s")
        % {"org": to_organization.name, "reason": clean_reason},
    )
    Answer.objects.filter(petition=petition).exclude(state=Answer.State.APPROVED).delete()
    received = _receive_transferred(petition, to_organization)
    _common._notify(
        "petitions.transferred",
        _petitioner(petition),
        petition,
        "transferred",
        to_organization=to_organization.name,
        reason=public_text(clean_reason)[:200],  # as on the public timeline
    )
    _audit(
        actor,
        "petitions.petition.transfer",
        petition,
        before=before,
        after={
            **_state(petition),
            "transferred_to": to_organization.pk,
            "received_as": received.pk if received else None,
        },
        reason=clean_reason,
    )
    return petition
