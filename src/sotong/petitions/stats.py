"""Dashboards and statistics of petitions: aggregate reads, all computed in SQL.

Every function here runs a fixed, small number of queries whatever the number of petitions (the
tests pin them with `django_assert_max_num_queries`) and works the same on SQLite and PostgreSQL.
Months and years are those of Asia/Seoul (`TruncMonth`/`ExtractYear` with the Seoul zone), never
of UTC.

Who sees which dashboard follows the organisation chart (`dashboard_scope`):
- a team lead: the petitions handled by their team;
- a head (과장·담당관): their department;
- a director (국장): their bureau and the departments under it;
- the chief and the deputy, staff holding `petitions.view_petition_statistics`, superusers: the
  whole organisation.
Everyone else has no dashboard (the view answers 403).

Transferred petitions (이송) left our organisation: they are in no count here.

Definitions shown on the pages:
- traffic light: `queries.with_light` (open petitions only).
- delay rate of a month: among the petitions whose deadline fell in that month (Seoul) and whose
  outcome is known (answered, or the deadline has passed), the share answered after the
  deadline or still open after it.
- processing time: wall-clock time from receipt to answer (주말·휴일 포함), in hours, nearest-rank
  percentiles (the smallest time within which p% of the answers were given). Working time would
  need the holiday calendar row by row, which SQL cannot do; the delay rate is the legal measure.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import Ceil, ExtractYear, RowNumber, TruncMonth
from django.utils.translation import gettext_lazy as _

from sotong.org.models import Department, Organization, Position

from . import permissions, queries
from .models import OPEN_STATUSES, Answer, Category, Petition, PetitionEvent, Stage, Status

SEOUL = ZoneInfo("Asia/Seoul")
PERCENTILES = (50, 90, 95)
# How far back the dashboard's monthly figures reach.
DASHBOARD_MONTHS = 12


class Level:
    TEAM = "team"
    DEPARTMENT = "department"
    BUREAU = "bureau"
    ORGANIZATION = "organization"


LEVEL_LABELS = {
    Level.TEAM: _("팀"),
    Level.DEPARTMENT: _("부서"),
    Level.BUREAU: _("국"),
    Level.ORGANIZATION: _("기관 전체"),
}


@dataclasses.dataclass(frozen=True)
class Scope:
    """The petitions one manager's dashboard covers."""

    level: str
    organization: Organization
    label: str
    filter: Q
    # Departments the manager may narrow the dashboard to (ids, in display order).
    department_ids: tuple[int, ...]

    def petitions(self) -> QuerySet[Petition]:
        return (
            Petition.objects.filter(organization=self.organization)
            .exclude(status=Status.TRANSFERRED)
            .filter(self.filter)
        )

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.level])


def dashboard_scope(user: Any, organization: Organization | None = None) -> Scope | None:
    """The widest scope `user` may see, or None (no dashboard). `organization` is only used for a
    superuser without a staff post (they pick one)."""
    staff = permissions.staff_of(user)
    if permissions.is_superuser(user) and staff is None:
        if organization is None:
            return None
        return _organization_scope(organization)
    if staff is None:
        return None
    org = staff.organization
    if (
        staff.position in (Position.CHIEF, Position.DEPUTY)
        or permissions.is_superuser(user)
        or permissions.can_view_statistics(user, org)
    ):
        return _organization_scope(org)
    if staff.position == Position.DIRECTOR and staff.department_id:
        bureau = staff.department
        ids = [bureau.pk, *bureau.children.order_by("order", "name").values_list("pk", flat=True)]
        return Scope(
            Level.BUREAU,
            org,
            bureau.name,
            Q(department_id__in=ids),
            tuple(ids),
        )
    if staff.position == Position.HEAD and staff.department_id:
        return Scope(
            Level.DEPARTMENT,
            org,
            staff.department.name,
            Q(department_id=staff.department_id),
            (staff.department_id,),
        )
    if staff.position == Position.TEAM_LEAD and staff.team_id:
        team = staff.team
        return Scope(
            Level.TEAM,
            org,
            f"{staff.department.name} {team.name}" if staff.department_id else team.name,
            Q(handler__team_id=team.pk),
            (),
        )
    return None


