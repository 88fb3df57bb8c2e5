"""Every state change of `org`: one function per use case, keyword-only, transactional,
permission-checked and audited. Views, the admin and the demo loader call these; nothing else
writes organisation data.

Errors people can fix come back as `ValidationError` (Korean messages, per field where there is
one); a missing right is `PermissionDenied`."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sotong.core.audit import audit_record, diff, snapshot

from . import permissions
from .closing_days import closed_days_clear
from .models import ClosingDay, Department, Dong, Organization, Staff, StaffingEntry, Team

if TYPE_CHECKING:
    from sotong.accounts.models import User

ORGANIZATION_FIELDS = (
    "code",
    "admin_code",
    "name",
    "name_en",
    "kind",
    "parent",
    "head_title",
    "address",
    "phone",
    "website",
    "description",
)
# Changing these re-shapes links and the city–district hierarchy: superusers only.
ORGANIZATION_STRUCTURE_FIELDS = frozenset({"code", "kind", "parent"})
DEPARTMENT_FIELDS = ("name", "name_en", "kind", "parent", "duties", "phone", "order")
TEAM_FIELDS = ("name", "duties", "order")
STAFF_DETAIL_FIELDS = ("name", "title", "office_phone")
STAFF_FIELDS = (
    "organization",
    "department",
    "team",
    "name",
    "position",
    "title",
    "grade",
    "office_phone",
    "active",
)
STAFFING_FIELDS = ("department", "as_of", "series", "grade", "authorized", "current")
# A closing day further back than this is history, further ahead a guess: both are refused.
CLOSING_DAY_YEARS_BACK = 1
CLOSING_DAY_YEARS_AHEAD = 2
# A public servant's name and direct line stay out of the audit trail: the event says they changed.
STAFF_PERSONAL_FIELDS = ("name", "office_phone")


# --- helpers --------------------------------------------------------------------------------


def _staff_record(staff: Staff) -> dict[str, Any]:
    _, record = diff({}, snapshot(staff, STAFF_FIELDS), redact=STAFF_PERSONAL_FIELDS)
    return record


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("이 기관을 관리할 권한이 없습니다."))


def _check_fields(changes: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")


def _apply(obj: models.Model, changes: dict[str, Any]) -> list[str]:
    """Sets the changed values and returns the names that really changed."""
    changed = []
    for name, value in changes.items():
        field = obj._meta.get_field(name)
        current = getattr(obj, field.attname if isinstance(field, models.ForeignKey) else name)
        new = value.pk if isinstance(field, models.ForeignKey) and value is not None else value
        if current != new:
            setattr(obj, name, value)
            changed.append(name)
    return changed


# --- organisations and 행정동 ----------------------------------------------------------------


@transaction.atomic
def organization_create(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    head_title: str,
    parent: Organization | None = None,
    admin_code: str = "",
    name_en: str = "",
    address: str = "",
    phone: str = "",
    website: str = "",
    description: str = "",
) -> Organization:
    _require(permissions.can_create_organization(actor))
    org = Organization(
        code=code,
        name=name,
        kind=kind,
        head_title=head_title,
        parent=parent,
        admin_code=admin_code,
        name_en=name_en,
        address=address,
        phone=phone,
        website=website,
        description=description,
    )
    org.full_clean()
    org.save()
    audit_record(
        actor=actor,
        action="org.organization.create",
        obj=org,
        organization=org,
        after=snapshot(org, ORGANIZATION_FIELDS),
    )
    return org


@transaction.atomic
def organization_update(
    *, actor: User, organization: Organization, reason: str = "", **changes: Any
) -> Organization:
    _check_fields(changes, ORGANIZATION_FIELDS)
    _require(permissions.can_manage_organization(actor, organization))
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    before = snapshot(org, ORGANIZATION_FIELDS)
    changed = _apply(org, changes)
    if ORGANIZATION_STRUCTURE_FIELDS & set(changed):
        _require(permissions.can_restructure_organization(actor))
    if not changed:
        return org
    org.full_clean()
    org.save(update_fields=changed)
    before, after = diff(before, snapshot(org, ORGANIZATION_FIELDS))
    audit_record(
        actor=actor,
        action="org.organization.update",
        obj=org,
        organization=org,
        before=before,
        after=after,
        reason=reason,
    )
    return org


@transaction.atomic
def dong_create(*, actor: User, organization: Organization, name: str) -> Dong:
    _require(permissions.can_manage_organization(actor, organization))
    dong = Dong(organization=organization, name=name.strip())
    dong.full_clean()
    dong.save()
    audit_record(
        actor=actor,
        action="org.dong.create",
        obj=dong,
        organization=organization,
        after={"name": dong.name},
    )
    return dong


@transaction.atomic
def dong_update(*, actor: User, dong: Dong, name: str) -> Dong:
    _require(permissions.can_manage_organization(actor, dong.organization_id))
    before = dong.name
    dong.name = name.strip()
    if dong.name == before:
        return dong
    dong.full_clean()
    dong.save(update_fields=["name"])
    audit_record(
        actor=actor,
        action="org.dong.update",
        obj=dong,
        organization=dong.organization,
        before={"name": before},
        after={"name": dong.name},
    )
    return dong


@transaction.atomic
def dong_delete(*, actor: User, dong: Dong, reason: str = "") -> None:
    _require(permissions.can_manage_organization(actor, dong.organization_id))
    organization = dong.organization
    record = {"id": dong.pk, "name": dong.name}
    try:
        with transaction.atomic():
            dong.delete()
    except models.ProtectedError as exc:
        raise ValidationError(
            _("이 행정동에 사는 주민이 있어 삭제할 수 없습니다. 이름을 고치세요.")
        ) from exc
    audit_record(
        actor=actor,
        action="org.dong.delete",
        organization=organization,
        before=record,
        reason=reason,
    )


# --- departments and teams ------------------------------------------------------------------


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
    before = snapshot(dept, DEPARTMENT_FIELDS)
    changed = _apply(dept, changes)
    if not changed:
        return dept
    dept.full_clean()
    dept.save(update_fields=changed)
    before, after = diff(before, snapshot(dept, DEPARTMENT_FIELDS))
    audit_record(
        actor=actor,
        action="org.department.update",
        obj=dept,
        organization=dept.organization,
        before=before,
        after=after,
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
    before = snapshot(team, TEAM_FIELDS)
    changed = _apply(team, changes)
    if not changed:
        return team
    team.full_clean()
    team.save(update_fields=changed)
    before, after = diff(before, snapshot(team, TEAM_FIELDS))
    audit_record(
        actor=actor,
        action="org.team.update",
        obj=team,
        organization=team.department.organization,
        before=before,
        after=after,
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


# --- staff ----------------------------------------------------------------------------------


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
    before = snapshot(row, STAFF_DETAIL_FIELDS)
    changed = _apply(row, changes)
    if not changed:
        return row
    row.full_clean()
    row.save(update_fields=changed)
    before, after = diff(before, snapshot(row, STAFF_DETAIL_FIELDS), redact=STAFF_PERSONAL_FIELDS)
    audit_record(
        actor=actor,
        action="org.staff.update",
        obj=row,
        organization=row.organization,
        before=before,
        after=after,
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
    before = snapshot(row, STAFF_FIELDS)
    changed = _apply(row, changes)
    if not changed:
        return row
    row.full_clean()
    row.save(update_fields=changed)
    before, after = diff(before, snapshot(row, STAFF_FIELDS), redact=STAFF_PERSONAL_FIELDS)
    audit_record(
        actor=actor,
        action="org.staff.move",
        obj=row,
        organization=row.organization,
        before=before,
        after=after,
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


# --- staffing table (정원·현원) --------------------------------------------------------------


@dataclass(frozen=True)
class StaffingRow:
    """One cell pair of a staffing table to import."""

    department: Department
    series: str
    grade: str
    authorized: int
    current: int


@dataclass(frozen=True)
class StaffingImportResult:
    created: int
    replaced: int


def _validate_staffing_rows(
    organization: Organization, as_of: datetime.date, rows: Sequence[StaffingRow]
) -> list[StaffingEntry]:
    entries: list[StaffingEntry] = []
    errors: list[ValidationError] = []
    seen: set[tuple[int, str, str]] = set()
    for number, row in enumerate(rows, start=1):
        entry = StaffingEntry(
            organization=organization,
            department=row.department,
            as_of=as_of,
            series=row.series,
            grade=row.grade.strip(),
            authorized=row.authorized,
            current=row.current,
        )
        try:
            # The table is replaced as a whole, so uniqueness is checked within the import.
            entry.full_clean(validate_constraints=False)
        except ValidationError as exc:
            messages = "; ".join(str(m) for m in exc.messages)
            errors.append(ValidationError(_("%(n)d번째 행: %(m)s") % {"n": number, "m": messages}))
            continue
        key = (row.department.pk, entry.series, entry.grade)
        if key in seen:
            errors.append(
                ValidationError(
                    _("%(n)d번째 행: 같은 부서·직군·급이 두 번 나옵니다.") % {"n": number}
                )
            )
        seen.add(key)
        entries.append(entry)
    if errors:
        raise ValidationError(errors)
    return entries


@transaction.atomic
def staffing_import(
    *,
    actor: User,
    organization: Organization,
    as_of: datetime.date,
    rows: Sequence[StaffingRow],
    reason: str = "",
) -> StaffingImportResult:
    """Replaces the organisation's staffing table for `as_of` with `rows`, all or nothing."""
    _require(permissions.can_manage_organization(actor, organization))
    if not rows:
        raise ValidationError(_("가져올 정원·현원 행이 없습니다."))
    entries = _validate_staffing_rows(organization, as_of, rows)
    existing = StaffingEntry.objects.filter(organization=organization, as_of=as_of)
    replaced = existing.count()
    existing.delete()
    StaffingEntry.objects.bulk_create(entries)
    audit_record(
        actor=actor,
        action="org.staffing.import",
        organization=organization,
        before={"as_of": as_of.isoformat(), "entries": replaced},
        after={
            "as_of": as_of.isoformat(),
            "entries": len(entries),
            "authorized": sum(e.authorized for e in entries),
            "current": sum(e.current for e in entries),
        },
        reason=reason,
    )
    return StaffingImportResult(created=len(entries), replaced=replaced)


