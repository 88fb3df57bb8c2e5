"""The fan-out benchmark (issue 4, point 8) runs end to end on a small input, as a person runs
it, on the database DATABASE_URL selects: subscribers created, an emergency campaign planned,
a sample delivered by two real worker processes to the fake provider, and its figure printed
last in the agreed format. No timing is asserted: this proves the script works, not how fast."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 600
LAST_LINE = re.compile(
    r"^fanout: planned (?P<planned>\d+) in (?P<plan_s>\d+\.\d) s; "
    r"delivered (?P<delivered>\d+) in (?P<deliver_s>\d+\.\d) s "
    r"\((?P<rate>\d+) msg/s\) to the fake provider$"
)


def expected_vendor() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return "postgresql" if url.split(":", 1)[0] in {"postgres", "postgresql"} else "sqlite"


def test_fanout_prints_its_figure_last():
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "fanout.py"),
            "--recipients",
            "2000",
            "--deliver-sample",
            "500",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, f"fanout.py failed:\n{stdout[-3000:]}\n{stderr[-3000:]}"
    lines = [line for line in stdout.splitlines() if line.strip()]
    match = LAST_LINE.match(lines[-1])
    assert match, lines[-1]
    # Every subscriber has exactly one confirmed phone: one delivery each.
    assert int(match["planned"]) == 2000
    assert int(match["delivered"]) == 500
    vendor = expected_vendor()
    # The line before the figure says what was delivered, and on which database.
    assert lines[-2].startswith("delivery: a sample of 500 of 2000 deliveries, 2 worker")
    assert f"db {vendor}" in lines[-2]
    assert "planned again: 0 more" in stdout

    if vendor == "postgresql":
        from urllib.parse import urlsplit, urlunsplit

        import psycopg

        server = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres"))
        with psycopg.connect(server, autocommit=True) as connection:
            row = connection.execute(
                "SELECT count(*) FROM pg_database WHERE datname = %s",
                [f"sotong_bench_{process.pid}"],
            ).fetchone()
        assert row == (0,)
