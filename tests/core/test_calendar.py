"""Tests of sotong.core.calendar against worked examples on the real 2025/2026 calendars.

Each worked example writes the counting out in a comment so that a reader can check it against a
paper calendar. Useful dates:
  2025: 01-27 임시공휴일, 01-28..30 설날, 03-03 삼일절 대체, 05-05 어린이날·부처님오신날,
        05-06 대체공휴일, 06-03 대통령 선거일, 06-06 현충일, 10-03 개천절, 10-05..07 추석,
        10-08 추석 대체공휴일, 10-09 한글날, 12-25 성탄절
  2026: 01-01 신정, 02-16..18 설날, 03-02 삼일절 대체, 05-05 어린이날, 05-25 부처님오신날 대체,
        06-03 지방선거일, 08-17 광복절 대체, 10-05 개천절 대체
"""

from calendar import monthrange
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sotong.core.calendar import (
    DEFAULT_OFFICE_HOURS,
    SEOUL,
    CountingRule,
    OfficeHours,
    Period,
    PeriodUnit,
    add_working_days,
    add_working_hours,
    disclosure_due,
    holiday_name,
    is_public_holiday,
    is_working_day,
    is_working_moment,
    next_working_day,
    next_working_moment,
    period_elapsed_fraction,
    petition_due,
    to_seoul,
    working_hours_between,
    working_time_between,
)


def kst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SEOUL)


# ---------------------------------------------------------------------------------------------
# Working days and public holidays
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 2, 16),  # 설날 전날
        date(2026, 2, 17),  # 설날
        date(2026, 2, 18),  # 설날 다음날
        date(2025, 10, 3),  # 개천절
        date(2025, 10, 6),  # 추석
        date(2025, 10, 7),  # 추석 다음날
        date(2025, 10, 8),  # 추석 대체공휴일 (전날 10-05가 일요일)
        date(2025, 10, 9),  # 한글날
        date(2025, 5, 5),  # 어린이날과 부처님오신날이 겹침
        date(2025, 5, 6),  # 그 대체공휴일
        date(2026, 5, 25),  # 부처님오신날(5-24, 일) 대체
        date(2025, 1, 27),  # 임시공휴일
        date(2025, 6, 3),  # 제21대 대통령 선거일
        date(2026, 6, 3),  # 제9회 전국동시지방선거일
        date(2026, 3, 2),  # 삼일절(일) 대체
        date(2025, 12, 25),
        date(2026, 1, 1),
    ],
)
def test_public_holidays_are_not_working_days(day):
    assert is_public_holiday(day)
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 10, 1),  # 국군의 날: 2024년만 임시공휴일이었고 2025년은 근무일
        date(2025, 10, 2),  # 추석 연휴 직전 목요일
        date(2025, 10, 10),  # 한글날 다음 금요일 (임시공휴일로 지정되지 않음)
        date(2025, 12, 31),
        date(2026, 1, 2),
        date(2026, 2, 19),  # 설 연휴 다음 날
        date(2026, 6, 4),
    ],
)
def test_ordinary_weekdays_are_working_days(day):
    assert not is_public_holiday(day)
    assert is_working_day(day)


def test_saturday_and_sunday_are_not_working_days_nor_public_holidays():
    saturday, sunday = date(2025, 11, 8), date(2025, 11, 9)
    assert not is_working_day(saturday)
    assert not is_working_day(sunday)
    assert not is_public_holiday(saturday)


def test_holiday_names_are_korean():
    assert holiday_name(date(2025, 10, 8)) == "추석 대체 휴일"
    assert holiday_name(date(2026, 6, 3)) == "지방선거일"
    assert holiday_name(date(2025, 1, 27)) == "임시공휴일"
    assert holiday_name(date(2025, 10, 10)) is None


def test_closed_days_of_an_organisation_are_not_working_days():
    local_holiday = date(2025, 10, 10)  # e.g. a district's own temporary closing
    assert is_working_day(local_holiday)
    assert not is_working_day(local_holiday, closed={local_holiday})
    assert not is_working_day(local_holiday, closed=[local_holiday])


def test_closed_days_must_be_dates_not_datetimes():
    with pytest.raises(TypeError):
        is_working_day(date(2025, 10, 10), closed={kst(2025, 10, 10)})


def test_is_working_day_rejects_a_datetime():
    with pytest.raises(TypeError):
        is_working_day(kst(2025, 10, 10, 10))


def test_next_working_day_skips_the_lunar_new_year():
    # Fri 2026-02-13 → Sat, Sun, 설 16·17·18 → Thu 2026-02-19
    assert next_working_day(date(2026, 2, 13)) == date(2026, 2, 19)


def test_add_working_days_across_new_year():
    # 2025-12-31 (Wed) + 1: 2026-01-01 신정 → Fri 2026-01-02
    assert add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 2)
    # + 2: Sat 01-03, Sun 01-04 → Mon 2026-01-05
    assert add_working_days(date(2025, 12, 31), 2) == date(2026, 1, 5)


