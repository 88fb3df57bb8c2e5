"""When a message may be sent: the subscriber's quiet hours and the night-time rule for
promotional messages (정보통신망법 제50조 ③: no 광고성 정보 between 21:00 and 08:00 without the
recipient's separate consent).

Pure functions of their arguments (no clock, no database), so the pipeline can ask for every
claimed row cheaply and tests can use fixed datetimes. Times of day are read in Asia/Seoul
(`settings.TIME_ZONE`), the only time zone of the platform's residents.

- Emergency messages ignore both rules.
- Transactional messages (a confirmation code the person just asked for, a petition answer) are
  not held by quiet hours either: they answer something the person did, and codes expire. They
  are never promotional, so the night rule does not touch them.
- Campaign messages (targeted, newsletter) wait for the end of the subscriber's quiet hours; when
  promotional they also wait for 08:00 unless the subscriber gave night-time consent.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings

from .models import Priority

if TYPE_CHECKING:
    from .models import Subscriber

NIGHT_START = time(21, 0)
NIGHT_END = time(8, 0)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def in_window(moment: time, start: time, end: time) -> bool:
    """Whether `moment` falls in [start, end); a window with start > end wraps midnight; an empty
    window (start == end) holds nothing."""
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def window_end(local: datetime, start: time, end: time) -> datetime:
    """The first moment at or after `local` (an aware local datetime) outside the window."""
    if not in_window(local.time(), start, end):
        return local
    day = local.date()
    # Inside a wrapping window before midnight, the window ends tomorrow.
    if start > end and local.time() >= start:
        day += timedelta(days=1)
    return datetime.combine(day, end, tzinfo=local.tzinfo)


def earliest_send_at(
    *, subscriber: Subscriber | None, promotional: bool, priority: int, now: datetime
) -> datetime:
    """The earliest moment at or after `now` at which this message may be sent: `now` itself when
    nothing holds it back. `now` must be aware; the answer is in Asia/Seoul."""
    if priority <= Priority.EMERGENCY:
        return now
    windows: list[tuple[time, time]] = []
    if promotional and not (subscriber is not None and subscriber.night_promo_consent):
        windows.append((NIGHT_START, NIGHT_END))
    if (
        subscriber is not None
        and priority >= Priority.TARGETED
        and subscriber.quiet_start is not None
        and subscriber.quiet_end is not None
    ):
        windows.append((subscriber.quiet_start, subscriber.quiet_end))
    if not windows:
        return now
    local = now.astimezone(local_zone())
    # Leaving one window may land in the other (quiet hours 07:00–09:00 after the night rule's
    # 08:00): repeat until no window holds the moment. Two windows settle within a few rounds.
    for _ in range(2 * len(windows) + 1):
        moved = local
        for start, end in windows:
            moved = window_end(moved, start, end)
        if moved == local:
            break
        local = moved
    return local if local != now.astimezone(local_zone()) else now
