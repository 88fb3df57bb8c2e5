"""Dashboards and statistics of petitions.

- `/petitions/staff/dashboard` — the traffic-light dashboard of a manager (team lead: own team,
  head: department, director: bureau, chief/deputy/statistics permission/superuser: the whole
  organisation; `stats.dashboard_scope`). Visitors go to the login page, everyone else gets 403.
  Counts link to the drill-down list (`staff/dashboard/list`, paginated) and the delay table has
  its CSV (`staff/dashboard/delay.csv`).
- `/petitions/stats` — public: counts only, never a title, a name or a text. The count by
  category and year (Jung-gu's table, seed 002), processing-time percentiles, charts, and CSV
  (`stats.csv`, `stats/processing.csv`).

Charts are server-rendered SVG (`role="img"`, a title and a description) and every number in a
chart is also in a table next to it. CSV files are UTF-8 with a BOM so that Excel opens Korean.
Views are thin: read a scope, call `stats`, render."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sotong.core.privacy.public import public_text
from sotong.org.models import Department, Organization
from sotong.org.queries import picked_organization

from .. import permissions, queries, stats
from ..models import Petition

PAGE_SIZE = 20

LIGHT_LABELS = {
    queries.ON_TIME: gettext_lazy("정상"),
    queries.AT_RISK: gettext_lazy("임박"),
    queries.OVERDUE: gettext_lazy("지연"),
}
LIGHT_HINTS = {
    queries.ON_TIME: gettext_lazy("처리 기간이 20% 넘게 남음"),
    queries.AT_RISK: gettext_lazy("처리 기간이 20% 미만 남음"),
    queries.OVERDUE: gettext_lazy("처리 기한이 지남"),
}


def _now() -> datetime.datetime:
    # One place for the clock, so that tests can fix it.
    return timezone.now()


# --- charts --------------------------------------------------------------------------------------


def bar_chart(
    items: Sequence[tuple[str, float | int | None]],
    *,
    key: str,
    title: str,
    unit: str = "",
    label_width: int = 170,
    classes: Sequence[str] = (),
) -> dict[str, Any]:
    """Geometry of a horizontal bar chart for a server-rendered SVG. `key` makes the ids of its
    title and description unique on the page; `classes` colours each bar (default: one colour).
    A None value draws no bar and reads "–"."""
    top = max((value or 0 for _label, value in items), default=0) or 1
    bar_height, gap, width = 24, 10, 640
    usable = width - label_width - 80
    bars = []
    for index, (label, value) in enumerate(items):
        bar_width = round(usable * (value or 0) / top, 1)
        y = index * (bar_height + gap)
        if value is None:
            shown = "–"
        elif isinstance(value, int):
            shown = f"{value:,}{unit}"  # 27,744건, as the seed tables write counts
        else:
            shown = f"{value:.1f}".removesuffix(".0") + unit
        bars.append(
            {
                "label": label,
                "value": shown,
                "y": y,
                "text_y": y + bar_height / 2 + 5,
                "width": bar_width,
                "value_x": label_width + bar_width + 8,
                "css": classes[index] if index < len(classes) else "",
            }
        )
    return {
        "key": key,
        "title": title,
        "description": ", ".join(f"{bar['label']} {bar['value']}" for bar in bars),
        "bars": bars,
        "width": width,
        "height": max(len(bars), 1) * (bar_height + gap),
        "bar_height": bar_height,
        "label_width": label_width,
    }


def _csv_response(rows: Sequence[Sequence[Any]], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _month_label(key: tuple[int, int]) -> str:
    return _("%(year)d년 %(month)d월") % {"year": key[0], "month": key[1]}


# --- the staff dashboard ------------------------------------------------------------------------


def manager_page(view: Callable) -> Callable:
    """Visitors go to the login page; people without a dashboard get 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        organization = None
        if permissions.is_superuser(request.user) and permissions.staff_of(request.user) is None:
            organization = picked_organization(request.GET.get("org", ""))
        scope = stats.dashboard_scope(request.user, organization)
        if scope is None:
            raise PermissionDenied(_("민원 현황판은 팀장 이상 관리자만 볼 수 있습니다."))
        return view(request, scope, *args, **kwargs)

    return wrapper


def _department_choice(request: HttpRequest, scope: stats.Scope) -> int | None:
    try:
        value = int(request.GET.get("department", ""))
    except ValueError:
        return None
    return value if value in scope.department_ids else None


