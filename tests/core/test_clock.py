"""`--fake-now` of sotong.pytest_plugin (issue 11: the suite passes at any hour): the whole session
runs on a moved, ticking clock; the processes a test starts keep the real one."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings

from sotong.pytest_plugin import FAKE_NOW_ENV, parse_fake_now

TODAY = datetime.date(2026, 12, 7)
UTC = datetime.UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-07T23:30:00Z", datetime.datetime(2026, 12, 7, 23, 30, tzinfo=UTC)),
        ("2026-12-08T08:30:00+09:00", datetime.datetime(2026, 12, 7, 23, 30, tzinfo=UTC)),
        ("2001-02-03 15:05Z", datetime.datetime(2001, 2, 3, 15, 5, tzinfo=UTC)),
        ("23:30Z", datetime.datetime(2026, 12, 7, 23, 30, tzinfo=UTC)),
        ("15:05:30z", datetime.datetime(2026, 12, 7, 15, 5, 30, tzinfo=UTC)),
    ],
)
def test_fake_now_is_a_datetime_or_a_utc_time_of_today(value, expected):
    assert parse_fake_now(value, today=TODAY) == expected


@pytest.mark.parametrize("value", ["2026-12-07T23:30:00", "23:30", "tomorrow", "25:00Z"])
def test_fake_now_without_a_zone_or_unreadable_stops_the_run(value):
    with pytest.raises(pytest.UsageError, match="fake-now"):
        parse_fake_now(value, today=TODAY)


# Runs in a pytest started by the tests below: the session's clock, Django's Seoul date, a ticking
# clock, a child process and a `real_clock` test that keep the real clock.
INNER_TEST = """
import datetime, subprocess, sys, time

import pytest
from django.utils import timezone


def test_the_session_runs_on_the_fake_clock():
    now = datetime.datetime.now(datetime.UTC)
    assert datetime.datetime(2001, 2, 3, 23, 30, tzinfo=datetime.UTC) <= now
    assert now < datetime.datetime(2001, 2, 4, 0, 30, tzinfo=datetime.UTC)
    assert timezone.localdate() == datetime.date(2001, 2, 4)
    first = time.time()
    while time.time() == first:
        pass
    child = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"],
        capture_output=True, text=True, check=True,
    )
    assert float(child.stdout) > datetime.datetime(2020, 1, 1).timestamp()


@pytest.mark.real_clock
def test_a_real_clock_test_runs_on_the_real_clock():
    assert datetime.datetime.now(datetime.UTC).year >= 2026


def test_the_fake_clock_goes_on_after_it():
    now = datetime.datetime.now(datetime.UTC)
    assert datetime.datetime(2001, 2, 3, 23, 30, tzinfo=datetime.UTC) <= now
    assert now < datetime.datetime(2001, 2, 4, 0, 30, tzinfo=datetime.UTC)
"""


def _inner_pytest(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(INNER_TEST))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    environment = {k: v for k, v in os.environ.items() if k != FAKE_NOW_ENV}
    environment |= {
        "DJANGO_SETTINGS_MODULE": "sotong.settings",
        "PYTHONPATH": str(settings.PROJECT_DIR / "src"),
        **env,
    }
    command = [sys.executable, "-m", "pytest", "-p", "sotong.pytest_plugin", "-q"]
    command += ["-p", "no:cacheprovider", "-c", str(tmp_path / "pytest.ini")]
    return subprocess.run(
        [*command, str(tmp_path / "test_inner.py"), *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("--fake-now=2001-02-03T23:30:00Z",), {}),
        ((), {FAKE_NOW_ENV: "2001-02-03T23:30:00Z"}),
    ],
    ids=["option", "environment"],
)
def test_the_whole_session_runs_on_the_moved_clock_and_children_on_the_real_one(
    tmp_path, args, env
):
    result = _inner_pytest(tmp_path, *args, **env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_without_the_option_the_session_keeps_the_real_clock(tmp_path):
    result = _inner_pytest(tmp_path)

    assert result.returncode == 1
    assert "2 failed, 1 passed" in result.stdout
