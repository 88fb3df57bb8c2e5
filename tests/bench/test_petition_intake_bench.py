"""The Open311 intake benchmark (issue 5, "Measured"; issue 12, point 7) runs end to end for a
few seconds, as a person runs it, on the database DATABASE_URL selects: wrk (a system package,
in .ci/run) posting to the bare Django view, the in-project baseline and the Open311 intake, each
behind gunicorn, the figures printed last in the agreed format, the throwaway database dropped.
No timing is asserted: this proves the script works, not how fast."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 600
LAST_LINE = re.compile(
    r"^intake: (?P<rate>\d+) req/s p99 (?P<p99>\d+) ms "
    r"\(baseline (?P<baseline>\d+) req/s, ratio (?P<ratio>\d+\.\d\d); "
    r"bare (?P<bare>\d+) req/s, intake/bare (?P<of_bare>\d+\.\d\d), "
    r"baseline/bare (?P<base_of_bare>\d+\.\d\d)\)$"
)


def expected_vendor() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return "postgresql" if url.split(":", 1)[0] in {"postgres", "postgresql"} else "sqlite"


def test_petition_intake_prints_its_figure_last():
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "petition_intake.py"),
            "--seconds",
            "2",
            "--rounds",
            "2",
            "--concurrency",
            "4",
            "--workers",
            "2",
            # Workers load the Korean analyser as they start (gunicorn.conf.py): a short untimed
            # warm-up covers it; the figure's shape is under test here, not its value.
            "--warmup",
            "3",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, (
        f"petition_intake.py failed:\n{stdout[-3000:]}\n{stderr[-3000:]}"
    )
    lines = [line for line in stdout.splitlines() if line.strip()]
    match = LAST_LINE.match(lines[-1])
    assert match, lines[-1]
    assert int(match["baseline"]) > 0
    assert int(match["rate"]) > 0
    assert int(match["bare"]) > 0
    assert any(line.startswith("baseline: ") for line in lines)
    assert any(line.startswith("open311: ") for line in lines)
    assert any(line.startswith("bare: ") for line in lines)
    assert not any("HTTP ≥ 400" in line for line in lines), lines
    summary = next(line for line in lines if line.startswith("db "))
    assert summary.startswith(f"db {expected_vendor()}, 2 gunicorn workers, wrk with 4 ")
    # Every Open311 answer that was counted became a petition.
    created = int(re.search(r"petitions created (\d+) \(≥ (\d+) counted\)", summary)[1])
    counted = int(re.search(r"petitions created (\d+) \(≥ (\d+) counted\)", summary)[2])
    assert created >= counted > 0

    if expected_vendor() == "postgresql":
        from urllib.parse import urlsplit, urlunsplit

        import psycopg

        server = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres"))
        with psycopg.connect(server, autocommit=True) as connection:
            row = connection.execute(
                "SELECT count(*) FROM pg_database WHERE datname = %s",
                [f"sotong_bench_{process.pid}"],
            ).fetchone()
        assert row == (0,)
