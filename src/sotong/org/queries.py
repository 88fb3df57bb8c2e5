"""Reusable reads of `org`. Public pages read through these; none of them returns staff names."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from . import permissions
from .models import Department, Dong, Organization, Staff, StaffingEntry, Team

if TYPE_CHECKING:
    from sotong.accounts.models import User


def public_organizations() -> QuerySet[Organization]:
    """Every organisation with its parent city and the number of its active departments."""
    return (
        Organization.objects.select_related("parent")
        .annotate(department_count=Count("departments", filter=Q(departments__active=True)))
        .order_by("kind", "name")
    )


def cities_with_districts() -> list[Organization]:
    """The cities by name, each with its districts by name in `districts` (the home page)."""
    districts = Organization.objects.filter(kind=Organization.Kind.DISTRICT).order_by("name")
    return list(
        Organization.objects.filter(kind=Organization.Kind.CITY)
        .order_by("name")
        .prefetch_related(Prefetch("children", queryset=districts, to_attr="districts"))
    )


def staff_organization(user: User) -> Organization | None:
    """The organisation of the user's active staff post, if any."""
    return Organization.objects.filter(staff__user=user, staff__active=True).first()


def picked_organization(
    code: str,
    *,
    user: User | None = None,
    among: QuerySet[Organization] | Sequence[Organization] | None = None,
    required: bool = True,
) -> Organization | None:
    """The organisation a page is about where the person may choose one (a superuser on staff
    pages, anyone on public statistics), given the `?org=<code>` they sent: the organisation of
    that code (404 for an unknown one); without a code, the user's own active staff post's
    organisation, else the first of `among` (a query: by kind and name; a list: as ordered;
    default every organisation) — or None when `required` is False (a page that also has a
    national view). 404 when there is none."""
    code = (code or "").strip()
    if code:
        found = Organization.objects.filter(code=code).first()
        if found is None:
            raise Http404(_("그런 기관이 없습니다."))
        return found
    if not required:
        return None
    staff = permissions.active_staff(user) if user is not None else None
    if staff is not None:
        return staff.organization
    if isinstance(among, Sequence):
        first = among[0] if among else None
    else:
        queryset = among if among is not None else Organization.objects.all()
        first = queryset.order_by("kind", "name").first()
    if first is None:
        raise Http404(_("기관이 없습니다."))
    return first


def public_organization(code: str) -> Organization:
    """One organisation with everything its public page shows, in a fixed number of queries."""
    active_departments = (
        Department.objects.filter(active=True)
        .order_by("order", "name")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("order", "name")))
    )
    try:
        return (
            Organization.objects.select_related("parent")
            .prefetch_related(
                Prefetch("children", queryset=Organization.objects.order_by("name")),
                Prefetch("departments", queryset=active_departments),
                Prefetch("dongs", queryset=Dong.objects.order_by("name")),
            )
            .get(code=code)
        )
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


@dataclass
class DepartmentGroup:
    """A bureau (국) and the divisions under it, or the divisions that report to the head."""

    bureau: Department | None
    departments: list[Department] = field(default_factory=list)


def department_groups(organization: Organization) -> list[DepartmentGroup]:
    """Groups the (prefetched) active departments under their bureaus, keeping display order.
    Divisions with no bureau come first, as they report to the head of the organisation."""
    departments = list(organization.departments.all())
    groups: dict[int, DepartmentGroup] = {}
    for dept in departments:
        if dept.is_bureau:
            groups[dept.pk] = DepartmentGroup(bureau=dept)
    direct = DepartmentGroup(bureau=None)
    for dept in departments:
        if dept.is_bureau:
            continue
        group = groups.get(dept.parent_id) if dept.parent_id else None
        (group or direct).departments.append(dept)
    result = [direct] if direct.departments else []
    return result + list(groups.values())


# --- staffing table -------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffingColumn:
    series: str
    series_label: str
    grade: str


class _Difference:
    """과원 (surplus: more people than posts) and 결원 (shortage: posts left empty)."""

    authorized: int | None
    current: int | None

    @property
    def difference(self) -> int:
        return (self.current or 0) - (self.authorized or 0)

    @property
    def surplus(self) -> int:
        return max(self.difference, 0)

    @property
    def shortage(self) -> int:
        return max(-self.difference, 0)


