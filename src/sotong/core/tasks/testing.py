"""Test support: run a real worker (or any `manage.py` command) in a process of its own, against
the test database. Used by the tests of every app that wants to see a task go through a real
queue; not imported by the application itself."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connections

PROJECT_DIR = Path(__file__).resolve().parents[4]
WAIT_SECONDS = 90.0


def database_url(settings_dict: dict) -> str:
    """A PostgreSQL DATABASE_URL for the database described by `settings_dict`."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or ""
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


@contextmanager
def shared_test_database(directory: Path) -> Iterator[str]:
    """Yield a DATABASE_URL under which another process sees this process's test database.
    Use it inside a transactional test (rows must be committed to be seen).

    PostgreSQL, or SQLite in a file: that database itself. SQLite in memory (pytest-django's
    default): the database, schema and rows, is copied into a file in `directory` and this
    process uses the file until the block ends, so both processes read and write one database."""
    original = connections["default"]
    if original.vendor != "sqlite":
        yield database_url(original.settings_dict)
        return
    if not original.is_in_memory_db():
        yield f"sqlite:///{original.settings_dict['NAME']}"
        return
    path = Path(directory) / "shared.sqlite3"
    original.ensure_connection()
    target = sqlite3.connect(path)
    original.connection.backup(target)
    target.close()
    shared = original.__class__({**original.settings_dict, "NAME": str(path)}, "default")
    connections["default"] = shared
    try:
        yield f"sqlite:///{path}"
    finally:
        shared.close()
        connections["default"] = original


def rq_queues(url: str) -> dict[str, dict]:
    """RQ_QUEUES with every task queue on the Redis database at `url` (tests use their own)."""
    from django.conf import settings

    return {name: {"URL": url, "DEFAULT_TIMEOUT": 600} for name in settings.TASK_QUEUES}


class ManageProcess:
    """`manage.py <args>` in a process of its own (SOTONG_ENV=test plus `env`), its output kept in
    a file so that a failing test can show it. Waits are bounded polls, never fixed sleeps."""

    def __init__(self, args: list[str], log_path: Path, **env: str):
        self.log_path = Path(log_path)
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, str(PROJECT_DIR / "manage.py"), *args],
            cwd=PROJECT_DIR,
            env={**os.environ, "SOTONG_ENV": "test", "PYTHONDONTWRITEBYTECODE": "1", **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_until(self, predicate: Callable[[], bool], what: str) -> None:
        """Poll `predicate` until it holds; fail with the process's output when the time is up
        or the process ended first."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not predicate():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"process exited ({self.process.returncode}) before {what}:\n{self.output()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {WAIT_SECONDS}s:\n{self.output()}")
            time.sleep(0.1)

    def wait_exit(self) -> int:
        try:
            code = self.process.wait(timeout=WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(
                f"process did not exit within {WAIT_SECONDS}s:\n{self.output()}"
            ) from None
        finally:
            self._log.close()
        return code

    def stop(self) -> int:
        """Ask the process to stop (SIGTERM, as systemd does) and return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.wait_exit()
