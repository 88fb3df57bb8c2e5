"""Intake throughput of the Open311 API (issue 5, "Measured"; issue 12, point 7): petitions
posted concurrently to `POST /open311/v2/requests.xml` by wrk, served by gunicorn as in
production, against a view that inserts one row, served the same way in the same run, both bare
(no application, no middleware) and inside sotong.

    apt-get install -y wrk   # the load generator (Debian package)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/petition_intake.py --seconds 30 --concurrency 32

In a fresh database (a temporary SQLite file, or a throwaway `sotong_bench_<pid>` on the
PostgreSQL server of DATABASE_URL, dropped at the end; see bench/search_quality.py) it
1. migrates, creates a district with a department, a category (an Open311 service with a
   required list attribute), the board `open311` and an API key (`open311_key_create`), and the
   baseline's table `bench_baseline` (id, body, created_at);
2. starts gunicorn with the project's `gunicorn.conf.py` (sync workers, `WEB_CONCURRENCY`
   workers — by default the config's 2 × CPUs + 1 — as `make demo` runs it) on the bare Django
   of `petition_intake_bare.py`, and runs wrk against its `POST /bench/baseline` ("bare");
3. starts it again on the application (`petition_intake_settings.py`: sotong's settings plus the
   baseline URL, served on the lean path of API requests, and the database task backend: a
   queued task is a row, no worker runs during the measurement), waits until both servers have
   settled (their workers load kiwi as they start), and runs wrk against
   `/bench/baseline` ("baseline"), then `/open311/v2/requests.xml` ("open311");
   each wrk run: `--concurrency` connections in `--clients` threads, a Lua script giving every
   POST a distinct description, contact and `Idempotency-Key`; `--warmup` seconds untimed, then
   `--seconds` timed; answers of 400 and more and socket errors are reported;
4. checks that every counted Open311 answer became a petition, and prints as its last line
   `intake: X req/s p99 Y ms (baseline Z req/s, ratio R; bare B req/s, intake/bare R1,
   baseline/bare R2)`.

It measures and never asserts; the goals (issue 12) on PostgreSQL are intake/bare ≥ 0.5 with
p99 < 150 ms, and baseline/bare ≥ 0.8. Client, server and database share the machine: the
figures move with its load, as the line before the figure says (load average)."""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from search_quality import bench_environment, setup_django, temporary_database  # noqa: E402

HOST = "127.0.0.1"
ORGANIZATION = "benchgu"
SERVICE = "street-light"
INTAKE_PATH = "/open311/v2/requests.xml"
BASELINE_PATH = "/bench/baseline"
REQUEST_TIMEOUT = 60.0
WRK = "wrk"
SERVER_START_TIMEOUT = 90.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
SETTLE_WINDOW = 0.5  # seconds
SETTLED_CORES = 0.1
PLACES = ("을지로", "퇴계로", "충무로", "명동길", "다산로", "청계천로", "소공로", "세종대로")
PROBLEMS = (
    "가로등이 사흘째 꺼져 있어 밤길이 어둡습니다.",
    "보안등이 깜빡거려서 골목이 위험합니다.",
    "신호등 옆 가로등 불이 들어오지 않습니다.",
    "공원 입구 가로등 덮개가 깨져 있습니다.",
)


# --- setup ---------------------------------------------------------------------------------