def _query(request: HttpRequest, **changes: Any) -> str:
    """The current query string with `changes` (None removes a key)."""
    params = {key: request.GET.get(key) for key in ("org", "department", "light")}
    params.update(changes)
    clean = {key: value for key, value in params.items() if value not in (None, "")}
    return "?" + urlencode(clean) if clean else ""


def _department_names(scope: stats.Scope, extra_ids: set[int | None]) -> dict[int | None, str]:
    ids = set(scope.department_ids) | {pk for pk in extra_ids if pk is not None}
    names: dict[int | None, str] = dict(
        Department.objects.filter(pk__in=ids).values_list("pk", "name")
    )
    names[None] = _("미배정")
    return names


def _ordered_departments(
    scope: stats.Scope, ids: set[int | None], names: dict[int | None, str]
) -> list[int | None]:
    order = {pk: index for index, pk in enumerate(scope.department_ids)}
    return sorted(ids, key=lambda pk: (pk is None, order.get(pk, 10_000), names.get(pk, "")))


def _light_context(
    request: HttpRequest,
    scope: stats.Scope,
    lights: dict[str, Any],
    names: dict[int | None, str],
    department_id: int | None,
) -> dict[str, Any]:
    """The traffic-light part of the dashboard: the cards, one row per department (each count
    links to the drill-down list) and the chart."""
    list_url = reverse("petitions:stats_dashboard_list")

    def link(light: str, department: int | str | None = "") -> str:
        dep = "none" if department is None else department
        return list_url + _query(request, light=light, department=dep or None)

    total = lights["total"]
    cards = [
        {
            "light": light,
            "label": LIGHT_LABELS[light],
            "hint": LIGHT_HINTS[light],
            "count": total[light],
            "url": link(light, department_id or ""),
        }
        for light in queries.LIGHTS
    ]
    light_rows = []
    for pk in _ordered_departments(scope, set(lights["rows"]), names):
        counts = lights["rows"][pk]
        light_rows.append(
            {
                "name": names.get(pk, "?"),
                "cells": [(counts[light], link(light, pk)) for light in queries.LIGHTS],
                "all": counts["all"],
            }
        )
    light_chart = bar_chart(
        [(str(LIGHT_LABELS[light]), total[light]) for light in queries.LIGHTS],
        key="lights",
        title=_("처리 기한 신호등: 열린 민원 건수"),
        unit=_("건"),
        classes=[f"petitions-chart-bar-{light}" for light in queries.LIGHTS],
    )
    return {
        "cards": cards,
        "light_total": total["all"],
        "light_rows": light_rows,
        "light_chart": light_chart,
    }


def _delay_cell(late: int, total: int) -> dict[str, Any]:
    return {"late": late, "total": total, "rate": stats.rate(late, total)}


def _delay_context(
    scope: stats.Scope, delay: dict[str, Any], names: dict[int | None, str]
) -> dict[str, Any]:
    """The delay part of the dashboard: late / total / rate per department and month (by due
    month), the month totals and the chart of the monthly rate."""
    months = delay["months"]
    delay_rows = []
    for pk in _ordered_departments(scope, set(delay["by_department"]), names):
        cells = [_delay_cell(*delay["cells"].get((pk, key), (0, 0))) for key in months]
        delay_rows.append(
            {"name": names.get(pk, "?"), "cells": cells, **_delay_cell(*delay["by_department"][pk])}
        )
    month_totals = [_delay_cell(*delay["by_month"][key]) for key in months]
    delay_chart = bar_chart(
        [(_month_label(key), cell["rate"]) for key, cell in zip(months, month_totals, strict=True)],
        key="delay",
        title=_("월별 처리 지연율"),
        unit="%",
    )
    return {
        "delay_chart": delay_chart,
        "months": [_month_label(key) for key in months],
        "delay_rows": delay_rows,
        "month_totals": month_totals,
        "delay_total": _delay_cell(*delay["total"]),
    }


