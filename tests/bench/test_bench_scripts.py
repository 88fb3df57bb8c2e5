"""The two search benchmarks run end to end on tiny inputs and end with their figure in the agreed
format (issue 3). They run as separate processes, exactly as a person runs them, on the database
that DATABASE_URL selects: a temporary SQLite file, or a throwaway PostgreSQL database that must be
gone afterwards. No timing is asserted: these prove the scripts work, not how fast anything is."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
FAQ = DATA / "faq_sample.csv"
QUERIES = DATA / "queries_sample.tsv"
TIMEOUT = 900

QUALITY_LAST_LINE = re.compile(
    r"^ndcg@10: (?P<ndcg>[01]\.\d{3}) \(mrr (?P<mrr>[01]\.\d{3}), n=(?P<n>\d+), "
    r"baseline-no-morphology ndcg@10 (?P<base>[01]\.\d{3})\)$"
)
SPEED_LAST_LINE = re.compile(
    r"^search p95: (?P<p95>\d+\.\d) ms \(p50 (?P<p50>\d+\.\d) ms, "
    r"index (?P<rate>\d+) docs/s, db (?P<db>sqlite|postgresql)\)$"
)


def expected_vendor() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return "postgresql" if url.split(":", 1)[0] in {"postgres", "postgresql"} else "sqlite"


def run(script: str, *args: str) -> tuple[str, int]:
    """The script's standard output, and its process id (its throwaway database's suffix)."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, f"{script} failed:\n{stdout[-3000:]}\n{stderr[-3000:]}"
    return stdout, process.pid


def last_line(stdout: str) -> str:
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert lines, "no output"
    return lines[-1]


def assert_database_dropped(pid: int) -> None:
    if expected_vendor() != "postgresql":
        return
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    server = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_database WHERE datname = %s", [f"sotong_bench_{pid}"]
        ).fetchone()
    assert row == (0,)


def test_search_quality_prints_its_figure_last():
    stdout, pid = run("search_quality.py", "--queries", str(QUERIES), "--faq", str(FAQ))
    match = QUALITY_LAST_LINE.match(last_line(stdout))
    assert match, last_line(stdout)
    assert int(match["n"]) == 10
    # The report above the figure names every category it measured.
    assert "category" in stdout
    assert_database_dropped(pid)


def test_search_quality_refuses_a_query_file_without_its_header(tmp_path):
    queries = tmp_path / "queries.tsv"
    queries.write_text("육아휴직\t23522464\n", encoding="utf-8")
    process = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "search_quality.py"), "--queries", str(queries)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert process.returncode != 0
    assert "query<TAB>expected" in process.stderr


def test_search_speed_prints_its_figure_last():
    stdout, pid = run(
        "search_speed.py",
        "--docs",
        "300",
        "--queries",
        "20",
        "--faq",
        str(FAQ),
        "--query-set",
        str(QUERIES),
    )
    match = SPEED_LAST_LINE.match(last_line(stdout))
    assert match, last_line(stdout)
    assert match["db"] == expected_vendor()
    assert "300 documents" in stdout
    assert_database_dropped(pid)