def test_add_working_days_across_chuseok_and_backwards():
    # Thu 2025-10-02 + 1: 10-03 개천절, weekend, 10-06..08 추석, 10-09 한글날 → Fri 10-10
    assert add_working_days(date(2025, 10, 2), 1) == date(2025, 10, 10)
    assert add_working_days(date(2025, 10, 10), -1) == date(2025, 10, 2)


def test_add_zero_working_days_gives_the_first_working_day_on_or_after():
    assert add_working_days(date(2025, 11, 5), 0) == date(2025, 11, 5)
    assert add_working_days(date(2025, 11, 8), 0) == date(2025, 11, 10)  # Sat → Mon


def test_add_working_days_honours_closed_days_and_checks_types():
    assert add_working_days(date(2025, 10, 2), 1, closed={date(2025, 10, 10)}) == date(2025, 10, 13)
    with pytest.raises(TypeError):
        add_working_days(date(2025, 10, 2), 1.0)
    with pytest.raises(TypeError):
        add_working_days(date(2025, 10, 2), True)


# ---------------------------------------------------------------------------------------------
# Time zones and naive datetimes
# ---------------------------------------------------------------------------------------------

NAIVE = datetime(2025, 11, 4, 10, 0)
AWARE = kst(2025, 11, 4, 10, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: to_seoul(NAIVE),
        lambda: next_working_moment(NAIVE),
        lambda: is_working_moment(NAIVE),
        lambda: add_working_hours(NAIVE, 3),
        lambda: working_hours_between(NAIVE, AWARE),
        lambda: working_hours_between(AWARE, NAIVE),
        lambda: working_time_between(NAIVE, AWARE),
        lambda: petition_due(NAIVE, period_days=3),
        lambda: petition_due(NAIVE, immediate=True),
        lambda: disclosure_due(NAIVE),
        lambda: period_elapsed_fraction(NAIVE, AWARE, AWARE),
        lambda: Period.days(7).due(NAIVE),
    ],
)
def test_naive_datetimes_are_rejected_with_a_clear_value_error(call):
    with pytest.raises(ValueError, match="naive"):
        call()


def test_utc_input_is_converted_and_output_is_seoul():
    # 2025-11-04 00:30 UTC is 09:30 KST, inside office hours.
    received = datetime(2025, 11, 4, 0, 30, tzinfo=UTC)
    due = add_working_hours(received, 1)
    assert due == kst(2025, 11, 4, 10, 30)
    assert due.tzinfo is SEOUL


# ---------------------------------------------------------------------------------------------
# Office hours and the next working moment
# ---------------------------------------------------------------------------------------------


def test_default_office_hours_make_eight_hours_a_day():
    assert DEFAULT_OFFICE_HOURS.daily_hours == 8
    assert OfficeHours(lunch_start=time(12), lunch_end=time(12)).daily_hours == 9


@pytest.mark.parametrize(
    "kwargs",
    [
        {"opens": time(18), "closes": time(9)},
        {"lunch_start": time(13), "lunch_end": time(12)},
        {"lunch_start": time(8), "lunch_end": time(9)},
        {"opens": datetime(2025, 1, 1, 9)},
    ],
)
def test_inconsistent_office_hours_are_refused(kwargs):
    with pytest.raises(ValueError):
        OfficeHours(**kwargs)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (kst(2025, 11, 4, 10, 15), kst(2025, 11, 4, 10, 15)),  # inside: unchanged
        (kst(2025, 11, 4, 7, 40), kst(2025, 11, 4, 9)),  # early morning → opening
        (kst(2025, 11, 4, 12, 0), kst(2025, 11, 4, 13)),  # lunch → after lunch
        (kst(2025, 11, 4, 12, 59), kst(2025, 11, 4, 13)),
        (kst(2025, 11, 4, 18, 0), kst(2025, 11, 5, 9)),  # closing → next morning
        (kst(2025, 11, 7, 19, 30), kst(2025, 11, 10, 9)),  # Friday evening → Monday
        (kst(2026, 2, 13, 23, 0), kst(2026, 2, 19, 9)),  # eve of 설 → after the holidays
        (kst(2025, 10, 2, 18, 1), kst(2025, 10, 10, 9)),  # eve of 추석 → Fri 10-10
    ],
)
def test_next_working_moment(moment, expected):
    assert next_working_moment(moment) == expected


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (kst(2025, 11, 4, 9, 0), True),
        (kst(2025, 11, 4, 11, 59), True),
        (kst(2025, 11, 4, 12, 0), False),
        (kst(2025, 11, 4, 13, 0), True),
        (kst(2025, 11, 4, 18, 0), False),
        (kst(2025, 11, 8, 10, 0), False),  # Saturday
        (kst(2025, 10, 8, 10, 0), False),  # 추석 대체공휴일
    ],
)
def test_is_working_moment(moment, inside):
    assert is_working_moment(moment) is inside


