"""Intake throughput of the Open311 API (issue 5, "Measured"): petitions posted concurrently to
`POST /open311/v2/requests.xml`, served by gunicorn as in production, against a minimal Django
view that inserts one row, served the same way in the same run.

    .venv/bin/python bench/petition_intake.py --seconds 30 --concurrency 32
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/petition_intake.py --seconds 30 --concurrency 32

In a fresh database (a temporary SQLite file, or a throwaway `sotong_bench_<pid>` on the
PostgreSQL server of DATABASE_URL, dropped at the end; see bench/search_quality.py) it
1. migrates, creates a district with a department, a category (an Open311 service with a
   required list attribute), the board `open311` and an API key (`open311_key_create`), and the
   baseline's table `bench_baseline` (id, body, created_at);
2. starts gunicorn with the project's `gunicorn.conf.py` (sync workers, `WEB_CONCURRENCY`
   workers — by default the config's 2 × CPUs + 1 — as `make demo` runs it), settings
   `bench/petition_intake_settings.py` = the application's settings plus the baseline URL, the
   database task backend (a queued task is a row, as in a one-machine install; no worker runs
   during the measurement), logs to a file in a temporary directory;
3. posts from `--clients` processes with `--concurrency` threads in all, each a new HTTP
   connection per request (gunicorn's sync workers close it anyway): first to the baseline
   (`POST /bench/baseline` with the same form body), then to Open311 (`POST
   /open311/v2/requests.xml`: a distinct description, place and contact each, an
   `Idempotency-Key` header each). Each phase warms up for `--warmup` seconds, then is timed
   for `--seconds`; only 200 answers count, anything else is reported;
4. checks that every counted Open311 answer became a petition, and prints as its last line
   `intake: X req/s p99 Y ms (baseline Z req/s, ratio R)`, with R = X / Z.

It measures and never asserts; the goals (issue 5) on PostgreSQL are ≥ 400 req/s, p99 < 150 ms
and a ratio ≥ 0.5. Client, server and database share the machine: the figures move with its
load, as the line before the figure says (load average)."""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
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
SERVER_START_TIMEOUT = 90.0
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
    from sotong.petitions.open311_keys import open311_key_create

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