@transaction.atomic
def staffing_entry_save(
    *,
    actor: User,
    organization: Organization,
    department: Department,
    as_of: datetime.date,
    series: str,
    grade: str,
    authorized: int,
    current: int,
    entry: StaffingEntry | None = None,
) -> StaffingEntry:
    """Creates one cell pair, or corrects `entry` (a single 정원·현원 correction)."""
    _require(permissions.can_manage_organization(actor, organization))
    values = {
        "organization": organization,
        "department": department,
        "as_of": as_of,
        "series": series,
        "grade": grade.strip(),
        "authorized": authorized,
        "current": current,
    }
    if entry is None:
        row = StaffingEntry(**values)
        before = None
        action = "org.staffing.create"
    else:
        _require(permissions.can_manage_organization(actor, entry.organization_id))
        row = StaffingEntry.objects.select_for_update().get(pk=entry.pk)
        before = snapshot(row, STAFFING_FIELDS)
        action = "org.staffing.update"
        if not _apply(row, values):
            return row
    row.full_clean()
    row.save()
    audit_record(
        actor=actor,
        action=action,
        obj=row,
        organization=organization,
        before=before,
        after=snapshot(row, STAFFING_FIELDS),
    )
    return row


@transaction.atomic
def staffing_entry_delete(*, actor: User, entry: StaffingEntry, reason: str = "") -> None:
    _require(permissions.can_manage_organization(actor, entry.organization_id))
    organization = entry.organization
    record = {"id": entry.pk, **snapshot(entry, STAFFING_FIELDS)}
    entry.delete()
    audit_record(
        actor=actor,
        action="org.staffing.delete",
        organization=organization,
        before=record,
        reason=reason,
    )