def _organization_scope(org: Organization) -> Scope:
    ids = tuple(
        Department.objects.filter(organization=org, active=True)
        .order_by("order", "name")
        .values_list("pk", flat=True)
    )
    return Scope(Level.ORGANIZATION, org, org.name, Q(), ids)


def narrowed(scope: Scope, department_id: int | None) -> QuerySet[Petition]:
    """The scope's petitions, narrowed to one of its departments when asked for."""
    qs = scope.petitions()
    if department_id is not None and department_id in scope.department_ids:
        qs = qs.filter(department_id=department_id)
    return qs


# --- months ------------------------------------------------------------------------------------


def month_start(now: datetime.datetime, months_back: int = 0) -> datetime.datetime:
    """The first moment (Seoul) of the month `months_back` months before the one of `now`."""
    local = now.astimezone(SEOUL)
    index = local.year * 12 + (local.month - 1) - months_back
    return datetime.datetime(index // 12, index % 12 + 1, 1, tzinfo=SEOUL)


def month_keys(now: datetime.datetime, count: int = DASHBOARD_MONTHS) -> list[tuple[int, int]]:
    """(year, month) of the last `count` months up to and including the one of `now`, oldest
    first."""
    keys = []
    for back in range(count - 1, -1, -1):
        start = month_start(now, back)
        keys.append((start.year, start.month))
    return keys


def _month_key(value: datetime.datetime | datetime.date | None) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.astimezone(SEOUL)
    return (value.year, value.month)


# --- the traffic light -------------------------------------------------------------------------


def light_by_department(qs: QuerySet[Petition], now: datetime.datetime) -> dict[str, Any]:
    """Open petitions by department and light, one query: {"total": {light: n, "all": n},
    "rows": {department_id or None: {light: n, "all": n}}}."""
    rows = (
        queries.with_light(qs.filter(status__in=OPEN_STATUSES).order_by(), now)
        .values("department_id")
        .annotate(
            **{
                light: Count("id", filter=Q(light=light))
                for light in (queries.ON_TIME, queries.AT_RISK, queries.OVERDUE)
            }
        )
    )
    total = dict.fromkeys((*queries.LIGHTS, "all"), 0)
    by_department: dict[int | None, dict[str, int]] = {}
    for row in rows:
        counts = {light: row[light] for light in queries.LIGHTS}
        counts["all"] = sum(counts.values())
        by_department[row["department_id"]] = counts
        for key, value in counts.items():
            total[key] += value
    return {"total": total, "rows": by_department}


def light_list(qs: QuerySet[Petition], now: datetime.datetime, light: str) -> QuerySet[Petition]:
    """Open petitions of one light, the most urgent first (for the drill-down, paginated)."""
    return (
        queries.with_light(qs.filter(status__in=OPEN_STATUSES), now)
        .filter(light=light)
        .select_related("department", "handler", "category")
        .defer("body", "tokens", "petitioner_name", "contact_email", "contact_phone")
        .order_by("due_at", "id")
    )


# --- delay rate --------------------------------------------------------------------------------


def _late() -> Q:
    return Q(answered_at__gt=F("due_at")) | Q(answered_at__isnull=True, status__in=OPEN_STATUSES)


def delay_by_department_month(
    qs: QuerySet[Petition], now: datetime.datetime, months: int = DASHBOARD_MONTHS
) -> dict[str, Any]:
    """The delay rate by department and month of the deadline, one query.

    Returns {"months": [(y, m), …], "cells": {(department_id, (y, m)): (late, total)},
    "by_month": {(y, m): (late, total)}, "by_department": {department_id: (late, total)},
    "total": (late, total)}."""
    keys = month_keys(now, months)
    start = month_start(now, months - 1)
    known = Q(answered_at__isnull=False) | Q(due_at__lt=now)
    rows = (
        qs.filter(known, due_at__gte=start, due_at__lt=month_start(now, -1))
        .order_by()
        .annotate(month=TruncMonth("due_at", tzinfo=SEOUL))
        .values("department_id", "month")
        .annotate(total=Count("id"), late=Count("id", filter=_late()))
    )
    cells: dict[tuple[int | None, tuple[int, int]], tuple[int, int]] = {}
    by_month = dict.fromkeys(keys, (0, 0))
    by_department: dict[int | None, tuple[int, int]] = {}
    all_late = all_total = 0
    for row in rows:
        key = _month_key(row["month"])
        if key not in by_month:
            continue
        late, total = row["late"], row["total"]
        department_id = row["department_id"]
        cells[(department_id, key)] = (late, total)
        m_late, m_total = by_month[key]
        by_month[key] = (m_late + late, m_total + total)
        d_late, d_total = by_department.get(department_id, (0, 0))
        by_department[department_id] = (d_late + late, d_total + total)
        all_late += late
        all_total += total
    return {
        "months": keys,
        "cells": cells,
        "by_month": by_month,
        "by_department": by_department,
        "total": (all_late, all_total),
    }


def rate(late: int, total: int) -> float | None:
    """A share in percent with one decimal, None when there is nothing to divide."""
    if not total:
        return None
    return round(100 * late / total, 1)


# --- approval and satisfaction -----------------------------------------------------------------


def approval_and_satisfaction(qs: QuerySet[Petition], since: datetime.datetime) -> dict[str, Any]:
    """Answers decided since `since`: approved by the approver vs. 담당전결 (self-approved), how
    many went through a return (반려) first; and the satisfaction ratings given since `since`.
    One query."""
    returned = PetitionEvent.objects.filter(petition_id=OuterRef("pk"), stage=Stage.RETURNED)
    decided = Q(answer__state=Answer.State.APPROVED, answer__decided_at__gte=since)
    rated = Q(rated_at__gte=since)
    row = qs.order_by().aggregate(
        answered=Count("id", filter=decided),
        self_approved=Count("id", filter=decided & Q(answer__self_approved=True)),
        returned=Count("id", filter=decided & Exists(returned)),
        rated=Count("id", filter=rated & Q(speed_rating__isnull=False)),
        speed=Avg("speed_rating", filter=rated),
        completeness=Avg("completeness_rating", filter=rated),
    )
    answered = row["answered"]
    approved = answered - row["self_approved"]
    return {
        "answered": answered,
        "approved": approved,
        "self_approved": row["self_approved"],
        "approved_rate": rate(approved, answered),
        "self_approved_rate": rate(row["self_approved"], answered),
        "returned": row["returned"],
        "returned_rate": rate(row["returned"], answered),
        "rated": row["rated"],
        "speed": _average(row["speed"]),
        "completeness": _average(row["completeness"]),
    }


def _average(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


# --- processing time ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Percentiles:
    count: int
    hours: dict[int, float]  # percentile → hours

    def days(self, p: int) -> float:
        return round(self.hours[p] / 24, 1)


def _hours(value: Any) -> float:
    if isinstance(value, datetime.timedelta):
        seconds = value.total_seconds()
    else:  # microseconds, should a backend hand the raw number back
        seconds = float(value) / 1_000_000
    return round(seconds / 3600, 1)


def processing_percentiles(
    qs: QuerySet[Petition], *, by_year: bool = False
) -> dict[int | None, Percentiles]:
    """p50/p90/p95 of receipt → answer time of the answered petitions in `qs`, nearest rank,
    overall (key None) or by year of receipt (Seoul). One query: window functions number the
    answers in order of their time and only the rows at the ranks ⌈p·n⌉ come back."""
    took = ExpressionWrapper(F("answered_at") - F("received_at"), output_field=DurationField())
    partition = [ExtractYear("received_at", tzinfo=SEOUL)] if by_year else []
    ranked = (
        qs.filter(answered_at__isnull=False)
        .order_by()
        .annotate(
            took=took,
            year=ExtractYear("received_at", tzinfo=SEOUL),
            rank=Window(RowNumber(), partition_by=partition or None, order_by=[took.asc()]),
            n=Window(Count("id"), partition_by=partition or None),
        )
    )
    wanted = Q()
    for p in PERCENTILES:
        wanted |= Q(rank=Ceil(F("n") * p / 100.0))
    rows = ranked.filter(wanted).values_list("year", "rank", "n", "took")
    found: dict[int | None, dict[int, float]] = {}
    counts: dict[int | None, int] = {}
    for year, rank, n, value in rows:
        key = year if by_year else None
        counts[key] = n
        for p in PERCENTILES:
            if rank == math.ceil(n * p / 100):
                found.setdefault(key, {})[p] = _hours(value)
    return {key: Percentiles(counts[key], hours) for key, hours in found.items()}


# --- the public table: count by category and year ---------------------------------------------


def public_petitions(organization: Organization) -> QuerySet[Petition]:
    """Everything received by `organization` that stayed there (private ones count too: only
    numbers leave this module)."""
    return Petition.objects.filter(organization=organization).exclude(status=Status.TRANSFERRED)


@dataclasses.dataclass
class CategoryYearTable:
    """Rows = categories (then 미분류 when there are such), columns = years, with totals; the
    shape of Jung-gu's table (seed 002), turned so that many categories still fit."""

    years: list[int]
    rows: list[tuple[str, list[int], int]]  # (category name, count per year, row total)
    totals: list[int]
    total: int


def category_year_table(organization: Organization, years: int = 10) -> CategoryYearTable:
    """Two queries: the categories, and the counts grouped by category and year."""
    categories = list(
        Category.objects.filter(organization=organization)
        .order_by("order", "name")
        .values_list("pk", "name", "active")
    )
    counts = (
        public_petitions(organization)
        .order_by()
        .annotate(year=ExtractYear("received_at", tzinfo=SEOUL))
        .values("category_id", "year")
        .annotate(n=Count("id"))
    )
    cell: dict[tuple[int | None, int], int] = {}
    seen_years: set[int] = set()
    for row in counts:
        cell[(row["category_id"], row["year"])] = row["n"]
        seen_years.add(row["year"])
    year_list = sorted(seen_years)[-years:]
    known_ids = {pk for pk, _name, _active in categories}
    rows: list[tuple[str, list[int], int]] = []

    def add(name: str, ids: Iterable[int | None]) -> None:
        per_year = [sum(cell.get((pk, y), 0) for pk in ids) for y in year_list]
        rows.append((name, per_year, sum(per_year)))

    for pk, name, active in categories:
        if active or any(cell.get((pk, y)) for y in year_list):
            add(name, [pk])
    unknown = [pk for pk, _year in cell if pk not in known_ids]
    if any(cell.get((pk, y)) for pk in set(unknown) for y in year_list):
        add(str(_("미분류")), sorted(set(unknown), key=lambda v: (v is not None, v or 0)))
    totals = [sum(row[1][i] for row in rows) for i in range(len(year_list))]
    return CategoryYearTable(year_list, rows, totals, sum(totals))


__all__ = [
    "DASHBOARD_MONTHS",
    "LEVEL_LABELS",
    "PERCENTILES",
    "SEOUL",
    "CategoryYearTable",
    "Level",
    "Percentiles",
    "Scope",
    "approval_and_satisfaction",
    "category_year_table",
    "dashboard_scope",
    "delay_by_department_month",
    "light_by_department",
    "light_list",
    "month_keys",
    "month_start",
    "narrowed",
    "processing_percentiles",
    "public_petitions",
    "rate",
]
