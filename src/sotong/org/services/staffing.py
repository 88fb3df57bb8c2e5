"""The staffing table (정원·현원): importing it whole for a date, and correcting one entry."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sotong.core.audit import audit_record, changes_apply, snapshot

from .. import permissions
from ..models import Department, Organization, StaffingEntry
from .common import STAFFING_FIELDS, _require

if TYPE_CHECKING:
    from sotong.accounts.models import User


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
        if not changes_apply(row, values):
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
