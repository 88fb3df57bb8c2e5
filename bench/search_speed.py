"""Speed of the site search (`sotong.core.search`): bulk indexing and query latency.

    .venv/bin/python bench/search_speed.py --docs 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/search_speed.py
    .venv/bin/python bench/search_speed.py --docs 100000 --profile   # where the query time goes

In a fresh database (a temporary SQLite file, or a throwaway `sotong_bench_<pid>` on the
PostgreSQL server of DATABASE_URL; see bench/search_quality.py) it
1. generates `--docs` FAQ-like documents from the Seoul 120 file with a fixed seed: real answers,
   answers recombined from passages of several entries, titles varied with district names and
   the words of notices, spread over 26 organisations, the eleven categories and ten years of
   dates, and stores them as `FaqEntry` rows (not timed);
2. indexes them all through the real bulk path, `manage.py search_reindex faq` (timed: docs/s);
3. runs `--queries` searches as an anonymous visitor (after a few untimed warm-up searches):
   every query of the query set, then random combinations of one to three words of the corpus,
   one in ten with a category filter and one in ten asking for the second page; each is timed
   from the call of `search()` until every hit's snippet has been read;
4. prints the distribution and as its last line
   `search p95: X ms (p50 Y ms, index Z docs/s, db sqlite|postgresql)`.

It measures and never asserts; the goal (issue 3) is p95 < 50 ms on both databases."""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import math
import pstats
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_quality import (
    DEFAULT_FAQ,
    FAQ_TYPE,
    bench_environment,
    load_queries,
    reindex,
    setup_django,
    temporary_database,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUERY_SET = ROOT / "bench" / "data" / "search_queries.tsv"
SEED = 20240611
BATCH = 2000
WARM_UP = 10
DAYS = 3650
HANGUL_WORD_RE = re.compile(r"[가-힣]{2,}")

DISTRICTS = [
    "종로구",
    "중구",
    "용산구",
    "성동구",
    "광진구",
    "동대문구",
    "중랑구",
    "성북구",
    "강북구",
    "도봉구",
    "노원구",
    "은평구",
    "서대문구",
    "마포구",
    "양천구",
    "강서구",
    "구로구",
    "금천구",
    "영등포구",
    "동작구",
    "관악구",
    "서초구",
    "강남구",
    "송파구",
    "강동구",
]
TITLE_PREFIXES = ("", "", "", "[안내] ", "[공지] ", "[2019] ", "[2023 달라지는 업무] ", "[종료] ")
TITLE_SUFFIXES = (
    "",
    "",
    "",
    " 안내",
    " 신청 방법",
    " 문의",
    " 변경 사항",
    " 이용 안내",
    " 자주 묻는 질문",
)


def read_faq(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            (row["제목"].strip(), " ".join(row["내용"].split())) for row in csv.DictReader(handle)
        ]


def passages(answers: list[str], size: int = 14) -> list[str]:
    """Answers cut into runs of about `size` words: the source lost its punctuation, so
    sentences cannot be found; runs of words read like clauses of the same texts."""
    out = []
    for answer in answers:
        words = answer.split()
        out.extend(" ".join(words[i : i + size]) for i in range(0, len(words), size))
    return [p for p in out if len(p) > 20] or ["민원 안내 내용은 담당 부서로 문의하시기 바랍니다"]


def generate(n: int, faq: list[tuple[str, str]], rng: random.Random):
    """`n` (title, answer, category index, organisation index, day) tuples."""
    titles = [title for title, _ in faq if title]
    chunks = passages([answer for _, answer in faq if answer])
    for i in range(n):
        title, answer = faq[i % len(faq)] if i < len(faq) else rng.choice(faq)
        kind = rng.random()
        if kind < 0.3 and i >= len(faq):
            # Another district's version of the same question.
            title = f"({rng.choice(DISTRICTS)}) {title}"
        elif kind < 0.6 and i >= len(faq):
            # A new question made of two others.
            first, second = rng.choice(titles).split(), rng.choice(titles).split()
            title = " ".join(first[: max(1, len(first) // 2)] + second[len(second) // 2 :])
        if i >= len(faq):
            title = rng.choice(TITLE_PREFIXES) + title + rng.choice(TITLE_SUFFIXES)
            if rng.random() < 0.6:
                answer = " ".join(rng.sample(chunks, k=min(len(chunks), rng.randint(2, 8))))
        yield title[:300], answer, rng.randrange(11), rng.randrange(26), rng.randrange(DAYS)


def store(n: int, faq_path: Path, rng: random.Random) -> None:
    """Writes the generated documents as FaqEntry rows, with their organisations and dates."""
    from sotong.guide.models import FaqEntry
    from sotong.org.models import Organization

    city = Organization.objects.create(
        code="bench-seoul", name="서울특별시(벤치)", kind=Organization.Kind.CITY, head_title="시장"
    )
    orgs = [city.pk] + [
        Organization.objects.create(
            code=f"bench-{index:02d}",
            name=f"{name}(벤치)",
            kind=Organization.Kind.DISTRICT,
            parent=city,
            head_title="구청장",
        ).pk
        for index, name in enumerate(DISTRICTS)
    ]
    categories = FaqEntry.Category.values
    start = datetime(2015, 1, 1, tzinfo=UTC)
    by_day: dict[int, list[int]] = {}
    batch: list[FaqEntry] = []
    days: list[int] = []

    def flush() -> None:
        created = FaqEntry.objects.bulk_create(batch)
        for entry, day in zip(created, days, strict=True):
            by_day.setdefault(day, []).append(entry.pk)
        batch.clear()
        days.clear()

    for i, (title, answer, category, org, day) in enumerate(generate(n, read_faq(faq_path), rng)):
        batch.append(
            FaqEntry(
                title=title,
                answer=answer,
                category=categories[category % len(categories)],
                organization_id=orgs[org % len(orgs)],
                source="bench",
                source_id=str(i),
                attribution="서울특별시 120다산콜재단 「120 주요질문」 재구성",
            )
        )
        days.append(day)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    # auto_now sets every row to now; spread them over the years the filters are for.
    for day, pks in by_day.items():
        for i in range(0, len(pks), 900):
            FaqEntry.objects.filter(pk__in=pks[i : i + 900]).update(
                updated_at=start + timedelta(days=day), created_at=start + timedelta(days=day)
            )


def query_plan(count: int, query_set: Path | None, faq_path: Path, rng: random.Random):
    """(query, filters) pairs: the query set first, then random word combinations. Category
    filters use the categories the index holds (what the search page offers)."""
    from sotong.core.search import category_choices

    categories = sorted(category_choices([FAQ_TYPE])) or [""]

    texts = [q.text for q in load_queries(query_set)] if query_set else []
    vocabulary = sorted(
        {word for title, _ in read_faq(faq_path) for word in HANGUL_WORD_RE.findall(title)}
    )
    while len(texts) < count:
        texts.append(" ".join(rng.sample(vocabulary, k=min(len(vocabulary), rng.randint(1, 3)))))
    plan = []
    for text in texts[:count]:
        filters: dict = {}
        roll = rng.random()
        if roll < 0.1:
            filters["category"] = rng.choice(categories)
        elif roll < 0.2:
            filters["page"] = 2
        plan.append((text, filters))
    return plan


def timed_searches(plan, profile: cProfile.Profile | None = None) -> list[float]:
    """Milliseconds per search, after WARM_UP untimed ones. With `profile`, the searches (not the
    timing code) run under it; the figures then include the profiler's overhead."""
    from django.contrib.auth.models import AnonymousUser

    from sotong.core.search import search

    visitor = AnonymousUser()

    def one(text: str, filters: dict) -> None:
        page = search(user=visitor, q=text, types=[FAQ_TYPE], per_page=10, **filters)
        for hit in page.hits:
            str(hit.snippet)
            str(hit.title)

    for text, filters in plan[:WARM_UP]:
        one(text, filters)
    times = []
    for text, filters in plan:
        if profile:
            profile.enable()
        started = time.perf_counter()
        one(text, filters)
        times.append((time.perf_counter() - started) * 1000)
        if profile:
            profile.disable()
    return times


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="documents to index")
    parser.add_argument("--queries", type=int, default=300, help="timed searches")
    parser.add_argument("--faq", type=Path, default=DEFAULT_FAQ, help="the Seoul 120 CSV file")
    parser.add_argument(
        "--query-set", type=Path, default=DEFAULT_QUERY_SET, help="TSV whose queries come first"
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--profile", action="store_true", help="profile a second pass of the same searches"
    )
    args = parser.parse_args(argv)
    if args.docs < 1 or args.queries < 1:
        raise SystemExit("--docs and --queries must be positive")
    if not args.faq.is_file():
        raise SystemExit(f"FAQ file not found: {args.faq}")
    query_set = args.query_set if args.query_set and args.query_set.is_file() else None

    bench_environment()
    rng = random.Random(args.seed)
    with temporary_database() as vendor:
        setup_django()
        started = time.perf_counter()
        store(args.docs, args.faq, rng)
        stored = time.perf_counter() - started
        indexed = reindex()
        plan = query_plan(args.queries, query_set, args.faq, rng)
        times = timed_searches(plan)
        profile = None
        if args.profile:
            # A second pass over the same searches, profiled; the figures come from the first.
            profile = cProfile.Profile()
            timed_searches(plan, profile)

    rate = args.docs / indexed if indexed else float("inf")
    p50, p95 = percentile(times, 0.50), percentile(times, 0.95)
    print(
        f"db {vendor}: {args.docs} documents stored in {stored:.1f} s, "
        f"indexed in {indexed:.1f} s ({rate:.0f} docs/s)"
    )
    print(
        f"{len(times)} searches: min {min(times):.1f} ms, p50 {p50:.1f} ms, "
        f"p90 {percentile(times, 0.90):.1f} ms, p95 {p95:.1f} ms, "
        f"p99 {percentile(times, 0.99):.1f} ms, max {max(times):.1f} ms"
    )
    slowest = sorted(zip(times, plan, strict=True), key=lambda item: -item[0])[:5]
    for ms, (text, filters) in slowest:
        print(f"  slow: {ms:.1f} ms {text!r} {filters or ''}")
    if profile:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(30)
        print(out.getvalue())
    print(f"search p95: {p95:.1f} ms (p50 {p50:.1f} ms, index {rate:.0f} docs/s, db {vendor})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
