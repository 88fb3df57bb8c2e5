"""Handling: the handler takes the petition (`petition_accept`), extends its deadline once
(`petition_extend`) and decides whether its place is shown exactly (`petition_place_publish`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import deadlines, permissions
from ..models import (
    Petition,
    Stage,
    Status,
)
from . import _common
from ._common import (
    _audit,
    _event,
    _lock,
    _petitioner,
    _reason,
    _require,
    _require_status,
    _staff,
    _state,
)

if TYPE_CHECKING:
    from sotong.accounts.models import User


# --- handling ---------------------------------------------------------------------------------


@transaction.atomic
def petition_accept(*, actor: User, petition: Petition) -> Petition:
    """The handler takes the petition: in_progress, with `actor` as handler."""
    petition = _lock(petition)
    _require(permissions.can_work(actor, petition))
    _require_status(petition, (Status.ASSIGNED,), _("배정된 민원만 처리를 시작할 수 있습니다."))
    staff = _staff(actor, petition)
    before = _state(petition)
    petition.handler = staff
    petition.status = Status.IN_PROGRESS
    petition.save(update_fields=["handler", "status", "updated_at"])
    _event(petition, Stage.ACCEPTED, actor)
    _audit(actor, "petitions.petition.accept", petition, before=before, after=_state(petition))
    return petition


@transaction.atomic
def petition_extend(*, actor: User, petition: Petition, reason: str) -> Petition:
    """The one extension: the same period again from the old deadline, with a reason shown on
    the timeline and a notice to the petitioner."""
    petition = _lock(petition)
    _require(permissions.can_work(actor, petition))
    _require_status(
        petition,
        (Status.ASSIGNED, Status.IN_PROGRESS, Status.APPROVAL),
        _("처리 중인 민원만 처리 기한을 연장할 수 있습니다."),
    )
    if petition.extended_at is not None:
        raise ValidationError({"reason": _("처리 기한은 한 번만 연장할 수 있습니다.")})
    clean_reason = _reason(reason)
    before = _state(petition)
    petition.due_at = deadlines.extended_due(
        petition.due_at,
        petition.period or deadlines.period_text_for(petition.organization_id, petition.kind),
        closed=deadlines.closed_days(petition.organization_id),
    )
    petition.extended_at = _common._now()
    petition.extension_reason = clean_reason
    petition.save(update_fields=["due_at", "extended_at", "extension_reason", "updated_at"])
    _event(petition, Stage.EXTENDED, actor, note=clean_reason)
    _common._notify("petitions.extended", _petitioner(petition), petition, "extended")
    _audit(
        actor,
        "petitions.petition.extend",
        petition,
        before=before,
        after=_state(petition),
        reason=clean_reason,
    )
    return petition


# --- the place ------------------------------------------------------------------------------


@transaction.atomic
def petition_place_publish(*, actor: User, petition: Petition, public: bool) -> Petition:
    """Whether public surfaces show the exact place (`public`: a street light, a road) or only
    the street and a point rounded to about 100 m (the default, and the rule for homes). Staff
    who may work on the petition, or intake staff."""
    petition = _lock(petition)
    _require(
        permissions.can_publish_place(actor, petition),
        _("이 민원의 위치 공개를 정할 권한이 없습니다."),
    )
    public = bool(public)
    if petition.place_public == public:
        return petition
    before = {**_state(petition), "place_public": petition.place_public}
    petition.place_public = public
    petition.save(update_fields=["place_public", "updated_at"])
    _audit(
        actor,
        "petitions.petition.place_publish",
        petition,
        before=before,
        after={**_state(petition), "place_public": public},
    )
    return petition
