"""Departments (국·과) and their teams: creating, correcting, closing and reopening them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sotong.core.audit import audit_record, audited_update, snapshot

from .. import permissions
from ..models import Department, Organization, Team
from .common import DEPARTMENT_FIELDS, TEAM_FIELDS, _check_fields, _require

if TYPE_CHECKING:
    from sotong.accounts.models import User


@transaction.atomic
def department_create(
    *,
    actor: User,
    organization: Organization,
    name: str,
    kind: str = Department.Kind.DIVISION,
    parent: Department | None = None,
    duties: str = "",
    phone: str = "",
    order: int = 100,
    name_en: str = "",
) -> Department:
    _require(permissions.can_manage_organization(actor, organization))
    department = Department(
        organization=organization,
        name=name.strip(),
        kind=kind,
        parent=parent,
        duties=duties,
        phone=phone,
        order=order,
        name_en=name_en,
    )
    department.full_clean()
    department.save()
    audit_record(
        actor=actor,
        action="org.department.create",
        obj=department,
        organization=organization,
        after=snapshot(department, DEPARTMENT_FIELDS),
    )
    return department


@transaction.atomic
def department_update(
    *, actor: User, department: Department, reason: str = "", **changes: Any
) -> Department:
    _check_fields(changes, DEPARTMENT_FIELDS)
    _require(permissions.can_manage_department(actor, department))
    dept = Department.objects.select_for_update().get(pk=department.pk)
    audited_update(
        dept,
        actor=actor,
        action="org.department.update",
        changes=changes,
        fields=DEPARTMENT_FIELDS,
        reason=reason,
    )
    return dept


def department_deactivation_problems(department: Department) -> list[str]:
    """Why `department` cannot be closed now (empty when it can). Its people and sub-departments
    must have moved first, so that no petition or task is left with an owner that is gone."""
    problems = []
    if department.staff.filter(active=True).exists():
        problems.append(
            _("재직 중인 직원이 있는 부서는 폐지할 수 없습니다. 직원을 먼저 다른 부서로 옮기세요.")
        )
    if department.children.filter(active=True).exists():
        problems.append(
            _("운영 중인 하위 부서가 있는 국은 폐지할 수 없습니다. 하위 부서를 먼저 정리하세요.")
        )
    return problems


@transaction.atomic
def department_deactivate(*, actor: User, department: Department, reason: str = "") -> Department:
    _require(permissions.can_manage_department(actor, department))
    dept = Department.objects.select_for_update().get(pk=department.pk)
    if not dept.active:
        return dept
    problems = department_deactivation_problems(dept)
    if problems:
        raise ValidationError(problems)
    dept.active = False
    dept.save(update_fields=["active"])
    audit_record(
        actor=actor,
        action="org.department.deactivate",
        obj=dept,
        organization=dept.organization,
        before={"active": True},
        after={"active": False},
        reason=reason,
    )
    return dept


@transaction.atomic
def department_reactivate(*, actor: User, department: Department, reason: str = "") -> Department:
    _require(permissions.can_manage_department(actor, department))
    dept = Department.objects.select_for_update().get(pk=department.pk)
    if dept.active:
        return dept
    if dept.parent_id and not dept.parent.active:
        raise ValidationError(_("상위 국이 폐지되어 있습니다. 상위 국을 먼저 다시 운영하세요."))
    dept.active = True
    dept.save(update_fields=["active"])
    audit_record(
        actor=actor,
        action="org.department.reactivate",
        obj=dept,
        organization=dept.organization,
        before={"active": False},
        after={"active": True},
        reason=reason,
    )
    return dept


@transaction.atomic
def team_create(
    *, actor: User, department: Department, name: str, duties: str = "", order: int = 100
) -> Team:
    _require(permissions.can_manage_department(actor, department))
    team = Team(department=department, name=name.strip(), duties=duties, order=order)
    team.full_clean()
    team.save()
    audit_record(
        actor=actor,
        action="org.team.create",
        obj=team,
        organization=department.organization,
        after={"department": department.pk, **snapshot(team, TEAM_FIELDS)},
    )
    return team


@transaction.atomic
def team_update(*, actor: User, team: Team, **changes: Any) -> Team:
    _check_fields(changes, TEAM_FIELDS)
    _require(permissions.can_manage_department(actor, team.department))
    audited_update(
        team,
        actor=actor,
        action="org.team.update",
        changes=changes,
        fields=TEAM_FIELDS,
        organization=team.department.organization,
    )
    return team


@transaction.atomic
def team_delete(*, actor: User, team: Team, reason: str = "") -> None:
    _require(permissions.can_manage_department(actor, team.department))
    organization = team.department.organization
    record = {"id": team.pk, "department": team.department_id, "name": team.name}
    if team.staff.exists():
        raise ValidationError(
            _("팀에 배치된 직원이 있어 삭제할 수 없습니다. 직원을 먼저 다른 팀으로 옮기세요.")
        )
    team.delete()
    audit_record(
        actor=actor,
        action="org.team.delete",
        organization=organization,
        before=record,
        reason=reason,
    )