@dataclass
class StaffingCell(_Difference):
    authorized: int | None
    current: int | None


@dataclass
class StaffingTableRow(_Difference):
    department: Department | None  # None for the totals row
    cells: list[StaffingCell]
    authorized: int
    current: int


@dataclass
class StaffingTable:
    as_of: datetime.date
    columns: list[StaffingColumn]
    rows: list[StaffingTableRow]
    total: StaffingTableRow

    @property
    def series_groups(self) -> list[tuple[str, int]]:
        """(label, number of grade columns) for the two-level header."""
        groups: list[tuple[str, int]] = []
        for column in self.columns:
            if groups and groups[-1][0] == column.series_label:
                groups[-1] = (column.series_label, groups[-1][1] + 1)
            else:
                groups.append((column.series_label, 1))
        return groups


def staffing_table(
    organization: Organization, as_of: datetime.date | None = None
) -> StaffingTable | None:
    """정원·현원 by department (rows) and job series × grade (columns) on `as_of` (default: the
    latest date recorded), with totals computed. None when nothing is recorded."""
    entries = StaffingEntry.objects.filter(organization=organization).select_related("department")
    if as_of is None:
        latest = entries.order_by("-as_of").values_list("as_of", flat=True).first()
        if latest is None:
            return None
        as_of = latest
    entries_on_date = list(entries.filter(as_of=as_of))
    if not entries_on_date:
        return None

    columns_by_key: dict[tuple[str, str], tuple[tuple[int, int, str], StaffingColumn]] = {}
    by_department: dict[int, dict[tuple[str, str], StaffingEntry]] = {}
    departments: dict[int, Department] = {}
    for entry in entries_on_date:
        key = (entry.series, entry.grade)
        columns_by_key.setdefault(
            key,
            (
                entry.column_key,
                StaffingColumn(entry.series, str(entry.get_series_display()), entry.grade),
            ),
        )
        by_department.setdefault(entry.department_id, {})[key] = entry
        departments[entry.department_id] = entry.department
    ordered = sorted(columns_by_key.items(), key=lambda item: item[1][0])
    keys = [key for key, _ in ordered]
    columns = [column for _, (_, column) in ordered]

    rows = []
    for dept in sorted(departments.values(), key=lambda d: (d.order, d.name)):
        cells = []
        for key in keys:
            entry = by_department[dept.pk].get(key)
            cells.append(
                StaffingCell(entry.authorized, entry.current) if entry else StaffingCell(None, None)
            )
        rows.append(
            StaffingTableRow(
                department=dept,
                cells=cells,
                authorized=sum(c.authorized or 0 for c in cells),
                current=sum(c.current or 0 for c in cells),
            )
        )
    total_cells = [
        StaffingCell(
            sum(row.cells[i].authorized or 0 for row in rows),
            sum(row.cells[i].current or 0 for row in rows),
        )
        for i in range(len(keys))
    ]
    total = StaffingTableRow(
        department=None,
        cells=total_cells,
        authorized=sum(row.authorized for row in rows),
        current=sum(row.current for row in rows),
    )
    return StaffingTable(as_of=as_of, columns=columns, rows=rows, total=total)


# --- permission-checked fetches for staff screens -------------------------------------------


def managed_department_or_404(user: User, pk: int) -> Department:
    """The same 404 for a department that does not exist and one the user may not manage."""
    department = Department.objects.select_related("organization").filter(pk=pk).first()
    if department is None or not permissions.can_manage_department(user, department):
        raise Http404
    return department


def managed_staff_or_404(user: User, pk: int | str | None, organization: Organization) -> Staff:
    """A staff member of `organization` whose posts `user` manages; the same 404 for one who does
    not exist, works elsewhere, or whose organisation `user` does not manage."""
    try:
        pk = int(pk or 0)
    except (TypeError, ValueError):
        raise Http404 from None
    if not permissions.can_manage_organization(user, organization):
        raise Http404
    staff = Staff.objects.filter(pk=pk, organization=organization).first()
    if staff is None:
        raise Http404
    return staff