def create_fixtures() -> str:
    """The district, its service and board, the baseline table; returns the API key."""
    from django.db import connection

    from sotong.org.models import Department, Organization
    from sotong.petitions.models import Board, Category
    from sotong.petitions.open311.keys import open311_key_create

    city = Organization.objects.create(
        code="benchcity", name="벤치특별시", kind=Organization.Kind.CITY, head_title="시장"
    )
    district = Organization.objects.create(
        code=ORGANIZATION,
        name="벤치구",
        kind=Organization.Kind.DISTRICT,
        parent=city,
        head_title="구청장",
    )
    department = Department.objects.create(organization=district, name="도로과", duties="가로등")
    Category.objects.create(
        organization=district,
        code=SERVICE,
        name="가로등·보안등",
        keywords="가로등,보안등",
        department=department,
        attributes=[
            {
                "code": "state",
                "datatype": "singlevaluelist",
                "required": True,
                "description": "고장 형태",
                "values": [{"key": "off", "name": "꺼짐"}, {"key": "blink", "name": "깜빡임"}],
            }
        ],
    )
    Board.objects.create(
        organization=district,
        code="open311",
        name="Open311 신고",
        kinds=["report"],
        department=department,
    )
    _key, raw = open311_key_create(actor=None, organization=district, name="벤치 클라이언트")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, body text NOT NULL, "
                "created_at timestamptz NOT NULL)"
            )
        else:
            cursor.execute(
                "CREATE TABLE bench_baseline (id integer PRIMARY KEY AUTOINCREMENT, "
                "body text NOT NULL, created_at datetime NOT NULL)"
            )
    return raw


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(
    port: int, workers: int | None, var_dir: Path, *, bare: bool = False
) -> subprocess.Popen:
    """gunicorn with the project's gunicorn.conf.py: the application (with the baseline URL), or
    with `bare` the bare Django of petition_intake_bare.py."""
    env = os.environ.copy()
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "petition_intake_bare"
            if bare
            else "petition_intake_settings",
            "PYTHONPATH": os.pathsep.join(
                [str(BENCH_DIR), str(ROOT / "src"), env.get("PYTHONPATH", "")]
            ),
            "GUNICORN_BIND": f"{HOST}:{port}",
            # Its own metrics directory: gunicorn.conf.py empties it at start, and a demo
            # running from this checkout must keep its own.
            "SOTONG_VAR_DIR": str(var_dir),
            "SOTONG_TASK_BACKEND": "db",
        }
    )
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    log = open(var_dir / "gunicorn.log", "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(  # noqa: S603 - the checkout's own gunicorn
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "django.core.wsgi:get_wsgi_application()" if bare else "sotong.wsgi:application",
            "-c",
            str(ROOT / "gunicorn.conf.py"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_for_server(port: int, server: subprocess.Popen, var_dir: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped:\n{tail(var_dir / 'gunicorn.log')}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", BASELINE_PATH)  # a 405 from either server: it is up
            if connection.getresponse().status == 405:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer in time:\n{tail(var_dir / 'gunicorn.log')}")


def _session_cpu_seconds(session: int) -> float | None:
    """CPU seconds used so far by the processes of a session (a server and its workers), from
    /proc; None where there is no /proc."""
    total, seen = 0.0, False
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[3]) == session:  # fields[3] is the session id (stat field 6)
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
            seen = True
    return total if seen else None


def wait_until_settled(server: subprocess.Popen) -> None:
    """Until the server's processes use under a tenth of a core for half a second: each worker
    loads the Korean analyser as it starts (gunicorn.conf.py, seconds of CPU), which must not
    fall into a measured phase — the first phases met it before, the bare one too."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    before = _session_cpu_seconds(server.pid)
    while before is not None and time.monotonic() < deadline:
        time.sleep(SETTLE_WINDOW)
        after = _session_cpu_seconds(server.pid)
        if after is None or after - before < SETTLE_WINDOW * SETTLED_CORES:
            return
        before = after


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- load ----------------------------------------------------------------------------------

# wrk's Lua script: every request a distinct description, contact and Idempotency-Key (`tag`,
# the wrk thread and a counter), so that no post is a replay; done() prints the figures.
LUA = """
local path, prefixes, tag = "%(path)s", {%(prefixes)s}, "%(tag)s"
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
function request()
  counter = counter + 1
  local n = tag .. thread_id .. "-" .. counter
  local body = prefixes[counter %% #prefixes + 1] .. "+" .. n .. "&email=bench" .. n .. "%%40example.kr"
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Idempotency-Key"] = n}
  return wrk.format("POST", path, headers, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


def body_prefixes(api_key: str, count: int = 16) -> list[str]:
    """Form bodies but the end of the description and the email, which the script appends."""
    rng = random.Random(7)
    prefixes = []
    for _ in range(count):
        place = rng.choice(PLACES)
        fields = {
            "api_key": api_key,
            "service_code": SERVICE,
            "lat": f"{37.55 + rng.random() * 0.02:.6f}",
            "long": f"{126.97 + rng.random() * 0.03:.6f}",
            "address_string": f"서울 중구 {place} {rng.randint(1, 300)}",
            "first_name": "길동",
            "last_name": "홍",
            "attribute[state]": rng.choice(("off", "blink")),
            "description": f"{place} {rng.randint(1, 300)} 앞 {rng.choice(PROBLEMS)}",
        }
        prefixes.append(urlencode(fields))
    return prefixes


def run_wrk(
    port: int, path: str, script: Path, *, seconds: float, concurrency: int, threads: int
) -> tuple[float, float, float, int, dict]:
    """(req/s, p50 ms, p99 ms, count of 2xx/3xx answers, errors) of one wrk run."""
    threads = max(1, min(threads, concurrency))
    result = subprocess.run(  # noqa: S603 - wrk from the system
        [
            WRK,
            f"-t{threads}",
            f"-c{concurrency}",
            f"-d{max(1, round(seconds))}s",
            f"--timeout={REQUEST_TIMEOUT:g}s",
            "-s",
            str(script),
            f"http://{HOST}:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
    if result.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed:\n{result.stdout}\n{result.stderr}")
    requests, duration_us, p50, p99, status_errors, socket_errors = map(int, line.split()[1:])
    errors = {}
    if status_errors:
        errors["HTTP ≥ 400"] = status_errors
    if socket_errors:
        errors["socket"] = socket_errors
    return (
        requests / (duration_us / 1e6),
        p50 / 1000,
        p99 / 1000,
        requests - status_errors,
        errors,
    )


def run_phase(
    port: int,
    path: str,
    api_key: str,
    var_dir: Path,
    *,
    seconds: float,
    warmup: float,
    concurrency: int,
    clients: int,
    tag: str,
) -> tuple[float, float, float, int, dict]:
    """wrk for `warmup` seconds (not counted), then for `seconds`: the second run's figures."""
    prefixes = ", ".join(f'"{p}"' for p in body_prefixes(api_key))
    runs = [("w", warmup), ("t", seconds)] if warmup > 0 else [("t", seconds)]
    for run, length in runs:
        script = var_dir / f"{tag}{run}.lua"
        script.write_text(LUA % {"path": path, "prefixes": prefixes, "tag": f"{tag}{run}"})
        figures = run_wrk(
            port, path, script, seconds=length, concurrency=concurrency, threads=clients
        )
    return figures


def combine(rounds: list[tuple]) -> tuple[float, float, float, int, dict]:
    """One phase's rounds as one: requests over time, the mean p50, the highest p99."""
    seconds = sum(r[3] / r[0] for r in rounds if r[0])
    count = sum(r[3] for r in rounds)
    errors: dict = {}
    for r in rounds:
        for key, n in r[4].items():
            errors[key] = errors.get(key, 0) + n
    return (
        count / seconds if seconds else 0.0,
        sum(r[1] for r in rounds) / len(rounds),
        max(r[2] for r in rounds),
        count,
        errors,
    )


def _describe(errors: dict) -> str:
    if not errors:
        return "no errors"
    return "errors " + ", ".join(f"{key}×{count}" for key, count in sorted(errors.items(), key=str))


def _line(name: str, figures: tuple) -> str:
    rate, p50, p99, count, errors = figures
    return (
        f"{name}: {rate:.0f} req/s p50 {p50:.1f} ms p99 {p99:.1f} ms "
        f"({count} answered, {_describe(errors)})"
    )


def measure(args, api_key: str, var_dir: Path, warmup: float) -> dict[str, tuple]:
    """Both servers up at once, the three phases in turn, `--rounds` times: a load that grows or
    falls during the run (the bench's own: table and WAL growth, autovacuum) meets each alike."""
    servers = {}
    try:
        for bare in (True, False):
            directory = var_dir / ("bare" if bare else "app")
            directory.mkdir()
            port = free_port()
            servers[bare] = (
                port,
                directory,
                start_server(port, args.workers, directory, bare=bare),
            )
        for port, directory, server in servers.values():
            wait_for_server(port, server, directory)
        for _port, _directory, server in servers.values():
            wait_until_settled(server)
        phases = [("bare", True, BASELINE_PATH), ("baseline", False, BASELINE_PATH)]
        phases.append(("open311", False, INTAKE_PATH))
        results: dict[str, list] = {name: [] for name, _bare, _path in phases}
        for round_ in range(args.rounds):
            for name, bare, path in phases:
                port, directory, _server = servers[bare]
                results[name].append(
                    run_phase(
                        port,
                        path,
                        api_key,
                        directory,
                        seconds=args.seconds / args.rounds,
                        warmup=warmup if round_ == 0 else 0,
                        concurrency=args.concurrency,
                        clients=args.clients,
                        tag=f"{name[0]}{round_}",
                    )
                )
        figures = {name: combine(rounds) for name, rounds in results.items()}
        for name, phase_figures in figures.items():
            print(_line(name, phase_figures), flush=True)
        if any(phase_figures[4] for phase_figures in figures.values()):
            for _port, directory, _server in servers.values():
                print(f"server log (last lines):\n{tail(directory / 'gunicorn.log', 15)}")
        return figures
    finally:
        for _port, _directory, server in servers.values():
            stop_server(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="timed seconds per phase")
    parser.add_argument("--rounds", type=int, default=3, help="the timed seconds in rounds")
    parser.add_argument("--concurrency", type=int, default=32, help="connections of wrk")
    parser.add_argument(
        "--warmup", type=float, default=None, help="untimed seconds first (default: 3, or less)"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)"
    )
    parser.add_argument("--clients", type=int, default=2, help="wrk threads")
    args = parser.parse_args()
    if args.rounds < 1 or args.seconds < args.rounds or args.concurrency < 1:
        parser.error("--seconds must be at least 1 per round, --rounds, --concurrency positive")
    if shutil.which(WRK) is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk (bench/README.md)")
    warmup = args.warmup if args.warmup is not None else min(3.0, args.seconds / 3)

    bench_environment()
    var_dir = Path(tempfile.mkdtemp(prefix="sotong-intake-"))
    try:
        with temporary_database() as vendor:
            setup_django()
            api_key = create_fixtures()
            from django.db import connections

            connections.close_all()
            figures = measure(args, api_key, var_dir, warmup)
            bare, base, intake = figures["bare"], figures["baseline"], figures["open311"]
            from sotong.petitions.models import Petition

            petitions = Petition.objects.filter(channel="open311").count()
            connections.close_all()
            workers = args.workers or os.cpu_count() * 2 + 1
            load = os.getloadavg()[0]
            print(
                f"db {vendor}, {workers} gunicorn workers, wrk with {args.concurrency} "
                f"connections in {args.clients} threads, {args.seconds:g} s per phase in "
                f"{args.rounds} rounds after {warmup:g} s warm-up; petitions created {petitions} "
                f"(≥ {intake[3]} counted); load average {load:.1f}"
            )
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    ratio = intake[0] / base[0] if base[0] else 0.0
    of_bare = intake[0] / bare[0] if bare[0] else 0.0
    base_of_bare = base[0] / bare[0] if bare[0] else 0.0
    print(
        f"intake: {intake[0]:.0f} req/s p99 {intake[2]:.0f} ms "
        f"(baseline {base[0]:.0f} req/s, ratio {ratio:.2f}; bare {bare[0]:.0f} req/s, "
        f"intake/bare {of_bare:.2f}, baseline/bare {base_of_bare:.2f})"
    )


if __name__ == "__main__":
    main()