# ---------------------------------------------------------------------------------------------
# Working hours
# ---------------------------------------------------------------------------------------------


def test_add_working_hours_ending_exactly_at_lunch_or_closing_stays_there():
    # Tue 2025-11-04 09:00 + 3h = 12:00 (not 13:00); + 8h = 18:00 (not the next morning)
    assert add_working_hours(kst(2025, 11, 4, 9), 3) == kst(2025, 11, 4, 12)
    assert add_working_hours(kst(2025, 11, 4, 9), 8) == kst(2025, 11, 4, 18)


def test_add_working_hours_accepts_fractions_and_timedeltas():
    # 11:00 + 1.5h: 11:00–12:00 (1h), lunch, 13:00–13:30 (0.5h)
    assert add_working_hours(kst(2025, 11, 4, 11), 1.5) == kst(2025, 11, 4, 13, 30)
    assert add_working_hours(kst(2025, 11, 4, 11), timedelta(minutes=90)) == kst(
        2025, 11, 4, 13, 30
    )


def test_add_zero_working_hours_gives_the_moment_counting_starts():
    assert add_working_hours(kst(2025, 11, 4, 20), 0) == kst(2025, 11, 5, 9)
    assert add_working_hours(kst(2025, 11, 4, 10), 0) == kst(2025, 11, 4, 10)


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), timedelta(hours=-1)])
def test_add_working_hours_refuses_negative_or_non_finite_amounts(bad):
    with pytest.raises(ValueError):
        add_working_hours(kst(2025, 11, 4, 10), bad)


def test_add_working_hours_refuses_non_numbers():
    with pytest.raises(TypeError):
        add_working_hours(kst(2025, 11, 4, 10), "3")


def test_working_hours_between_full_weeks():
    # Mon 2025-11-03 09:00 → Fri 2025-11-07 18:00: five days × 8h
    assert working_hours_between(kst(2025, 11, 3, 9), kst(2025, 11, 7, 18)) == 40
    # The 설 week 2026: Mon–Wed are holidays, only Thu and Fri count
    assert working_hours_between(kst(2026, 2, 16, 9), kst(2026, 2, 20, 18)) == 16


def test_working_hours_between_across_new_year_and_reversed():
    # Wed 2025-12-31 17:00–18:00 (1h), 01-01 신정, Fri 2026-01-02 09:00–10:00 (1h)
    start, end = kst(2025, 12, 31, 17), kst(2026, 1, 2, 10)
    assert working_hours_between(start, end) == 2
    assert working_hours_between(end, start) == -2
    assert working_time_between(start, end) == timedelta(hours=2)


def test_working_hours_between_ignores_lunch_and_nights():
    # Tue 11:30 → Wed 09:30: 11:30–12:00, 13:00–18:00, 09:00–09:30 = 0.5 + 5 + 0.5
    assert working_hours_between(kst(2025, 11, 4, 11, 30), kst(2025, 11, 5, 9, 30)) == 6


def test_custom_office_hours_still_count_eight_hours_per_legal_day():
    # An office open 08:00–17:00 without a lunch break (9h a day): "1일" is still 8 working
    # hours by 민원처리법 제19조①, so a petition received at 08:00 is due at 16:00.
    office = OfficeHours(opens=time(8), closes=time(17), lunch_start=time(12), lunch_end=time(12))
    assert petition_due(kst(2025, 11, 4, 8), period_days=1, office_hours=office) == kst(
        2025, 11, 4, 16
    )


# ---------------------------------------------------------------------------------------------
# 민원처리법 제19조①: 5일 이하 → working hours, 8 a day; "즉시" → 3 working hours
# ---------------------------------------------------------------------------------------------


def test_three_days_are_24_working_hours_from_receipt():
    # Received Mon 2025-09-29 10:00, "3일" = 24 working hours:
    #   Mon 09-29 10:00–12:00, 13:00–18:00   7h  (7)
    #   Tue 09-30                            8h  (15)
    #   Wed 10-01 (국군의 날, a working day)   8h  (23)
    #   Thu 10-02 09:00–10:00                1h  (24) → Thu 2025-10-02 10:00
    assert petition_due(kst(2025, 9, 29, 10), period_days=3) == kst(2025, 10, 2, 10)


def test_received_on_friday_evening_counts_from_monday_morning():
    # Received Fri 2025-12-26 19:30 (after hours) → counting starts Mon 12-29 09:00.
    # "3일" = 24h: Mon 12-29 8h, Tue 12-30 8h, Wed 12-31 8h → Wed 2025-12-31 18:00
    assert petition_due(kst(2025, 12, 26, 19, 30), period_days=3) == kst(2025, 12, 31, 18)


