"""Processing periods and deadlines of petitions. Every date comes from `core.calendar`
(민원처리법 제19조 counting, public holidays); this module only chooses the period.

- `period_for(organization, kind)`: the organisation's KindPolicy, else `DEFAULT_PERIODS`.
- `due_for(received_at, period)`: the legal deadline.
- `extended_due(due_at, period)`: one extension runs the same period again from the old
  deadline (민원처리법 시행령 제21조: 처리기간의 연장은 한 차례, 그 기간 범위에서).
- A transferred petition (이송) leaves our counts: the receiving organisation's period runs
  from its own receipt (민원처리법 제16조, 시행령 제16조), so nothing is computed here for it.
- `closed_days(organization_id)`: the organisation's own closing days (org.ClosingDay), which
  the deadline counts like public holidays. Every intake asks, the Open311 fast path too, so
  they are kept per process for `CLOSED_DAYS_TTL` seconds (`org.closing_days`, re-exported
  here): a day added or removed reaches this process at once and every other worker within
  the TTL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sotong.core.calendar import Period, period_elapsed_fraction, petition_due
from sotong.org.closing_days import CLOSED_DAYS_TTL as CLOSED_DAYS_TTL
from sotong.org.closing_days import closed_days as closed_days
from sotong.org.closing_days import closed_days_clear as closed_days_clear

from .models import Kind, KindPolicy

# Default processing periods when an organisation has not set a KindPolicy. From the
# 민원 처리에 관한 법률 시행령 (check law.go.kr before quoting an article to a resident):
# - 질의민원 (inquiry): 제도·절차 등 법령 외 사항의 질의는 7일 (제14조②; a question on the
#   interpretation of a statute may take 14일 under 제14조① — set a KindPolicy for that);
# - 건의민원 (suggestion): 14일 (제15조);
# - 고충민원 (grievance): 7일 (제17조; 현지조사가 필요하면 연장);
# - 신고·상담·기타: 기타민원은 즉시 (제16조) — in practice a report or consultation received on
#   a board needs a look on site or a call back, so 응답소 boards handle them within 7일, which
#   we take as the default; an organisation that answers them immediately sets "즉시".
DEFAULT_PERIODS: dict[str, str] = {
    Kind.INQUIRY: "7일",
    Kind.SUGGESTION: "14일",
    Kind.GRIEVANCE: "7일",
    Kind.REPORT: "7일",
    Kind.CONSULTATION: "7일",
    Kind.OTHER: "7일",
}

# The traffic light turns at_risk when less than this share of the period is left.
AT_RISK_REMAINING = 0.2


def period_text_for(organization_id: int, kind: str) -> str:
    policy = (
        KindPolicy.objects.filter(organization_id=organization_id, kind=kind).only("period").first()
    )
    if policy is not None and policy.period:
        return policy.period
    return DEFAULT_PERIODS.get(kind, "7일")


def period_for(organization_id: int, kind: str) -> Period:
    return Period.parse(period_text_for(organization_id, kind))


def due_for(
    received_at: datetime, period: Period | str, *, closed: Iterable[date] = frozenset()
) -> datetime:
    if isinstance(period, str):
        period = Period.parse(period)
    return petition_due(received_at, period=period, closed=closed)


def extended_due(
    due_at: datetime, period: Period | str, *, closed: Iterable[date] = frozenset()
) -> datetime:
    """The deadline after the one extension: the same period again, counted from the old
    deadline (a deadline at closing time counts from the next opening)."""
    return due_for(due_at, period, closed=closed)


def elapsed_fraction(
    received_at: datetime, due_at: datetime, now: datetime, *, closed: Iterable[date] = ()
) -> float:
    """Working time used of the period (0.0 … 1.0 at the deadline, more after it)."""
    if due_at < received_at:
        return 1.0 if now >= due_at else 0.0
    return period_elapsed_fraction(received_at, due_at, now, closed=closed)


__all__ = [
    "AT_RISK_REMAINING",
    "CLOSED_DAYS_TTL",
    "DEFAULT_PERIODS",
    "closed_days",
    "closed_days_clear",
    "due_for",
    "elapsed_fraction",
    "extended_due",
    "period_for",
    "period_text_for",
]
