"""Fan-out of a campaign (issue 4, point 8): planning a million deliveries, and how fast workers
hand them to the SMS/KakaoTalk provider.

    .venv/bin/python bench/fanout.py --recipients 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/fanout.py --recipients 1000000 --deliver-sample 50000
    .venv/bin/python bench/fanout.py --recipients 100000 --explain   # the planning queries' plans
    .venv/bin/python bench/fanout.py --recipients 100000 --profile   # where a worker's time goes

In a fresh database (a temporary SQLite file, or a throwaway `sotong_bench_<pid>` on the
PostgreSQL server of DATABASE_URL, dropped at the end; see bench/search_quality.py) it
1. creates `--recipients` ACTIVE subscribers of one district, each with a distinct confirmed
   mobile number, encrypted (Fernet, as `EncryptedCharField` stores it) with its keyed hash, spread
   over the district's 동, interests, life stages and birth years; 60% chose KakaoTalk (with
   SMS), 40% SMS only; none has an e-mail address, so every message goes to the provider. The
   encryption runs in a process pool and the rows go in by `executemany` in large chunks
   (SQLite) or `COPY` (PostgreSQL): timed and reported, but not the goal figure;
2. counts the segment of an emergency campaign to the whole district (`segments.segment_count`,
   timed) and plans it (`planning.campaign_plan`, timed: the goal figure, one INSERT … SELECT
   per channel in one transaction, and on PostgreSQL the ANALYZE of the outbox that follows a
   large plan), then plans it again to show that replanning adds nothing;
3. delivers a sample (`--deliver-sample`, default 50,000; the rest of the deliveries are moved a
   day ahead so the workers leave them alone, still queued) with `--workers` worker processes,
   each looping over `pipeline.deliver_due`, to the fake provider run as its own process
   (`python -m sotong.notify.fakeprovider`); timed from the moment the ready workers are told to
   start until the last one has found nothing more to do;
4. prints the figures and as its last line
   `fanout: planned N in X s; delivered M in Y s (Z msg/s) to the fake provider`.

It measures and never asserts; the goals (issue 4) are 1,000,000 planned in under 60 s and at
least 2,000 messages/s delivered with 2 workers, on both databases."""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import multiprocessing
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_quality import bench_environment, setup_django, temporary_database

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 20_000
DONGS = ("충현동", "천연동", "북아현동", "신촌동", "연희동", "홍제1동", "홍제2동", "홍은1동")
WORKER_DEADLINE = 1800.0


def phone_number(i: int) -> str:
    return f"010{i:08d}"


# --- step 1: subscribers -----------------------------------------------------------------------


def _encrypt_chunk(bounds: tuple[int, int]) -> list[tuple[str, str]]:
    """(encrypted phone, keyed hash) for subscribers start … stop-1. Runs in a pool process."""
    from sotong.core.privacy.crypto import encrypt, lookup_hash

    start, stop = bounds
    out = []
    for i in range(start, stop):
        phone = phone_number(i)
        out.append((encrypt(phone), lookup_hash(phone, purpose="notify.phone")))
    return out


def subscriber_columns(vendor: str) -> tuple[list[str], list]:
    """Every column of Subscriber but the id, and a template row of their values: the model's
    defaults (so a column added later needs no change here), made ready for the database."""
    from django.db import connection

    from sotong.notify.models import Subscriber

    columns, template = [], []
    for field in Subscriber._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        has_default = field.has_default()
        template.append(
            field.get_db_prep_save(field.get_default(), connection) if has_default else None
        )
    return columns, template