def test_two_days_across_new_year():
    # Received Wed 2025-12-31 15:00, "2일" = 16h:
    #   Wed 12-31 15:00–18:00   3h  (3)
    #   Thu 01-01 신정           —
    #   Fri 01-02               8h  (11)
    #   Mon 01-05 09:00–12:00   3h  (14), 13:00–15:00 2h (16) → Mon 2026-01-05 15:00
    assert petition_due(kst(2025, 12, 31, 15), period_days=2) == kst(2026, 1, 5, 15)


def test_received_on_the_eve_of_seollal():
    # Received Fri 2026-02-13 20:00. Sat, Sun, 02-16..18 설날 → counting starts Thu 02-19 09:00.
    # "1일" = 8h → Thu 2026-02-19 18:00
    assert petition_due(kst(2026, 2, 13, 20), period_days=1) == kst(2026, 2, 19, 18)


def test_immediate_is_three_working_hours_across_chuseok():
    # Received Thu 2025-10-02 16:00, "즉시" = 3h:
    #   Thu 10-02 16:00–18:00   2h
    #   10-03 개천절, weekend, 10-06..08 추석(대체공휴일 포함), 10-09 한글날
    #   Fri 10-10 09:00–10:00   1h → Fri 2025-10-10 10:00
    assert petition_due(kst(2025, 10, 2, 16), immediate=True) == kst(2025, 10, 10, 10)


def test_immediate_received_at_lunch_counts_from_one_pm():
    # Received Tue 2025-11-04 12:20 → counting starts 13:00; + 3h → 16:00
    assert petition_due(kst(2025, 11, 4, 12, 20), immediate=True) == kst(2025, 11, 4, 16)


def test_five_days_are_still_counted_in_hours_around_childrens_day():
    # Received Mon 2026-05-04 09:00, "5일" = 40h: Mon 8 (8), Tue 05-05 어린이날,
    # Wed 8 (16), Thu 8 (24), Fri 8 (32), Mon 05-11 8 (40) → Mon 2026-05-11 18:00
    assert petition_due(kst(2026, 5, 4, 9), period_days=5) == kst(2026, 5, 11, 18)


def test_two_days_over_local_election_day_2026():
    # Received Tue 2026-06-02 10:00, "2일" = 16h: Tue 7h (7), Wed 06-03 지방선거일,
    # Thu 06-04 8h (15), Fri 06-05 09:00–10:00 (16) → Fri 2026-06-05 10:00
    assert petition_due(kst(2026, 6, 2, 10), period_days=2) == kst(2026, 6, 5, 10)


def test_one_day_over_the_2025_temporary_holiday():
    # Received Fri 2025-01-24 17:00, "1일" = 8h: Fri 17:00–18:00 (1),
    # Mon 01-27 임시공휴일, 01-28..30 설날, Fri 01-31 09:00–12:00 (4), 13:00–17:00 (8)
    # → Fri 2025-01-31 17:00
    assert petition_due(kst(2025, 1, 24, 17), period_days=1) == kst(2025, 1, 31, 17)


def test_an_organisations_closed_day_is_skipped_in_hours():
    # As in the 추석 example, but the district also closes Fri 2025-10-10:
    # Thu 10-02 16:00–18:00 (2h), … , Mon 10-13 09:00–10:00 (1h) → Mon 2025-10-13 10:00
    assert petition_due(kst(2025, 10, 2, 16), immediate=True, closed={date(2025, 10, 10)}) == kst(
        2025, 10, 13, 10
    )


# ---------------------------------------------------------------------------------------------
# 민원처리법 제19조②: 6일 이상 → working days, the first day counts, due at 18:00
# ---------------------------------------------------------------------------------------------


def test_six_days_before_seollal():
    # Received Mon 2026-02-09 14:00, "6일", day of receipt = day 1:
    #   1 Mon 02-09, 2 Tue 02-10, 3 Wed 02-11, 4 Thu 02-12, 5 Fri 02-13,
    #   (Sat, Sun, 02-16..18 설날), 6 Thu 02-19 → Thu 2026-02-19 18:00
    assert petition_due(kst(2026, 2, 9, 14), period_days=6) == kst(2026, 2, 19, 18)


def test_six_days_received_after_hours_start_the_next_working_day():
    # Received Mon 2026-02-09 19:00 (after closing) → day 1 is Tue 02-10:
    #   1 Tue 02-10, 2 Wed, 3 Thu, 4 Fri 02-13, 5 Thu 02-19, 6 Fri 02-20 → 2026-02-20 18:00
    assert petition_due(kst(2026, 2, 9, 19), period_days=6) == kst(2026, 2, 20, 18)


def test_seven_days_across_chuseok_2025():
    # Received Mon 2025-09-29 10:00, "7일":
    #   1 Mon 09-29, 2 Tue 09-30, 3 Wed 10-01, 4 Thu 10-02,
    #   (10-03 개천절, weekend, 10-06·07 추석, 10-08 대체공휴일, 10-09 한글날),
    #   5 Fri 10-10, 6 Mon 10-13, 7 Tue 10-14 → Tue 2025-10-14 18:00
    assert petition_due(kst(2025, 9, 29, 10), period_days=7) == kst(2025, 10, 14, 18)