# --- closing days (휴무일) ------------------------------------------------------------------


def _years_from(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def closing_day_problems(
    day: datetime.date | None, reason: str | None, *, today: datetime.date | None = None
) -> dict[str, str]:
    """What is wrong with a closing day on `day` for `reason`, by field (empty when nothing):
    the checks of `closing_day_add` that need no database, for forms to show beside the field."""
    today = today or timezone.localdate()
    problems: dict[str, str] = {}
    if not (reason or "").strip():
        problems["reason"] = _("휴무 사유를 입력하세요.")
    if day is None:
        problems["day"] = _("휴무일을 입력하세요.")
    elif day < _years_from(today, -CLOSING_DAY_YEARS_BACK):
        problems["day"] = _("1년보다 더 지난 날은 휴무일로 등록할 수 없습니다.")
    elif day > _years_from(today, CLOSING_DAY_YEARS_AHEAD):
        problems["day"] = _("2년보다 더 뒤의 날은 휴무일로 등록할 수 없습니다.")
    return problems


def _forget_closed_days() -> None:
    """Petition deadlines keep closing days per process (`closing_days.closed_days`): forget
    them now, for this request, and again once the change is committed, so that no lookup made
    meanwhile keeps the old days. Other workers follow within its TTL."""
    closed_days_clear()
    transaction.on_commit(closed_days_clear)


@transaction.atomic
def closing_day_add(
    *, actor: User, organization: Organization, day: datetime.date, reason: str
) -> ClosingDay:
    """Declares `day` a closing day of `organization`: petitions received from now on (and
    extensions) do not count it. Deadlines already set are left as they are."""
    _require(permissions.can_manage_organization(actor, organization))
    reason = (reason or "").strip()
    problems = closing_day_problems(day, reason)
    if problems:
        raise ValidationError(problems)
    closing_day = ClosingDay(organization=organization, day=day, reason=reason)
    closing_day.full_clean()  # the duplicate day, with the constraint's Korean message
    try:
        with transaction.atomic():
            closing_day.save()
    except IntegrityError as exc:  # the same day added at the same moment
        raise ValidationError({"day": _("이 기관에 같은 날의 휴무일이 이미 있습니다.")}) from exc
    audit_record(
        actor=actor,
        action="org.closing_day.add",
        obj=closing_day,
        organization=organization,
        after={"day": day.isoformat(), "reason": reason},
        reason=reason,
    )
    _forget_closed_days()
    return closing_day


@transaction.atomic
def closing_day_remove(*, actor: User, closing_day: ClosingDay, reason: str = "") -> None:
    """Withdraws a closing day. Deadlines already set are left as they are."""
    _require(permissions.can_manage_organization(actor, closing_day.organization_id))
    organization = closing_day.organization
    record = {
        "id": closing_day.pk,
        "day": closing_day.day.isoformat(),
        "reason": closing_day.reason,
    }
    closing_day.delete()
    audit_record(
        actor=actor,
        action="org.closing_day.remove",
        organization=organization,
        before=record,
        reason=reason,
    )
    _forget_closed_days()
