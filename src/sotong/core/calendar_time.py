"""Working days and working hours of a Korean public office: public holidays (`holidays`), an
organisation's own closing days, office hours, and arithmetic over them. The legal periods and
deadlines built on this are in `calendar.py`, which also re-exports every public name here:
callers import from `sotong.core.calendar`. Pure: no database, no clock (calendar_README.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TypeAlias
from zoneinfo import ZoneInfo

import holidays

SEOUL = ZoneInfo("Asia/Seoul")

# 민원처리법 제19조①: "1일은 8시간의 근무시간을 기준으로 한다" — fixed by law, independent of the
# office hours an organisation keeps.
HOURS_PER_LEGAL_DAY = 8
# 민원처리법 제19조①/②: 5일 이하 → hours, 6일 이상 → days.
HOURS_RULE_MAX_DAYS = 5
# "즉시" = 3 working hours (see calendar_README.md for the source of this figure).
IMMEDIATE_HOURS = 3
# 정보공개법 제11조①·②.
DISCLOSURE_DECISION_DAYS = 10
DISCLOSURE_EXTENSION_DAYS = 10

_MICROS_PER_HOUR = 3_600_000_000
_ONE_DAY = timedelta(days=1)

# Any iterable of dates (a set from the organisation's closed-days table, a list, ...).
ClosedDays: TypeAlias = Iterable[date]


# --------------------------------------------------------------------------------------------
# Office hours
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """The hours an office counts as working time on a working day.

    Defaults follow 국가공무원 복무규정 제9조 and 지방공무원 복무규정 제2조: 09:00–18:00 with the
    12:00–13:00 lunch break, i.e. 8 working hours. Set ``lunch_start == lunch_end`` for no break.
    """

    opens: time = time(9, 0)
    closes: time = time(18, 0)
    lunch_start: time = time(12, 0)
    lunch_end: time = time(13, 0)

    def __post_init__(self) -> None:
        for name in ("opens", "closes", "lunch_start", "lunch_end"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(
                    f"근무시간 {name}은(는) 시간대 없는 time 값이어야 합니다: {value!r}"
                )
        if not self.opens < self.closes:
            raise ValueError("근무 시작 시각은 종료 시각보다 빨라야 합니다.")
        if not self.opens <= self.lunch_start <= self.lunch_end <= self.closes:
            raise ValueError("점심시간은 근무시간 안에 있어야 하고 시작이 끝보다 늦을 수 없습니다.")

    def sessions(self) -> tuple[tuple[time, time], ...]:
        """The working intervals of one day, in order, without empty ones."""
        pairs = ((self.opens, self.lunch_start), (self.lunch_end, self.closes))
        return tuple((a, b) for a, b in pairs if a < b)

    @property
    def daily_hours(self) -> float:
        return sum(_seconds(b) - _seconds(a) for a, b in self.sessions()) / 3600


DEFAULT_OFFICE_HOURS = OfficeHours()


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


# --------------------------------------------------------------------------------------------
# Input checking
# --------------------------------------------------------------------------------------------


def to_seoul(dt: datetime) -> datetime:
    """Return ``dt`` in Asia/Seoul; refuse a naive datetime instead of guessing its zone."""
    if not isinstance(dt, datetime):
        raise TypeError(f"datetime이 필요합니다: {dt!r}")
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise ValueError(
            f"시간대 정보가 없는 datetime(naive)은 받을 수 없습니다: {dt.isoformat()} — "
            "timezone-aware datetime(예: Asia/Seoul 또는 UTC)을 넘기세요."
        )
    return dt.astimezone(SEOUL)


def _as_date(day: date, what: str = "날짜") -> date:
    # datetime is a subclass of date; letting one through would silently compare unequal to
    # every holiday, so a datetime is a caller error here.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"{what}에는 date 값이 필요합니다(datetime이 아님): {day!r}")
    return day


def _closed_set(closed: ClosedDays) -> frozenset[date]:
    return frozenset(_as_date(d, "휴무일(closed)") for d in closed)


def _whole_number(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what}은(는) 정수여야 합니다: {value!r}")
    return value


def _micros(hours: float | int | Decimal | timedelta) -> int:
    if isinstance(hours, timedelta):
        micros = hours // timedelta(microseconds=1)
    elif isinstance(hours, bool) or not isinstance(hours, int | float | Decimal):
        raise TypeError(f"근무시간 수는 숫자나 timedelta여야 합니다: {hours!r}")
    else:
        if not math.isfinite(hours):
            raise ValueError(f"근무시간 수가 올바르지 않습니다: {hours!r}")
        micros = round(Decimal(str(hours)) * _MICROS_PER_HOUR)
    if micros < 0:
        raise ValueError(f"근무시간 수는 0 이상이어야 합니다: {hours!r}")
    return int(micros)


# --------------------------------------------------------------------------------------------
# Days
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> dict[date, str]:
    # The "public" category of holidays.KR follows 관공서의 공휴일에 관한 규정: national holidays,
    # 설날·추석 three days, 대체공휴일, election days and the 임시공휴일 declared so far. A fresh
    # read-only dict per year keeps lookups thread-safe (a shared holidays object grows on lookup).
    return dict(holidays.country_holidays("KR", years=year, language="ko"))


def is_public_holiday(day: date) -> bool:
    """True on a public holiday of 관공서의 공휴일에 관한 규정 (Sundays only if also a holiday)."""
    day = _as_date(day)
    return day in _public_holidays(day.year)


def holiday_name(day: date) -> str | None:
    """Korean name of the public holiday on ``day`` (e.g. "추석"), or None."""
    day = _as_date(day)
    return _public_holidays(day.year).get(day)


def _is_working_day(day: date, closed: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in closed and day not in _public_holidays(day.year)


def is_working_day(day: date, *, closed: ClosedDays = frozenset()) -> bool:
    """True if ``day`` is a weekday that is neither a public holiday nor one of ``closed``.

    ``closed`` holds an organisation's own closed days (e.g. a local temporary holiday).
    """
    return _is_working_day(_as_date(day), _closed_set(closed))


def _working_day_on_or_after(day: date, closed: frozenset[date]) -> date:
    while not _is_working_day(day, closed):
        day += _ONE_DAY
    return day


def next_working_day(day: date, *, closed: ClosedDays = frozenset()) -> date:
    """The first working day strictly after ``day``."""
    return _working_day_on_or_after(_as_date(day) + _ONE_DAY, _closed_set(closed))


def _add_working_days(start: date, days: int, closed: frozenset[date]) -> date:
    if days == 0:
        return _working_day_on_or_after(start, closed)
    step = _ONE_DAY if days > 0 else -_ONE_DAY
    remaining = abs(days)
    day = start
    while remaining:
        day += step
        if _is_working_day(day, closed):
            remaining -= 1
    return day


def add_working_days(start_date: date, days: int, *, closed: ClosedDays = frozenset()) -> date:
    """The ``days``-th working day after ``start_date``, which itself is not counted.

    Negative ``days`` count backwards (the ``|days|``-th working day before). ``days == 0`` gives
    the first working day on or after ``start_date``.
    """
    return _add_working_days(
        _as_date(start_date, "start_date"), _whole_number(days, "days"), _closed_set(closed)
    )


# --------------------------------------------------------------------------------------------
# Hours
# --------------------------------------------------------------------------------------------


def _sessions_on(day: date, office: OfficeHours) -> list[tuple[datetime, datetime]]:
    return [
        (datetime.combine(day, a, tzinfo=SEOUL), datetime.combine(day, b, tzinfo=SEOUL))
        for a, b in office.sessions()
    ]


def _next_working_moment(dt: datetime, closed: frozenset[date], office: OfficeHours) -> datetime:
    day = dt.date()
    while True:
        if _is_working_day(day, closed):
            for begin, end in _sessions_on(day, office):
                if dt < end:
                    return max(dt, begin)
        day = _working_day_on_or_after(day + _ONE_DAY, closed)
        dt = datetime.combine(day, time.min, tzinfo=SEOUL)


def is_working_moment(
    dt: datetime,
    *,
    closed: ClosedDays = frozenset(),
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> bool:
    """True if ``dt`` lies inside office hours of a working day (opening inclusive, closing and
    the start of lunch exclusive)."""
    local = to_seoul(dt)
    return _next_working_moment(local, _closed_set(closed), office_hours) == local


def next_working_moment(
    dt: datetime,
    *,
    closed: ClosedDays = frozenset(),
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> datetime:
    """``dt`` itself if it lies inside working time, else the next opening (after lunch, the next
    morning, or the morning of the next working day). This is when counting starts for a petition
    received at ``dt``."""
    return _next_working_moment(to_seoul(dt), _closed_set(closed), office_hours)


def _add_micros(
    start: datetime, micros: int, closed: frozenset[date], office: OfficeHours
) -> datetime:
    moment = _next_working_moment(start, closed, office)
    if micros == 0:
        return moment
    remaining = timedelta(microseconds=micros)
    day = moment.date()
    while True:
        for begin, end in _sessions_on(day, office):
            if moment >= end:
                continue
            begin = max(begin, moment)
            available = end - begin
            # "<=": the deadline is the moment the hours run out, so an interval that ends
            # exactly at 12:00 or 18:00 ends there rather than at the next opening.
            if remaining <= available:
                return begin + remaining
            remaining -= available
        day = _working_day_on_or_after(day + _ONE_DAY, closed)
        moment = datetime.combine(day, time.min, tzinfo=SEOUL)


def add_working_hours(
    start: datetime,
    hours: float | int | Decimal | timedelta,
    *,
    closed: ClosedDays = frozenset(),
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> datetime:
    """The earliest moment at which ``hours`` working hours have passed since ``start``.

    Only office hours of working days count; a ``start`` outside them counts from the next
    opening. ``hours == 0`` gives that next opening (or ``start`` if it is inside working time).
    """
    return _add_micros(to_seoul(start), _micros(hours), _closed_set(closed), office_hours)


def _working_micros(
    start: datetime, end: datetime, closed: frozenset[date], office: OfficeHours
) -> int:
    if end < start:
        return -_working_micros(end, start, closed, office)
    total = timedelta(0)
    day = start.date()
    last = end.date()
    while day <= last:
        if _is_working_day(day, closed):
            for begin, stop in _sessions_on(day, office):
                overlap = min(stop, end) - max(begin, start)
                if overlap > timedelta(0):
                    total += overlap
        day += _ONE_DAY
    return total // timedelta(microseconds=1)


def working_time_between(
    start: datetime,
    end: datetime,
    *,
    closed: ClosedDays = frozenset(),
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> timedelta:
    """Working time between two moments, exact; negative when ``end`` is before ``start``."""
    micros = _working_micros(to_seoul(start), to_seoul(end), _closed_set(closed), office_hours)
    return timedelta(microseconds=micros)


def working_hours_between(
    start: datetime,
    end: datetime,
    *,
    closed: ClosedDays = frozenset(),
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> float:
    """Working hours between two moments as a float; negative when ``end`` is before ``start``."""
    micros = _working_micros(to_seoul(start), to_seoul(end), _closed_set(closed), office_hours)
    return micros / _MICROS_PER_HOUR