def test_fourteen_days_across_new_year():
    # Received Mon 2025-12-22 11:00, "14일":
    #   1 12-22, 2 12-23, 3 12-24, (12-25 성탄절), 4 12-26, 5 12-29, 6 12-30, 7 12-31,
    #   (01-01 신정), 8 01-02, 9 01-05, 10 01-06, 11 01-07, 12 01-08, 13 01-09, 14 Mon 01-12
    #   → Mon 2026-01-12 18:00
    assert petition_due(kst(2025, 12, 22, 11), period_days=14) == kst(2026, 1, 12, 18)


def test_seven_days_received_on_a_saturday_before_childrens_day():
    # Received online Sat 2025-05-03 10:00; 05-05 어린이날·부처님오신날, 05-06 대체공휴일
    # → day 1 is Wed 05-07: 1 05-07, 2 05-08, 3 05-09, 4 05-12, 5 05-13, 6 05-14,
    #   7 Thu 05-15 → 2025-05-15 18:00
    assert petition_due(kst(2025, 5, 3, 10), period_days=7) == kst(2025, 5, 15, 18)


def test_period_days_and_period_object_agree():
    received = kst(2025, 9, 29, 10)
    assert petition_due(received, period=Period.days(7)) == petition_due(received, period_days=7)
    assert Period.days(3).due(received) == petition_due(received, period_days=3)


# ---------------------------------------------------------------------------------------------
# 민원처리법 제19조③: weeks, months, years (첫날 산입, 민법 제159조–제161조)
# ---------------------------------------------------------------------------------------------


def test_two_weeks_ending_in_chuseok_move_to_the_next_working_day():
    # Received Wed 2025-09-24, "2주": first day 09-24; the corresponding day two weeks on is
    # Wed 10-08, so the period ends the day before, Tue 10-07 (추석 다음날, 민법 제160조②).
    # 10-07 is a holiday → 10-08 대체공휴일 → 10-09 한글날 → Fri 10-10 (민법 제161조).
    assert petition_due(kst(2025, 9, 24, 10), period=Period.weeks(2)) == kst(2025, 10, 10, 18)


def test_one_month_ends_the_day_before_the_corresponding_day():
    # Received Mon 2025-03-10: corresponding day 04-10, ends Wed 2025-04-09
    assert petition_due(kst(2025, 3, 10, 10), period=Period.months(1)) == kst(2025, 4, 9, 18)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # No 02-31 → the last day of February (민법 제160조③)
        (kst(2025, 1, 31, 10), kst(2025, 2, 28, 18)),
        # No 04-31 → Wed 04-30
        (kst(2025, 3, 31, 10), kst(2025, 4, 30, 18)),
        # No 02-29 in 2025 → Fri 02-28
        (kst(2025, 1, 29, 10), kst(2025, 2, 28, 18)),
        # 02-30 → no such day in 2026 → Sat 02-28 → Sun → Mon 03-02 삼일절 대체 → Tue 03-03
        (kst(2026, 1, 30, 10), kst(2026, 3, 3, 18)),
    ],
)
def test_one_month_without_a_corresponding_day_ends_on_the_last_day_of_the_month(received, due):
    assert petition_due(received, period=Period.months(1)) == due


def test_one_month_ending_on_a_substitute_holiday():
    # Received Tue 2026-02-03: ends Mon 03-02, the 삼일절 substitute holiday → Tue 2026-03-03
    assert petition_due(kst(2026, 2, 3, 10), period=Period.months(1)) == kst(2026, 3, 3, 18)


def test_one_year_ending_on_local_election_day():
    # Received Thu 2025-06-04: ends the day before 2026-06-04, i.e. Wed 06-03 지방선거일
    # → Thu 2026-06-04 18:00
    assert petition_due(kst(2025, 6, 4, 10), period=Period.years(1)) == kst(2026, 6, 4, 18)


def test_one_year_from_a_leap_day():
    # Received Tue 2028-02-29: 2029 has no 02-29 → ends Wed 2029-02-28
    assert petition_due(kst(2028, 2, 29, 10), period=Period.years(1)) == kst(2029, 2, 28, 18)


# ---------------------------------------------------------------------------------------------
# Argument checking of petition_due
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"period_days": 3, "immediate": True},
        {"period_days": 3, "period": Period.days(3)},
        {"period_days": 0},
        {"period_days": -2},
    ],
)
def test_petition_due_refuses_bad_periods(kwargs):
    with pytest.raises(ValueError):
        petition_due(kst(2025, 11, 4, 10), **kwargs)


