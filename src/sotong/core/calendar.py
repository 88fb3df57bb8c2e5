"""Working days, working hours and legal deadlines for a Korean public office.

Every deadline in sotong is computed here and nowhere else (ARCHITECTURE.md, "Time"). The module
is pure: no database, no clock. Datetimes must be timezone-aware; they may come in any zone (the
database hands out UTC) and always come out in Asia/Seoul. The rules, with the articles they come
from and worked examples, are in calendar_README.md next to this file.

Legal periods and deadlines are here; the working-day and working-hour arithmetic they count with
is in `calendar_time.py`, whose public names this module re-exports: import from here.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .calendar_time import (
    _MICROS_PER_HOUR,
    _ONE_DAY,
    DEFAULT_OFFICE_HOURS,
    DISCLOSURE_DECISION_DAYS,
    DISCLOSURE_EXTENSION_DAYS,
    HOURS_PER_LEGAL_DAY,
    HOURS_RULE_MAX_DAYS,
    IMMEDIATE_HOURS,
    SEOUL,
    ClosedDays,
    OfficeHours,
    _add_micros,
    _add_working_days,
    _closed_set,
    _next_working_moment,
    _whole_number,
    _working_day_on_or_after,
    _working_micros,
    add_working_days,
    add_working_hours,
    holiday_name,
    is_public_holiday,
    is_working_day,
    is_working_moment,
    next_working_day,
    next_working_moment,
    to_seoul,
    working_hours_between,
    working_time_between,
)

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "DISCLOSURE_DECISION_DAYS",
    "DISCLOSURE_EXTENSION_DAYS",
    "HOURS_PER_LEGAL_DAY",
    "HOURS_RULE_MAX_DAYS",
    "IMMEDIATE_HOURS",
    "SEOUL",
    "CountingRule",
    "OfficeHours",
    "Period",
    "PeriodUnit",
    "add_working_days",
    "add_working_hours",
    "disclosure_due",
    "holiday_name",
    "is_public_holiday",
    "is_working_day",
    "is_working_moment",
    "next_working_day",
    "next_working_moment",
    "period_elapsed_fraction",
    "petition_due",
    "to_seoul",
    "working_hours_between",
    "working_time_between",
]


# --------------------------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------------------------


class PeriodUnit(enum.StrEnum):
    IMMEDIATE = "immediate"
    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    YEARS = "years"


class CountingRule(enum.StrEnum):
    """How a period is counted under 민원처리법 제19조."""

    WORKING_HOURS = "working_hours"  # ① 5일 이하, 즉시, and periods given in hours
    WORKING_DAYS = "working_days"  # ② 6일 이상
    CALENDAR = "calendar"  # ③ 주·월·연 (민법 제159조–제161조)


_UNIT_LABELS = {
    PeriodUnit.HOURS: "시간",
    PeriodUnit.DAYS: "일",
    PeriodUnit.WEEKS: "주",
    PeriodUnit.MONTHS: "개월",
    PeriodUnit.YEARS: "년",
}
_PARSE_UNITS = {
    "시간": PeriodUnit.HOURS,
    "일": PeriodUnit.DAYS,
    "주": PeriodUnit.WEEKS,
    "주일": PeriodUnit.WEEKS,
    "개월": PeriodUnit.MONTHS,
    "달": PeriodUnit.MONTHS,
    "년": PeriodUnit.YEARS,
}
_PERIOD_RE = re.compile(r"^\s*(\d+)\s*(시간|일|주일|주|개월|달|년)\s*(?:이내)?\s*$")


@dataclass(frozen=True, slots=True)
class Period:
    """A processing period as a law or the 민원처리기준표 states it: "즉시", "3일", "2주", "1개월".

    ``Period(amount, unit)``; "즉시" has amount 0. Store ``amount`` and ``unit`` (a string) in the
    database and rebuild with ``Period(amount, PeriodUnit(unit))``.
    """

    amount: int
    unit: PeriodUnit

    def __post_init__(self) -> None:
        unit = PeriodUnit(self.unit)
        object.__setattr__(self, "unit", unit)
        amount = _whole_number(self.amount, "기간")
        if unit is PeriodUnit.IMMEDIATE and amount != 0:
            raise ValueError("'즉시' 기간의 양은 0이어야 합니다.")
        if unit is not PeriodUnit.IMMEDIATE and amount < 1:
            raise ValueError(f"처리기간은 1 이상이어야 합니다: {amount}")

    @classmethod
    def immediate(cls) -> Period:
        return cls(0, PeriodUnit.IMMEDIATE)

    @classmethod
    def hours(cls, amount: int) -> Period:
        return cls(amount, PeriodUnit.HOURS)

    @classmethod
    def days(cls, amount: int) -> Period:
        return cls(amount, PeriodUnit.DAYS)

    @classmethod
    def weeks(cls, amount: int) -> Period:
        return cls(amount, PeriodUnit.WEEKS)

    @classmethod
    def months(cls, amount: int) -> Period:
        return cls(amount, PeriodUnit.MONTHS)

    @classmethod
    def years(cls, amount: int) -> Period:
        return cls(amount, PeriodUnit.YEARS)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read a period as Korean documents write it: "즉시", "3시간", "14일", "2주", "1개월"."""
        if text.strip() == "즉시":
            return cls.immediate()
        match = _PERIOD_RE.match(text)
        if match is None:
            raise ValueError(f"처리기간을 읽을 수 없습니다: {text!r} (예: 즉시, 3일, 2주, 1개월)")
        return cls(int(match.group(1)), _PARSE_UNITS[match.group(2)])

    def __str__(self) -> str:
        if self.unit is PeriodUnit.IMMEDIATE:
            return "즉시"
        return f"{self.amount}{_UNIT_LABELS[self.unit]}"

    @property
    def rule(self) -> CountingRule:
        if self.unit in (PeriodUnit.IMMEDIATE, PeriodUnit.HOURS):
            return CountingRule.WORKING_HOURS
        if self.unit is PeriodUnit.DAYS:
            if self.amount <= HOURS_RULE_MAX_DAYS:
                return CountingRule.WORKING_HOURS
            return CountingRule.WORKING_DAYS
        return CountingRule.CALENDAR

    @property
    def working_hours(self) -> int | None:
        """Length in working hours when counted in hours ("3일" → 24), else None."""
        if self.unit is PeriodUnit.IMMEDIATE:
            return IMMEDIATE_HOURS
        if self.unit is PeriodUnit.HOURS:
            return self.amount
        if self.rule is CountingRule.WORKING_HOURS:
            return self.amount * HOURS_PER_LEGAL_DAY
        return None

    def due(
        self,
        received_at: datetime,
        *,
        closed: ClosedDays = frozenset(),
        office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
    ) -> datetime:
        """Shorthand for ``petition_due(received_at, period=self, ...)``."""
        return petition_due(received_at, period=self, closed=closed, office_hours=office_hours)