def start_server(port: int, workers: int | None, var_dir: Path) -> subprocess.Popen:
    env = os.environ.copy()
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "petition_intake_settings",
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
    log = open(var_dir / "gunicorn.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(  # noqa: S603 - the checkout's own gunicorn
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "sotong.wsgi:application",
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
            connection.request("GET", "/open311/v2/discovery.json")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer in time:\n{tail(var_dir / 'gunicorn.log')}")


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


def form_body(api_key: str, tag: str, n: int, rng: random.Random) -> bytes:
    place = rng.choice(PLACES)
    return urlencode(
        {
            "api_key": api_key,
            "service_code": SERVICE,
            "lat": f"{37.55 + rng.random() * 0.02:.6f}",
            "long": f"{126.97 + rng.random() * 0.03:.6f}",
            "address_string": f"서울 중구 {place} {rng.randint(1, 300)}",
            "description": f"{place} {rng.randint(1, 300)} 앞 {rng.choice(PROBLEMS)} ({tag}-{n})",
            "email": f"bench{tag}-{n}@example.kr",
            "first_name": "길동",
            "last_name": "홍",
            "attribute[state]": rng.choice(("off", "blink")),
        }
    ).encode()


def _client_thread(
    port: int,
    path: str,
    api_key: str,
    tag: str,
    start: float,
    warm_end: float,
    end: float,
    out: list,
    errors: dict,
) -> None:
    rng = random.Random(tag)
    n = 0
    while time.time() < start:
        time.sleep(0.001)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    while True:
        sent = time.time()
        if sent >= end:
            return
        n += 1
        body = form_body(api_key, tag, n, rng)
        headers["Idempotency-Key"] = f"{tag}-{n}"
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
            connection.request("POST", path, body, headers)
            answer = connection.getresponse()
            answer.read()
            status = answer.status
            connection.close()
        except OSError as error:
            status = type(error).__name__
        done = time.time()
        if sent < warm_end or done > end:
            continue  # only what was sent and answered within the timed window counts
        if status == 200:
            out.append(done - sent)
        else:
            errors[status] = errors.get(status, 0) + 1


def _client_process(args: tuple) -> tuple[list[float], dict]:
    port, path, api_key, index, threads, start, warm_end, end = args
    latencies: list[float] = []
    errors: dict = {}
    workers = [
        threading.Thread(
            target=_client_thread,
            args=(port, path, api_key, f"{index}.{t}", start, warm_end, end, latencies, errors),
        )
        for t in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies, errors


def run_phase(
    port: int,
    path: str,
    api_key: str,
    *,
    seconds: float,
    warmup: float,
    concurrency: int,
    clients: int,
    phase: str,
) -> tuple[float, float, float, int, dict]:
    """(req/s, p50 ms, p99 ms, count, errors) of `seconds` of posting after a warm-up."""
    clients = max(1, min(clients, concurrency))
    start = time.time() + 0.5
    warm_end = start + warmup
    end = warm_end + seconds
    shares = [
        concurrency // clients + (1 if i < concurrency % clients else 0) for i in range(clients)
    ]
    jobs = [
        (port, path, api_key, f"{phase}{i}", share, start, warm_end, end)
        for i, share in enumerate(shares)
    ]
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        results = pool.map(_client_process, jobs)
    latencies = sorted(latency for part, _errors in results for latency in part)
    errors: dict = {}
    for _part, part_errors in results:
        for key, count in part_errors.items():
            errors[key] = errors.get(key, 0) + count
    if not latencies:
        return 0.0, 0.0, 0.0, 0, errors
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return len(latencies) / seconds, p50, p99, len(latencies), errors


def _describe(errors: dict) -> str:
    if not errors:
        return "no errors"
    return "errors " + ", ".join(f"{key}×{count}" for key, count in sorted(errors.items(), key=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="timed seconds per phase")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument(
        "--warmup", type=float, default=None, help="untimed seconds first (default: 3, or less)"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)"
    )
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    args = parser.parse_args()
    if args.seconds <= 0 or args.concurrency < 1:
        parser.error("--seconds and --concurrency must be positive")
    warmup = args.warmup if args.warmup is not None else min(3.0, args.seconds / 3)

    bench_environment()
    var_dir = Path(tempfile.mkdtemp(prefix="sotong-intake-"))
    try:
        with temporary_database() as vendor:
            setup_django()
            api_key = create_fixtures()
            from django.db import connections

            connections.close_all()
            port = free_port()
            server = start_server(port, args.workers, var_dir)
            try:
                wait_for_server(port, server, var_dir)
                common = {
                    "seconds": args.seconds,
                    "warmup": warmup,
                    "concurrency": args.concurrency,
                    "clients": args.clients,
                }
                base = run_phase(port, BASELINE_PATH, api_key, phase="b", **common)
                print(
                    f"baseline: {base[0]:.0f} req/s p50 {base[1]:.1f} ms p99 {base[2]:.1f} ms "
                    f"({base[3]} requests, {_describe(base[4])})",
                    flush=True,
                )
                intake = run_phase(port, INTAKE_PATH, api_key, phase="i", **common)
                print(
                    f"open311: {intake[0]:.0f} req/s p50 {intake[1]:.1f} ms p99 "
                    f"{intake[2]:.1f} ms ({intake[3]} requests, {_describe(intake[4])})",
                    flush=True,
                )
            finally:
                stop_server(server)
            from sotong.petitions.models import Petition

            petitions = Petition.objects.filter(channel="open311").count()
            connections.close_all()
            if intake[4]:
                print(f"server log (last lines):\n{tail(var_dir / 'gunicorn.log', 15)}")
            workers = args.workers or os.cpu_count() * 2 + 1
            load = os.getloadavg()[0]
            print(
                f"db {vendor}, {workers} gunicorn workers, {args.concurrency} concurrent "
                f"clients in {args.clients} processes, {args.seconds:g} s per phase after "
                f"{warmup:g} s warm-up; petitions created {petitions} "
                f"(≥ {intake[3]} counted); load average {load:.1f}"
            )
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    ratio = intake[0] / base[0] if base[0] else 0.0
    print(
        f"intake: {intake[0]:.0f} req/s p99 {intake[2]:.0f} ms "
        f"(baseline {base[0]:.0f} req/s, ratio {ratio:.2f})"
    )


if __name__ == "__main__":
    main()