def test_petition_due_refuses_non_integer_days():
    with pytest.raises(TypeError):
        petition_due(kst(2025, 11, 4, 10), period_days=2.5)
    with pytest.raises(TypeError):
        petition_due(kst(2025, 11, 4, 10), period_days=True)


# ---------------------------------------------------------------------------------------------
# 정보공개법 제11조: 10 days (초일불산입, Saturdays and holidays not counted), + 10 once
# ---------------------------------------------------------------------------------------------


def test_disclosure_across_chuseok_and_its_extension():
    # Received Mon 2025-09-29 (not counted): 1 09-30, 2 10-01, 3 10-02, (10-03..10-09 off),
    #   4 10-10, 5 10-13, 6 10-14, 7 10-15, 8 10-16, 9 10-17, 10 Mon 10-20 → 2025-10-20 18:00
    received = kst(2025, 9, 29, 10)
    assert disclosure_due(received) == kst(2025, 10, 20, 18)
    # Extension (제11조②) counted from the next day, 10-21: 21, 22, 23, 24, 27, 28, 29, 30,
    #   31, Mon 11-03 → 2025-11-03 18:00
    assert disclosure_due(received, extended=True) == kst(2025, 11, 3, 18)


def test_disclosure_received_on_friday_evening_across_new_year():
    # Received Fri 2025-12-26 19:00 (not counted): 1 12-29, 2 12-30, 3 12-31, (01-01),
    #   4 01-02, 5 01-05, 6 01-06, 7 01-07, 8 01-08, 9 01-09, 10 Mon 01-12 → 2026-01-12 18:00
    received = kst(2025, 12, 26, 19)
    assert disclosure_due(received) == kst(2026, 1, 12, 18)
    # Extension: 01-13, 14, 15, 16, 19, 20, 21, 22, 23, Mon 01-26
    assert disclosure_due(received, extended=True) == kst(2026, 1, 26, 18)


def test_disclosure_received_on_seollal():
    # Received online Tue 2026-02-17 (설날): 1 02-19, 2 02-20, 3 02-23, 4 02-24, 5 02-25,
    #   6 02-26, 7 02-27, (03-02 삼일절 대체), 8 03-03, 9 03-04, 10 Thu 03-05
    assert disclosure_due(kst(2026, 2, 17, 11)) == kst(2026, 3, 5, 18)


def test_disclosure_over_buddhas_birthday_and_local_election():
    # Received Fri 2026-05-22: (05-25 부처님오신날 대체) 1 05-26, 2 05-27, 3 05-28, 4 05-29,
    #   5 06-01, 6 06-02, (06-03 지방선거일), 7 06-04, 8 06-05, 9 06-08, 10 Tue 06-09
    assert disclosure_due(kst(2026, 5, 22, 10)) == kst(2026, 6, 9, 18)


def test_disclosure_counts_calendar_days_of_receipt_in_seoul():
    # 2025-09-28 15:30 UTC is Mon 2025-09-29 00:30 in Seoul: same deadline as a Monday receipt,
    # and the hour of receipt within that day does not matter (the day is not counted).
    assert disclosure_due(datetime(2025, 9, 28, 15, 30, tzinfo=UTC)) == kst(2025, 10, 20, 18)
    assert disclosure_due(kst(2025, 9, 29, 23, 59)) == kst(2025, 10, 20, 18)


def test_disclosure_skips_an_organisations_closed_day():
    # As the 추석 example, with Fri 2025-10-10 closed locally: day 4 becomes 10-13 … day 10 10-21
    assert disclosure_due(kst(2025, 9, 29, 10), closed={date(2025, 10, 10)}) == kst(
        2025, 10, 21, 18
    )


# ---------------------------------------------------------------------------------------------
# Share of the period used (traffic light)
# ---------------------------------------------------------------------------------------------


def test_elapsed_fraction_is_measured_in_working_time():
    # Mon 2025-11-03 09:00 → "3일" due Wed 11-05 18:00 (24h). At Tue 14:00: 8 + 4 = 12h → 0.5
    start = kst(2025, 11, 3, 9)
    due = petition_due(start, period_days=3)
    assert due == kst(2025, 11, 5, 18)
    assert period_elapsed_fraction(start, due, kst(2025, 11, 4, 14)) == 0.5
    assert period_elapsed_fraction(start, due, kst(2025, 11, 4, 12, 30)) == 11 / 24  # lunch


def test_elapsed_fraction_before_start_after_due_and_over_a_weekend():
    start = kst(2025, 11, 5, 9)  # Wed
    due = kst(2025, 11, 7, 18)  # Fri, 24h later
    assert period_elapsed_fraction(start, due, kst(2025, 11, 4, 9)) == 0.0
    assert period_elapsed_fraction(start, due, kst(2025, 11, 8, 12)) == 1.0  # Saturday
    assert period_elapsed_fraction(start, due, kst(2025, 11, 10, 13)) == 27 / 24  # Mon 09–12 +3h