@manager_page
def dashboard(request: HttpRequest, scope: stats.Scope) -> HttpResponse:
    now = _now()
    department_id = _department_choice(request, scope)
    qs = stats.narrowed(scope, department_id)
    lights = stats.light_by_department(qs, now)
    delay = stats.delay_by_department_month(qs, now)
    since = stats.month_start(now, stats.DASHBOARD_MONTHS - 1)
    approval = stats.approval_and_satisfaction(qs, since)
    took = stats.processing_percentiles(qs.filter(answered_at__gte=since)).get(None)
    names = _department_names(scope, set(lights["rows"]) | set(delay["by_department"]))
    departments = (
        [(pk, names[pk]) for pk in scope.department_ids if pk in names]
        if len(scope.department_ids) > 1
        else []
    )
    context = {
        "scope": scope,
        "now": now,
        "since": since,
        **_light_context(request, scope, lights, names, department_id),
        **_delay_context(scope, delay, names),
        "approval": approval,
        "took": took,
        "took_rows": [(p, took.hours[p], took.days(p)) for p in stats.PERCENTILES] if took else [],
        "departments": departments,
        "department_id": department_id,
        "org_code": request.GET.get("org", ""),
        "csv_url": reverse("petitions:stats_dashboard_delay_csv") + _query(request, light=None),
        "current_organization": scope.organization,
        "crumbs": [(_("민원 처리 현황판"), "")],
    }
    return render(request, "petitions/stats/dashboard.html", context)


def _petition_url(request: HttpRequest, petition: Petition, readable: bool) -> str:
    """The case page for staff who work on it, the public page of a public petition, else none
    (the case page would be a 404 for a manager outside the department)."""
    if readable and permissions.can_work(request.user, petition):
        return reverse("petitions:staff_case", kwargs={"pk": petition.pk})
    if petition.is_public:
        return reverse("petitions:detail", kwargs={"pk": petition.pk})
    return ""


