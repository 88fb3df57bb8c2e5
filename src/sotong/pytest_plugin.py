"""Loaded by pytest with `-p sotong.pytest_plugin` (see pyproject's addopts) before pytest-django
reads the settings, so that `pytest` alone runs the suite exactly as `make test` does.

`--fake-now=WHEN` (or `SOTONG_TEST_NOW=WHEN`) runs the whole session on a moved clock: the suite
must pass at any hour, and late evening in UTC is already the next day in Seoul. WHEN is an ISO
datetime with its zone (`2026-12-07T23:30:00Z`) or a time of day in UTC (`23:30Z`: that time on
today's UTC date, so that dates stay near the real ones the browser and the database server
see). The clock keeps moving from there (time-machine, `tick=True`). It moves only in the pytest
process (the test code, Django and its live server thread): the processes a test starts, the
browser and the database server keep the real clock. A test whose timestamps meet those of a
process it starts (workers sharing an outbox, a provider checking a signed date) is marked
`real_clock`: it runs on the real clock, and the fake one goes on after it."""

from __future__ import annotations

import datetime
import os
import time

import pytest

os.environ["SOTONG_ENV"] = "test"
os.environ.setdefault("SOTONG_TASK_BACKEND", "immediate")
os.environ.setdefault("SOTONG_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

FAKE_NOW_ENV = "SOTONG_TEST_NOW"
SEOUL = datetime.timezone(datetime.timedelta(hours=9))


class FakeClock:
    """The session's moved clock: a fixed offset from the real one, paused for `real_clock`
    tests and resumed at the same offset (it never jumps back). Made and started only while no
    other travel is on, when time.time() is the real clock."""

    def __init__(self, when: datetime.datetime) -> None:
        self.offset = when.timestamp() - time.time()
        self._traveller = None

    def start(self) -> None:
        import time_machine

        self._traveller = time_machine.travel(time.time() + self.offset, tick=True)
        self._traveller.start()

    def stop(self) -> None:
        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = None


_clock: FakeClock | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fake-now",
        default=None,
        metavar="WHEN",
        help=(
            "run the session on a clock moved to WHEN: an ISO datetime with zone "
            "(2026-12-07T23:30:00Z) or a UTC time of day (23:30Z, today's date); "
            f"also ${FAKE_NOW_ENV}"
        ),
    )


def parse_fake_now(value: str, *, today: datetime.date) -> datetime.datetime:
    """The instant `--fake-now` names (see the module's docstring), in UTC."""
    text = value.strip()
    utc_suffix = text.endswith(("Z", "z"))
    bare = text[:-1] if utc_suffix else text
    try:
        if "T" in bare or " " in bare:
            when = datetime.datetime.fromisoformat(bare)
            if when.tzinfo is None and not utc_suffix:
                raise ValueError("a datetime needs its zone (Z or +09:00)")
        else:
            time_of_day = datetime.time.fromisoformat(bare)
            if time_of_day.tzinfo is None and not utc_suffix:
                raise ValueError("a time of day needs its zone (Z)")
            when = datetime.datetime.combine(today, time_of_day)
    except ValueError as error:
        raise pytest.UsageError(f"--fake-now / {FAKE_NOW_ENV}={value!r}: {error}") from error
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return when.astimezone(datetime.UTC)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Before pytest-django sets Django up and before any test module is imported."""
    global _clock
    # Popped: a process a test starts must not read it as an instruction of its own.
    value = early_config.known_args_namespace.fake_now or os.environ.pop(FAKE_NOW_ENV, "")
    if not value:
        return
    today = datetime.datetime.now(datetime.UTC).date()
    _clock = FakeClock(parse_fake_now(value, today=today))
    _clock.start()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "real_clock: runs on the real clock under --fake-now (its timestamps meet those of "
        "processes it starts, which keep the real clock)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item):
    if _clock is None or item.get_closest_marker("real_clock") is None:
        return (yield)
    _clock.stop()
    try:
        return (yield)
    finally:
        _clock.start()


def pytest_report_header() -> str | None:
    if _clock is None:
        return None
    now = datetime.datetime.now(datetime.UTC)
    return (
        f"fake clock (--fake-now): {now:%Y-%m-%d %H:%M:%S} UTC = "
        f"{now.astimezone(SEOUL):%Y-%m-%d %H:%M} in Seoul, ticking"
    )


def pytest_unconfigure() -> None:
    global _clock
    if _clock is not None:
        _clock.stop()
        _clock = None
