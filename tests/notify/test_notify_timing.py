"""`timing.earliest_send_at`: quiet hours (also across midnight), the night rule for promotional
messages (21:00–08:00 Asia/Seoul without night-time consent), emergencies ignoring both. Pure
function: fixed datetimes, no database."""

from __future__ import annotations

from datetime import UTC, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from sotong.notify.models import Priority
from sotong.notify.timing import earliest_send_at, in_window

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=SEOUL)


def person(quiet=None, night_promo_consent=False):
    start, end = quiet if quiet else (None, None)
    return SimpleNamespace(
        quiet_start=start, quiet_end=end, night_promo_consent=night_promo_consent
    )


def when(now, *, subscriber=None, promotional=False, priority=Priority.TARGETED):
    return earliest_send_at(
        subscriber=subscriber, promotional=promotional, priority=priority, now=now
    )


@pytest.mark.parametrize(
    ("moment", "start", "end", "inside"),
    [
        (time(23, 0), time(22, 0), time(7, 0), True),
        (time(3, 0), time(22, 0), time(7, 0), True),
        (time(7, 0), time(22, 0), time(7, 0), False),  # the end is outside
        (time(12, 0), time(22, 0), time(7, 0), False),
        (time(13, 0), time(12, 0), time(14, 0), True),
        (time(14, 0), time(12, 0), time(14, 0), False),
        (time(9, 0), time(9, 0), time(9, 0), False),  # empty window
    ],
)
def test_windows_may_wrap_midnight(moment, start, end, inside):
    assert in_window(moment, start, end) is inside


def test_nothing_holds_an_ordinary_message_back():
    now = seoul(5, 23, 30)
    assert when(now, subscriber=person()) == now
    assert when(now) == now


def test_quiet_hours_across_midnight_end_the_next_morning():
    quiet = (time(22, 0), time(7, 0))
    assert when(seoul(5, 23, 30), subscriber=person(quiet)) == seoul(6, 7)
    assert when(seoul(6, 1, 15), subscriber=person(quiet)) == seoul(6, 7)
    assert when(seoul(6, 7), subscriber=person(quiet)) == seoul(6, 7)


def test_quiet_hours_within_a_day():
    quiet = (time(12, 0), time(13, 30))
    assert when(seoul(5, 12, 10), subscriber=person(quiet)) == seoul(5, 13, 30)
    assert when(seoul(5, 11, 59), subscriber=person(quiet)) == seoul(5, 11, 59)


def test_promotional_messages_wait_for_eight_in_the_morning():
    assert when(seoul(5, 21), promotional=True) == seoul(6, 8)
    assert when(seoul(5, 23, 59), promotional=True, subscriber=person()) == seoul(6, 8)
    assert when(seoul(6, 7, 59), promotional=True) == seoul(6, 8)
    assert when(seoul(6, 8), promotional=True) == seoul(6, 8)
    assert when(seoul(5, 20, 59), promotional=True) == seoul(5, 20, 59)


def test_night_consent_lifts_the_night_rule_but_not_quiet_hours():
    consenting = person(night_promo_consent=True)
    assert when(seoul(5, 22), promotional=True, subscriber=consenting) == seoul(5, 22)
    quiet_consenting = person((time(23, 0), time(6, 0)), night_promo_consent=True)
    assert when(seoul(5, 23, 5), promotional=True, subscriber=quiet_consenting) == seoul(6, 6)


def test_both_rules_together_take_the_later_end():
    # Night rule ends at 08:00, which is inside the subscriber's quiet hours until 09:00.
    subscriber = person((time(7, 0), time(9, 0)))
    assert when(seoul(5, 22), promotional=True, subscriber=subscriber) == seoul(6, 9)
    # Quiet hours end at 06:00, which is still night for a promotional message.
    subscriber = person((time(22, 0), time(6, 0)))
    assert when(seoul(5, 22, 30), promotional=True, subscriber=subscriber) == seoul(6, 8)


def test_emergency_ignores_quiet_hours_and_the_night_rule():
    subscriber = person((time(22, 0), time(7, 0)))
    now = seoul(6, 2)
    assert when(now, subscriber=subscriber, priority=Priority.EMERGENCY, promotional=True) == now


def test_transactional_messages_ignore_quiet_hours():
    # A confirmation code the person just asked for must not wait until morning.
    subscriber = person((time(22, 0), time(7, 0)))
    now = seoul(5, 23)
    assert when(now, subscriber=subscriber, priority=Priority.TRANSACTIONAL) == now


def test_newsletters_respect_quiet_hours():
    subscriber = person((time(22, 0), time(7, 0)))
    assert when(seoul(5, 23), subscriber=subscriber, priority=Priority.NEWSLETTER) == seoul(6, 7)


def test_times_are_read_in_seoul_whatever_the_zone_of_now():
    # 13:00 UTC is 22:00 in Seoul: night for a promotional message.
    now = datetime(2025, 3, 5, 13, 0, tzinfo=UTC)
    assert when(now, promotional=True) == seoul(6, 8)
    assert when(datetime(2025, 3, 5, 3, 0, tzinfo=UTC), promotional=True) == datetime(
        2025, 3, 5, 3, 0, tzinfo=UTC
    )