@manager_page
def dashboard_list(request: HttpRequest, scope: stats.Scope) -> HttpResponse:
    """The drill-down: the open petitions of one light (and department), most urgent first."""
    now = _now()
    light = request.GET.get("light", "")
    if light not in queries.LIGHTS:
        raise Http404(_("알 수 없는 신호입니다."))
    raw_department = request.GET.get("department", "")
    qs = scope.petitions()
    department_name = ""
    if raw_department == "none":
        qs = qs.filter(department__isnull=True)
        department_name = _("미배정")
    else:
        department_id = _department_choice(request, scope)
        if department_id is not None:
            qs = qs.filter(department_id=department_id)
            department_name = (
                Department.objects.filter(pk=department_id).values_list("name", flat=True).first()
                or ""
            )
    page = Paginator(stats.light_list(qs, now, light), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for petition in page.object_list:
        readable = permissions.can_read_title(request.user, petition)
        rows.append(
            {
                "pk": petition.pk,
                "title": public_text(petition.title) if readable else _("비공개 민원"),
                "url": _petition_url(request, petition, readable),
                "department": petition.department.name if petition.department_id else _("미배정"),
                "handler": petition.handler.name if petition.handler_id else "",
                "status": petition.get_status_display(),
                "received_at": petition.received_at,
                "due_at": petition.due_at,
            }
        )
    context = {
        "scope": scope,
        "light": light,
        "light_label": LIGHT_LABELS[light],
        "department_name": department_name,
        "page": page,
        "rows": rows,
        "page_query": _query(request),
        "back_url": reverse("petitions:stats_dashboard")
        + _query(request, light=None, department=None),
        "current_organization": scope.organization,
        "crumbs": [
            (
                _("민원 처리 현황판"),
                reverse("petitions:stats_dashboard") + _query(request, light=None),
            ),
            (LIGHT_LABELS[light], ""),
        ],
    }
    return render(request, "petitions/stats/dashboard_list.html", context)


@manager_page
def dashboard_delay_csv(request: HttpRequest, scope: stats.Scope) -> HttpResponse:
    """The delay table: one row per department and month (late, total, rate). Aggregates only."""
    now = _now()
    qs = stats.narrowed(scope, _department_choice(request, scope))
    delay = stats.delay_by_department_month(qs, now)
    names = _department_names(scope, set(delay["by_department"]))
    rows: list[list[Any]] = [
        [_("부서"), _("월(기한 기준)"), _("지연"), _("대상 건수"), _("지연율(%)")]
    ]
    for pk in _ordered_departments(scope, set(delay["by_department"]), names):
        for key in delay["months"]:
            late, total = delay["cells"].get((pk, key), (0, 0))
            if total:
                rate = stats.rate(late, total)
                rows.append([names.get(pk, "?"), f"{key[0]}-{key[1]:02d}", late, total, rate])
    for key in delay["months"]:
        late, total = delay["by_month"][key]
        if total:
            rate = stats.rate(late, total)
            rows.append([_("합계"), f"{key[0]}-{key[1]:02d}", late, total, rate])
    stamp = timezone.localtime(now, stats.SEOUL).strftime("%Y%m%d")
    return _csv_response(rows, f"petitions-delay-{scope.organization.code}-{stamp}.csv")


# --- the public statistics page ------------------------------------------------------------------


def _public_organization(request: HttpRequest) -> tuple[Organization, list[Organization]]:
    """The organisation of the page (`?org=code`): by default the staff member's own, else the
    first that has petition boards."""
    choices = list(
        Organization.objects.filter(petition_boards__isnull=False)
        .distinct()
        .order_by("kind", "name")
    )
    if not choices and not request.GET.get("org") and permissions.staff_of(request.user) is None:
        raise Http404(_("민원 통계를 낼 기관이 없습니다."))
    organization = picked_organization(request.GET.get("org", ""), user=request.user, among=choices)
    return organization, choices


def public_stats(request: HttpRequest) -> HttpResponse:
    organization, choices = _public_organization(request)
    table = stats.category_year_table(organization)
    took = stats.processing_percentiles(stats.public_petitions(organization), by_year=True)
    years = table.years
    year_chart = bar_chart(
        [
            (_("%(year)d년") % {"year": year}, n)
            for year, n in zip(years, table.totals, strict=True)
        ],
        key="years",
        title=_("연도별 민원 건수"),
        unit=_("건"),
    )
    latest = years[-1] if years else None
    category_chart = (
        bar_chart(
            [(name, per_year[-1]) for name, per_year, _total in table.rows],
            key="categories",
            title=_("%(year)d년 분야별 민원 건수") % {"year": latest},
            unit=_("건"),
        )
        if latest
        else None
    )
    took_rows = [
        {
            "year": year,
            "count": took[year].count,
            "values": [(took[year].hours[p], took[year].days(p)) for p in stats.PERCENTILES],
        }
        for year in sorted(took)
    ]
    query = "?" + urlencode({"org": organization.code})
    context = {
        "organization": organization,
        "choices": choices,
        "table": table,
        "year_chart": year_chart,
        "category_chart": category_chart,
        "latest": latest,
        "percentiles": stats.PERCENTILES,
        "took_rows": took_rows,
        "csv_url": reverse("petitions:stats_csv") + query,
        "processing_csv_url": reverse("petitions:stats_processing_csv") + query,
        "current_organization": organization,
        "crumbs": [(_("민원 통계"), "")],
    }
    return render(request, "petitions/stats/public.html", context)


def public_stats_csv(request: HttpRequest) -> HttpResponse:
    """Count by category (rows) and year (columns) with totals, as on the page."""
    organization, _choices = _public_organization(request)
    table = stats.category_year_table(organization)
    rows: list[list[Any]] = [[_("분야"), *[str(year) for year in table.years], _("합계")]]
    for name, per_year, total in table.rows:
        rows.append([name, *per_year, total])
    rows.append([_("합계"), *table.totals, table.total])
    return _csv_response(rows, f"petitions-{organization.code}-by-category-year.csv")


def public_processing_csv(request: HttpRequest) -> HttpResponse:
    """Processing-time percentiles by year of receipt, in hours (wall-clock)."""
    organization, _choices = _public_organization(request)
    took = stats.processing_percentiles(stats.public_petitions(organization), by_year=True)
    header = [_("접수 연도"), _("답변 건수")]
    header += [_("%(p)d백분위(시간)") % {"p": p} for p in stats.PERCENTILES]
    rows: list[list[Any]] = [header]
    for year in sorted(took):
        rows.append([year, took[year].count, *[took[year].hours[p] for p in stats.PERCENTILES]])
    return _csv_response(rows, f"petitions-{organization.code}-processing-time.csv")


urlpatterns = [
    path("staff/dashboard", dashboard, name="stats_dashboard"),
    path("staff/dashboard/list", dashboard_list, name="stats_dashboard_list"),
    path("staff/dashboard/delay.csv", dashboard_delay_csv, name="stats_dashboard_delay_csv"),
    path("stats", public_stats, name="stats"),
    path("stats.csv", public_stats_csv, name="stats_csv"),
    path("stats/processing.csv", public_processing_csv, name="stats_processing_csv"),
]