# --------------------------------------------------------------------------------------------
# 민원처리법 제19조
# --------------------------------------------------------------------------------------------


def _close_of(day: date, office: OfficeHours) -> datetime:
    return datetime.combine(day, office.closes, tzinfo=SEOUL)


def _add_months(start: date, months: int) -> date | None:
    """The day in the month ``months`` after ``start`` with the same number, or None if that
    month has no such day (31 → April, 29 → February of a common year)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    try:
        return date(year, month + 1, start.day)
    except ValueError:
        return None


def _last_day_of_month_after(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months + 1
    year, month = divmod(index, 12)
    return date(year, month + 1, 1) - _ONE_DAY


def _calendar_period_end(first_day: date, period: Period) -> date:
    """Last day of a week/month/year period whose first day counts (민원처리법 제19조③).

    민법 제160조②: counting does not start at the beginning of a week, month or year, so the
    period ends on the day before the day that corresponds to the first day in the last
    week/month/year; ③: when the last month has no such day, it ends on that month's last day.
    """
    if period.unit is PeriodUnit.WEEKS:
        return first_day + timedelta(weeks=period.amount) - _ONE_DAY
    months = period.amount * (12 if period.unit is PeriodUnit.YEARS else 1)
    corresponding = _add_months(first_day, months)
    if corresponding is None:
        return _last_day_of_month_after(first_day, months)
    return corresponding - _ONE_DAY


def _petition_due(
    received_at: datetime, period: Period, closed: frozenset[date], office: OfficeHours
) -> datetime:
    hours = period.working_hours
    if hours is not None:
        # 제19조①: hours from the moment of receipt; after hours, from the next opening.
        return _add_micros(received_at, hours * _MICROS_PER_HOUR, closed, office)
    # A receipt after closing, or on a day off, is counted as received at the next opening, the
    # same moment from which the hours rule starts counting; so the first day is a working day.
    first_day = _next_working_moment(received_at, closed, office).date()
    if period.rule is CountingRule.WORKING_DAYS:
        # 제19조②: the first day counts as day 1; Saturdays and public holidays do not count.
        return _close_of(_add_working_days(first_day, period.amount - 1, closed), office)
    # 제19조③ with 민법 제161조: a last day on a Saturday or public holiday moves to the next day
    # (repeatedly, until it is a working day).
    last_day = _calendar_period_end(first_day, period)
    return _close_of(_working_day_on_or_after(last_day, closed), office)


def petition_due(
    received_at: datetime,
    *,
    period_days: int | None = None,
    immediate: bool = False,
    period: Period | None = None,
    closed: ClosedDays = frozenset(),
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> datetime:
    """Deadline of a petition (민원) received at ``received_at``, by 민원처리법 제19조.

    Give exactly one of ``period_days`` (a period in days, e.g. 7 for "7일"), ``immediate=True``
    ("즉시", 3 working hours) or ``period`` (any :class:`Period`, e.g. ``Period.months(1)``).

    - up to 5 days: 8 working hours a day counted from the moment of receipt;
    - 6 days or more: working days, the day of receipt being day 1, ending at closing time;
    - weeks, months, years: calendar counting from the day of receipt, ending at closing time
      of the last day, moved to the next working day if that is a day off.
    """
    chosen = sum((period_days is not None, bool(immediate), period is not None))
    if chosen != 1:
        raise ValueError("period_days, immediate, period 중 정확히 하나를 지정하세요.")
    if immediate:
        period = Period.immediate()
    elif period_days is not None:
        period = Period.days(_whole_number(period_days, "period_days"))
    assert period is not None
    return _petition_due(to_seoul(received_at), period, _closed_set(closed), office_hours)


# --------------------------------------------------------------------------------------------
# 정보공개법 제11조
# --------------------------------------------------------------------------------------------


def disclosure_due(
    received_at: datetime,
    *,
    extended: bool = False,
    closed: ClosedDays = frozenset(),
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> datetime:
    """Deadline for deciding an information disclosure request (정보공개 청구).

    정보공개법 제11조①: decide within 10 days of receipt. The day of receipt is not counted
    (민법 제157조, applied through 행정기본법 제6조①) and, as the 행정안전부 정보공개 운영안내서
    and open.go.kr count it, Saturdays and public holidays are not counted either; so the
    deadline is closing time of the 10th working day after the day of receipt.
    제11조②: one extension of 10 days counted from the day after the original deadline, i.e.
    the 10th working day after it.
    """
    closed_days = _closed_set(closed)
    received_day = to_seoul(received_at).date()
    last_day = _add_working_days(received_day, DISCLOSURE_DECISION_DAYS, closed_days)
    if extended:
        last_day = _add_working_days(last_day, DISCLOSURE_EXTENSION_DAYS, closed_days)
    return _close_of(last_day, office_hours)


# --------------------------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------------------------


def period_elapsed_fraction(
    start: datetime,
    due: datetime,
    now: datetime,
    *,
    closed: ClosedDays = frozenset(),
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> float:
    """Share of the period from ``start`` to ``due`` used by ``now``, in working time.

    0.0 before ``start``; 0.5 half-way; above 1.0 once more working time than the period allowed
    has passed. Not capped, so a traffic light can tell "a little late" from "very late"; test
    lateness itself with ``now > due`` (after a Friday 18:00 deadline the fraction stays 1.0
    over the weekend).
    """
    closed_days = _closed_set(closed)
    start_l, due_l, now_l = to_seoul(start), to_seoul(due), to_seoul(now)
    if due_l < start_l:
        raise ValueError("기한(due)이 시작(start)보다 앞설 수 없습니다.")
    if now_l <= start_l:
        return 0.0
    total = _working_micros(start_l, due_l, closed_days, office_hours)
    used = _working_micros(start_l, now_l, closed_days, office_hours)
    if total == 0:
        return 1.0 if now_l >= due_l else 0.0
    return used / total