def test_elapsed_fraction_of_an_empty_period_and_a_reversed_one():
    # Due at the moment of start (e.g. received after hours with zero time granted)
    moment = kst(2025, 11, 8, 10)  # Saturday: no working time until Monday 09:00
    due = kst(2025, 11, 9, 10)
    assert period_elapsed_fraction(moment, due, kst(2025, 11, 8, 12)) == 0.0
    assert period_elapsed_fraction(moment, due, kst(2025, 11, 9, 11)) == 1.0
    with pytest.raises(ValueError):
        period_elapsed_fraction(due, moment, due)


# ---------------------------------------------------------------------------------------------
# Period value object
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "period", "label"),
    [
        ("즉시", Period.immediate(), "즉시"),
        ("3시간", Period.hours(3), "3시간"),
        ("3일", Period.days(3), "3일"),
        ("14 일 이내", Period.days(14), "14일"),
        ("2주", Period.weeks(2), "2주"),
        ("2주일", Period.weeks(2), "2주"),
        ("1개월", Period.months(1), "1개월"),
        ("1년", Period.years(1), "1년"),
    ],
)
def test_period_parse_and_label(text, period, label):
    assert Period.parse(text) == period
    assert str(period) == label


@pytest.mark.parametrize("text", ["", "삼일", "3", "0일", "3 days", "-1일", "1.5일"])
def test_period_parse_refuses_nonsense(text):
    with pytest.raises(ValueError):
        Period.parse(text)


def test_period_rules_and_working_hours():
    assert Period.immediate().rule is CountingRule.WORKING_HOURS
    assert Period.immediate().working_hours == 3
    assert Period.hours(4).working_hours == 4
    assert Period.days(5).rule is CountingRule.WORKING_HOURS
    assert Period.days(5).working_hours == 40
    assert Period.days(6).rule is CountingRule.WORKING_DAYS
    assert Period.days(6).working_hours is None
    assert Period.months(1).rule is CountingRule.CALENDAR


def test_period_round_trips_through_storage_fields():
    stored = (Period.weeks(2).amount, str(Period.weeks(2).unit))
    assert stored == (2, "weeks")
    assert Period(stored[0], PeriodUnit(stored[1])) == Period.weeks(2)
    assert Period(2, "weeks") == Period.weeks(2)


@pytest.mark.parametrize(
    ("amount", "unit"),
    [(0, PeriodUnit.DAYS), (-1, PeriodUnit.MONTHS), (1, PeriodUnit.IMMEDIATE), (1, "fortnight")],
)
def test_period_refuses_bad_values(amount, unit):
    with pytest.raises(ValueError):
        Period(amount, unit)


def test_hours_period_counts_working_hours():
    # "4시간" received Tue 2025-11-04 16:00: 16:00–18:00 (2h), Wed 09:00–11:00 (2h)
    assert petition_due(kst(2025, 11, 4, 16), period=Period.hours(4)) == kst(2025, 11, 5, 11)


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2024, 12, 1),
    max_value=datetime(2026, 12, 31),
    timezones=st.sampled_from([SEOUL, UTC]),
)
working_durations = st.integers(min_value=0, max_value=8 * 60 * 25).map(
    lambda minutes: timedelta(minutes=minutes)
)
positive_durations = st.integers(min_value=1, max_value=8 * 60 * 12).map(
    lambda minutes: timedelta(minutes=minutes)
)
closed_sets = st.frozensets(
    st.dates(min_value=date(2024, 12, 1), max_value=date(2027, 6, 30)), max_size=20
)
# Generous time limits: the machine is shared, and timing is not what these tests check.
prop = settings(deadline=None, max_examples=150)


def _inside_office_hours_closed_interval(moment: datetime, closed=frozenset()) -> bool:
    local = moment.astimezone(SEOUL)
    t = local.timetz().replace(tzinfo=None)
    return (
        is_working_day(local.date(), closed=closed)
        and time(9) <= t <= time(18)
        and not time(12) < t < time(13)
    )


@prop
@given(start=moments, duration=working_durations, closed=closed_sets)
def test_adding_hours_then_measuring_gives_them_back(start, duration, closed):
    end = add_working_hours(start, duration, closed=closed)
    assert working_time_between(start, end, closed=closed) == duration
    assert working_hours_between(start, end, closed=closed) == pytest.approx(
        duration / timedelta(hours=1), abs=1e-9
    )


@prop
@given(start=moments, duration=working_durations, closed=closed_sets)
def test_result_of_adding_hours_is_inside_office_hours(start, duration, closed):
    end = add_working_hours(start, duration, closed=closed)
    assert end.tzinfo is SEOUL
    assert end >= start
    assert _inside_office_hours_closed_interval(end, closed)


@prop
@given(start=moments, a=positive_durations, b=positive_durations)
def test_adding_hours_is_additive(start, a, b):
    assert add_working_hours(add_working_hours(start, a), b) == add_working_hours(start, a + b)