def subscriber_rows(n: int, pool, *, organization_id: int, dong_ids: list[int], vendor: str):
    """Chunks of rows in `subscriber_columns` order; `pool` encrypts the next chunks while the
    caller writes this one."""
    from django.db import connection
    from django.utils import timezone

    from sotong.notify.models import CHANNEL_BITS, Channel, Subscriber

    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now) if vendor == "sqlite" else now
    columns, template = subscriber_columns(vendor)
    at = {column: index for index, column in enumerate(columns)}
    for column, value in {
        "organization_id": organization_id,
        "status": Subscriber.Status.ACTIVE.value,
        "frequency": Subscriber.Frequency.IMMEDIATE.value,
        "email": "",
        "email_hash": None,
        "email_confirmed_at": None,
        "phone_confirmed_at": stamp,
        "created_at": stamp,
        "updated_at": stamp,
        "language": "ko",
    }.items():
        template[at[column]] = value
    kakao = CHANNEL_BITS[Channel.KAKAO] | CHANNEL_BITS[Channel.SMS]
    sms = CHANNEL_BITS[Channel.SMS]
    varying_names = (
        "dong_id",
        "phone",
        "phone_hash",
        "interests",
        "life_stages",
        "target_groups",
        "channels",
        "birth_year",
        "digest_weekday",
        "promo_consent",
    )
    unset = [
        field.column
        for field in Subscriber._meta.concrete_fields
        if not (field.primary_key or field.null or field.column in varying_names)
        and template[at[field.column]] is None
    ]
    if unset:
        raise SystemExit(f"fanout.py does not know what to put in {unset}: update it")
    varying = [at[name] for name in varying_names]
    bounds = [(start, min(start + CHUNK, n)) for start in range(0, n, CHUNK)]
    for (start, _stop), secrets in zip(bounds, pool.imap(_encrypt_chunk, bounds), strict=True):
        rows = []
        for offset, (token, digest) in enumerate(secrets):
            i = start + offset
            row = template.copy()
            for index, value in zip(
                varying,
                (
                    dong_ids[i % len(dong_ids)],
                    token,
                    digest,
                    (1 << (i % 10)) | (1 << ((i // 10) % 10)),
                    1 << (i % 7),
                    (1 << (i % 8)) if i % 3 == 0 else 0,
                    kakao if i % 5 < 3 else sms,
                    1940 + i % 70,
                    i % 7,
                    i % 2 == 0,
                ),
                strict=True,
            ):
                row[index] = value
            rows.append(row)
        yield rows


def create_subscribers(n: int, *, organization_id: int, dong_ids: list[int], vendor: str) -> None:
    from django.db import connection, transaction

    from sotong.notify.models import Subscriber

    table = Subscriber._meta.db_table
    columns, _ = subscriber_columns(vendor)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    # Forked pool processes must not inherit (and, exiting, close) this process's connection.
    connection.close()
    processes = max(1, min(os.cpu_count() or 1, 4))
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        chunks = subscriber_rows(
            n, pool, organization_id=organization_id, dong_ids=dong_ids, vendor=vendor
        )
        if vendor == "postgresql":
            with transaction.atomic(), connection.cursor() as cursor:
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for rows in chunks:
                        for row in rows:
                            copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - our names
            with transaction.atomic(), connection.cursor() as cursor:
                for rows in chunks:
                    cursor.executemany(sql, rows)
    with connection.cursor() as cursor:
        # What autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) would do after such a load:
        # the planners need the statistics.
        cursor.execute(f"VACUUM ANALYZE {table}" if vendor == "postgresql" else "ANALYZE")


def make_government() -> tuple:
    from sotong.accounts.models import User
    from sotong.org.models import Dong, Organization

    city = Organization.objects.create(
        code="bench-city", name="서울특별시(벤치)", kind=Organization.Kind.CITY, head_title="시장"
    )
    district = Organization.objects.create(
        code="bench-gu",
        name="서대문구(벤치)",
        kind=Organization.Kind.DISTRICT,
        parent=city,
        head_title="구청장",
    )
    dongs = [Dong.objects.create(organization=district, name=name).pk for name in DONGS]
    staff = User.objects.create_user(
        email="bench@bench.go.kr", password=None, display_name="벤치 담당자"
    )
    return district, dongs, staff


def make_campaign(district, staff):
    from sotong.notify.models import Campaign, Channel, Template, channel_mask

    kakao = Template.objects.create(
        organization=district,
        key="bench.emergency",
        kind=Template.Kind.CAMPAIGN,
        channel=Channel.KAKAO,
        name="긴급 알림(벤치)",
        body="[서대문구] #{title} 안전에 유의하시기 바랍니다.",
        kakao_template_code="BENCH_EMERGENCY_001",
    )
    return Campaign.objects.create(
        organization=district,
        kind=Campaign.Kind.EMERGENCY,
        title="호우 경보(벤치)",
        segment={},
        channels=channel_mask([Channel.SMS, Channel.KAKAO]),
        sms_body="[서대문구] 호우 경보 발령. 하천 산책로 출입을 삼가고 안전에 유의하세요.",
        kakao_template=kakao,
        kakao_variables={"title": "호우 경보 발령"},
        created_by=staff,
    )


# --- step 2: planning --------------------------------------------------------------------------


def explain_planning(campaign, vendor: str) -> None:
    """Prints the plan of each channel's INSERT … SELECT (PostgreSQL: EXPLAIN ANALYZE, rolled
    back)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from sotong.notify.planning import campaign_plan

    with CaptureQueriesContext(connection) as captured:
        try:
            with transaction.atomic():
                campaign_plan(campaign, now=timezone.now())
                raise _Rollback
        except _Rollback:
            pass
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    for query in captured.captured_queries:
        if not query["sql"].startswith("INSERT"):
            continue
        print(f"plan of: {query['sql'][:160]}…")
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(prefix + query["sql"])
                for row in cursor.fetchall():
                    print("   ", " ".join(str(cell) for cell in row))
                raise _Rollback
        except _Rollback:
            pass


class _Rollback(Exception):
    pass


# --- step 3: delivery --------------------------------------------------------------------------


def keep_sample(campaign, sample: int) -> int:
    """Moves every delivery but those of the first subscribers (`sample` deliveries, both
    channels mixed as planned) a day ahead, so workers leave them queued. Returns the sample's
    size."""
    from django.db.models import F

    from sotong.notify.models import Delivery

    rows = Delivery.objects.filter(campaign=campaign)
    last = (
        rows.order_by("subscriber_id", "id")
        .values_list("subscriber_id", flat=True)[sample - 1 : sample]
        .first()
    )
    if last is None:
        return rows.count()
    rows.filter(subscriber_id__gt=last).update(not_before=F("not_before") + timedelta(days=1))
    return rows.filter(subscriber_id__lte=last).count()


def start_provider() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "sotong.notify.fakeprovider", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    line = process.stdout.readline().strip() if process.stdout else ""
    if not line.startswith("listening on "):
        process.kill()
        raise SystemExit(f"the fake provider did not start: {line!r}")
    return process, line.removeprefix("listening on ").strip()


def deliver(
    workers: int, provider_url: str, batch_size: int | None, profile: str | None = None
) -> tuple[float, list[dict]]:
    """Runs `workers` worker processes until nothing is due: seconds from "go" to the last
    exit, and each worker's summed `pipeline.Stats`."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "SOTONG_SOLAPI_URL": provider_url,
        # A worker's wake-ups land in the database queue, which nobody runs here: the bench
        # workers loop by themselves.
        "SOTONG_TASK_BACKEND": "db",
    }
    command = [sys.executable, str(Path(__file__).resolve()), "--worker"]
    if batch_size:
        command += ["--batch-size", str(batch_size)]
    processes = [
        subprocess.Popen(  # noqa: S603 - this script, with our arguments
            [*command, f"bench-{i}", *(["--profile-to", f"{profile}.{i}"] if profile else [])],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(workers)
    ]
    for process in processes:
        line = process.stdout.readline().strip() if process.stdout else ""
        if line != "ready":
            for other in processes:
                other.kill()
            raise SystemExit(f"a worker did not start: {line!r}")
    started = time.perf_counter()
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    outputs = []
    for process in processes:
        out, _ = process.communicate(timeout=WORKER_DEADLINE)
        if process.returncode != 0:
            raise SystemExit(f"a worker failed ({process.returncode}): {out[-2000:]}")
        outputs.append(out)
    elapsed = time.perf_counter() - started
    return elapsed, [json.loads(out.strip().splitlines()[-1]) for out in outputs]


def worker_main(name: str, batch_size: int | None, profile: str | None = None) -> int:
    """One worker process: set up, say "ready", wait for "go", then run `deliver_due` until it
    finds nothing due (or every transport is down); prints its summed Stats as JSON."""
    bench_environment()
    import django

    django.setup()
    from sotong.notify import pipeline

    # One log line per batch is what an operator wants, not what a benchmark prints.
    logging.getLogger("sotong.notify").setLevel(logging.WARNING)
    print("ready", flush=True)
    sys.stdin.readline()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    deadline = time.monotonic() + WORKER_DEADLINE
    total: dict[str, int] = {}
    stopped = ""
    while time.monotonic() < deadline:
        stats = pipeline.deliver_due(worker=name, batch_size=batch_size, time_budget=30.0)
        for key, value in stats.as_dict().items():
            if isinstance(value, int):
                total[key] = total.get(key, 0) + value
        stopped = stats.stopped
        if stopped != "budget":
            break
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    print(json.dumps({"worker": name, "stopped": stopped, **total}), flush=True)
    return 0


def delivery_available() -> str:
    """Empty when the pipeline and the fake provider exist, else what is missing."""
    import importlib.util

    missing = [
        module
        for module in ("sotong.notify.pipeline", "sotong.notify.fakeprovider")
        if importlib.util.find_spec(module) is None
    ]
    return ", ".join(missing)


# --- main ------------------------------------------------------------------------------------


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def run(args) -> int:
    with temporary_database() as vendor:
        setup_django()
        from django.db import transaction
        from django.db.models import Count
        from django.utils import timezone

        from sotong.notify.models import Delivery
        from sotong.notify.planning import campaign_count, campaign_plan

        district, dongs, staff = make_government()
        _, created_in = timed(
            create_subscribers,
            args.recipients,
            organization_id=district.pk,
            dong_ids=dongs,
            vendor=vendor,
        )
        print(
            f"db {vendor}: created {args.recipients} subscribers in {created_in:.1f} s "
            f"({args.recipients / created_in:.0f}/s; Fernet-encrypted phone and keyed hash each, "
            "encryption in a process pool)"
        )
        campaign = make_campaign(district, staff)
        counts, counted_in = timed(campaign_count, campaign)
        print(
            f"segment count in {counted_in:.2f} s: {counts['subscribers']} subscribers, "
            f"{counts['deliveries']} deliveries (email {counts['email']}, "
            f"kakao {counts['kakao']}, sms {counts['sms']})"
        )
        if args.explain:
            explain_planning(campaign, vendor)

        now = timezone.now()
        planned, planned_in = timed(campaign_plan, campaign, now=now)
        by_channel = dict(
            Delivery.objects.filter(campaign=campaign)
            .values_list("channel")
            .annotate(n=Count("id"))
        )
        print(
            f"planned {planned} deliveries in {planned_in:.1f} s "
            f"({planned / planned_in:.0f}/s; {by_channel}); count said {counts['deliveries']}"
        )
        replanned, replanned_in = timed(campaign_plan, campaign, now=now)
        print(f"planned again: {replanned} more in {replanned_in:.1f} s (idempotent)")
        # As `campaigns.py` leaves a campaign it started, so the workers' finish check runs.
        campaign.status, campaign.scheduled_at, campaign.planned_at = "sending", now, now
        campaign.planned_count = planned
        campaign.save()

        delivered, delivered_in = 0, 0.0
        missing = delivery_available()
        if missing:
            print(f"delivery skipped: {missing} not available yet")
        elif args.deliver_sample > 0:
            with transaction.atomic():
                sample = keep_sample(campaign, args.deliver_sample)
            provider, url = start_provider()
            try:
                profile = (
                    str(Path(tempfile.mkdtemp(prefix="fanout-profile-")) / "worker")
                    if args.profile
                    else None
                )
                delivered_in, worker_stats = deliver(args.workers, url, args.batch_size, profile)
            finally:
                provider.terminate()
                provider.wait(timeout=10)
            states = dict(
                Delivery.objects.filter(campaign=campaign, not_before__lte=now)
                .values_list("status")
                .annotate(n=Count("id"))
            )
            delivered = states.get("sent", 0) + states.get("delivered", 0)
            for stats in worker_stats:
                print(
                    f"worker {stats['worker']}: claimed {stats.get('claimed', 0)}, "
                    f"sent {stats.get('sent', 0)}, failed {stats.get('failed', 0)}, "
                    f"skipped {stats.get('skipped', 0)}, retried {stats.get('retried', 0)} "
                    f"in {stats.get('rounds', 0)} rounds (stopped: {stats['stopped']})"
                )
            if profile:
                out = io.StringIO()
                stats = pstats.Stats(f"{profile}.0", stream=out)
                stats.sort_stats("cumulative").print_stats(35)
                print(f"profile of worker bench-0 (cumulative):\n{out.getvalue()}")
                shutil.rmtree(Path(profile).parent, ignore_errors=True)
            whole = "the whole campaign" if sample >= planned else f"a sample of {sample}"
            print(
                f"delivery: {whole} of {planned} deliveries, {args.workers} worker processes, "
                f"db {vendor}; states after: {states}"
            )
        else:
            print(f"delivery: none asked (--deliver-sample 0), db {vendor}")
    rate = delivered / delivered_in if delivered_in else 0.0
    print(
        f"fanout: planned {planned} in {planned_in:.1f} s; delivered {delivered} in "
        f"{delivered_in:.1f} s ({rate:.0f} msg/s) to the fake provider"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument(
        "--deliver-sample", type=int, default=50_000, help="deliveries to send (0: none)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=None, help="deliver_due batch size")
    parser.add_argument("--explain", action="store_true", help="print the planning query plans")
    parser.add_argument(
        "--profile", action="store_true", help="profile the workers (cProfile of the first)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(args.worker, args.batch_size, args.profile_to)
    if args.recipients < 1 or args.workers < 1 or args.deliver_sample < 0:
        raise SystemExit("--recipients and --workers must be positive")
    bench_environment()
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
