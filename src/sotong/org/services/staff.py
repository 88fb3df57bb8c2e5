"""Public servants: appointment, corrections of their details, 전보·승진, leaving and returning."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sotong.core.audit import audit_record, audited_update

from .. import permissions
from ..models import Department, Organization, Staff, Team
from .common import (
    STAFF_DETAIL_FIELDS,
    STAFF_FIELDS,
    STAFF_PERSONAL_FIELDS,
    _check_fields,
    _require,
    _staff_record,
)

if TYPE_CHECKING:
    from sotong.accounts.models import User


@transaction.atomic
def staff_assign(
    *,
    actor: User,
    user: User,
    organization: Organization,
    name: str,
    position: str,
    department: Department | None = None,
    team: Team | None = None,
    title: str = "",
    grade: int | None = None,
    office_phone: str = "",
) -> Staff:
    """Makes `user` a public servant of `organization` (신규 임용·전입)."""
    _require(permissions.can_manage_organization(actor, organization))
    if Staff.objects.filter(user=user).exists():
        raise ValidationError(
            {"user": _("이 사용자는 이미 직원으로 등록되어 있습니다. 전보 기능을 쓰세요.")}
        )
    staff = Staff(
        user=user,
        organization=organization,
        department=department,
        team=team,
        name=name.strip(),
        position=position,
        title=title,
        grade=grade,
        office_phone=office_phone,
    )
    staff.full_clean()
    staff.save()
    audit_record(
        actor=actor,
        action="org.staff.assign",
        obj=staff,
        organization=organization,
        after={"user": user.pk, **_staff_record(staff)},
    )
    return staff


@transaction.atomic
def staff_update(*, actor: User, staff: Staff, **changes: Any) -> Staff:
    """Corrects a staff member's own details (name, 직명, office phone)."""
    _check_fields(changes, STAFF_DETAIL_FIELDS)
    _require(permissions.can_manage_staff(actor, staff))
    row = Staff.objects.select_for_update().get(pk=staff.pk)
    audited_update(
        row,
        actor=actor,
        action="org.staff.update",
        changes=changes,
        fields=STAFF_DETAIL_FIELDS,
        redact=STAFF_PERSONAL_FIELDS,
    )
    return row


_KEEP: Any = object()


@transaction.atomic
def staff_move(
    *,
    actor: User,
    staff: Staff,
    department: Department | None,
    team: Team | None = None,
    organization: Organization | None = None,
    position: str | None = None,
    grade: int | None = _KEEP,
    title: str | None = None,
    reason: str = "",
) -> Staff:
    """전보·승진: a new department (and team), and optionally a new position, grade or title.
    Moving to another organisation needs the right to manage both."""
    _require(permissions.can_manage_staff(actor, staff))
    target_org = organization or (department.organization if department else staff.organization)
    _require(permissions.can_manage_organization(actor, target_org))
    row = Staff.objects.select_for_update().get(pk=staff.pk)
    changes: dict[str, Any] = {"organization": target_org, "department": department, "team": team}
    if position is not None:
        changes["position"] = position
    if grade is not _KEEP:
        changes["grade"] = grade
    if title is not None:
        changes["title"] = title
    # The event belongs to the organisation the person is in after the move (`audit_record`
    # takes it from `row.organization_id`).
    audited_update(
        row,
        actor=actor,
        action="org.staff.move",
        changes=changes,
        fields=STAFF_FIELDS,
        redact=STAFF_PERSONAL_FIELDS,
        reason=reason,
    )
    return row


@transaction.atomic
def staff_deactivate(*, actor: User, staff: Staff, reason: str = "") -> Staff:
    """퇴직·전출: the row stays (their past decisions keep a name), but they hold no post."""
    _require(permissions.can_manage_staff(actor, staff))
    row = Staff.objects.select_for_update().get(pk=staff.pk)
    if not row.active:
        return row
    row.active = False
    row.save(update_fields=["active"])
    audit_record(
        actor=actor,
        action="org.staff.deactivate",
        obj=row,
        organization=row.organization,
        before={"active": True},
        after={"active": False},
        reason=reason,
    )
    return row


@transaction.atomic
def staff_reactivate(*, actor: User, staff: Staff, reason: str = "") -> Staff:
    _require(permissions.can_manage_staff(actor, staff))
    row = Staff.objects.select_for_update().get(pk=staff.pk)
    if row.active:
        return row
    if row.department_id and not row.department.active:
        raise ValidationError(
            {"department": _("폐지된 부서입니다. 운영 중인 부서로 먼저 전보하세요.")}
        )
    row.active = True
    row.full_clean()
    row.save(update_fields=["active"])
    audit_record(
        actor=actor,
        action="org.staff.reactivate",
        obj=row,
        organization=row.organization,
        before={"active": False},
        after={"active": True},
        reason=reason,
    )
    return row