@prop
@given(start=moments, a=working_durations, b=working_durations)
def test_adding_hours_is_monotonic(start, a, b):
    small, large = sorted((a, b))
    assert add_working_hours(start, small) <= add_working_hours(start, large)


@prop
@given(points=st.lists(moments, min_size=3, max_size=3))
def test_working_time_is_additive_and_antisymmetric(points):
    a, b, c = sorted(points)
    assert working_time_between(a, b) + working_time_between(b, c) == working_time_between(a, c)
    assert working_time_between(c, a) == -working_time_between(a, c)
    assert working_time_between(a, c) >= timedelta(0)


@prop
@given(moment=moments, closed=closed_sets)
def test_next_working_moment_is_a_working_moment_and_idempotent(moment, closed):
    nxt = next_working_moment(moment, closed=closed)
    assert nxt >= moment
    assert is_working_moment(nxt, closed=closed)
    assert next_working_moment(nxt, closed=closed) == nxt
    assert working_time_between(moment, nxt, closed=closed) == timedelta(0)


@prop
@given(received=moments, days=st.integers(min_value=1, max_value=5))
def test_short_periods_are_eight_working_hours_a_day(received, days):
    assert petition_due(received, period_days=days) == add_working_hours(received, 8 * days)


@prop
@given(received=moments, days=st.integers(min_value=6, max_value=60), closed=closed_sets)
def test_long_periods_end_at_closing_time_of_the_nth_working_day(received, days, closed):
    due = petition_due(received, period_days=days, closed=closed)
    assert due.timetz().replace(tzinfo=None) == time(18)
    assert is_working_day(due.date(), closed=closed)
    first_day = next_working_moment(received, closed=closed).date()
    # Counting the first day: the due date is the (days-1)-th working day after it.
    assert add_working_days(first_day, days - 1, closed=closed) == due.date()


def _plain_calendar_end(first_day: date, period: Period) -> date:
    """Independent oracle for 민법 제160조 with the first day counted."""
    if period.unit is PeriodUnit.WEEKS:
        return first_day + timedelta(days=7 * period.amount - 1)
    months = period.amount * (12 if period.unit is PeriodUnit.YEARS else 1)
    year, month0 = divmod(first_day.month - 1 + months, 12)
    year, month = first_day.year + year, month0 + 1
    last = monthrange(year, month)[1]
    if first_day.day > last:
        return date(year, month, last)
    return date(year, month, first_day.day) - timedelta(days=1)


@prop
@given(
    received=moments,
    period=st.builds(
        Period,
        st.integers(min_value=1, max_value=24),
        st.sampled_from([PeriodUnit.WEEKS, PeriodUnit.MONTHS, PeriodUnit.YEARS]),
    ),
    closed=closed_sets,
)
def test_calendar_periods_end_on_the_first_working_day_from_the_plain_end(received, period, closed):
    due = period.due(received, closed=closed)
    assert due.timetz().replace(tzinfo=None) == time(18)
    first_day = next_working_moment(received, closed=closed).date()
    plain_end = _plain_calendar_end(first_day, period)
    assert due.date() == add_working_days(plain_end, 0, closed=closed)


@prop
@given(received=moments, closed=closed_sets)
def test_disclosure_due_is_ten_working_days_then_ten_more(received, closed):
    due = disclosure_due(received, closed=closed)
    extended = disclosure_due(received, extended=True, closed=closed)
    received_day = received.astimezone(SEOUL).date()
    assert add_working_days(received_day, 10, closed=closed) == due.date()
    assert add_working_days(due.date(), 10, closed=closed) == extended.date()
    assert working_hours_between(due, extended, closed=closed) == 80
    assert due.timetz().replace(tzinfo=None) == time(18)


@prop
@given(
    day=st.dates(min_value=date(2024, 12, 1), max_value=date(2026, 12, 31)),
    days=st.integers(min_value=1, max_value=40),
    closed=closed_sets,
)
def test_adding_working_days_forwards_then_backwards(day, days, closed):
    later = add_working_days(day, days, closed=closed)
    assert is_working_day(later, closed=closed)
    assert later > day
    back = add_working_days(later, -days, closed=closed)
    if is_working_day(day, closed=closed):
        assert back == day
    else:
        # From a day off, going back lands on the last working day before it.
        assert back < day
        assert add_working_days(back, 1, closed=closed) == add_working_days(day, 0, closed=closed)


@prop
@given(start=moments, duration=positive_durations, offset=working_durations)
def test_elapsed_fraction_stays_between_zero_and_one_within_the_period(start, duration, offset):
    due = add_working_hours(start, duration)
    now = add_working_hours(start, min(offset, duration))
    fraction = period_elapsed_fraction(start, due, now)
    assert 0.0 <= fraction <= 1.0
    assert fraction == pytest.approx(min(offset, duration) / duration)
