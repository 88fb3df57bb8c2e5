"""Ranking quality of the site search (`sotong.core.search`) on the Seoul 120 knowledge base.

    .venv/bin/python bench/search_quality.py --queries bench/data/search_queries.tsv
    .venv/bin/python bench/search_quality.py --queries FILE.tsv --faq PATH/seoul120_faq.csv

What it does, in one run:
1. creates a fresh database: a temporary SQLite file, or, when DATABASE_URL names a PostgreSQL
   server, a throwaway database `sotong_bench_<pid>` on that server (dropped at the end);
2. migrates it and imports the whole FAQ file through the real code path
   (`sotong.guide.faq.services.faq_import`, as `manage.py faq_import` does);
3. builds the search index with `manage.py search_reindex faq` and runs every query through
   `search()` as an anonymous visitor, restricted to the `faq` type;
4. swaps the analyser for a baseline without morphology (NFC, casefold, split on whitespace and
   punctuation: the words as typed, particles and endings still attached), rebuilds the index with
   it and runs the same queries through the same ranking;
5. prints the figures per category, the worst queries with the tokens the analyser made of them,
   and as its last line
   `ndcg@10: X (mrr Y, n=N, baseline-no-morphology ndcg@10 Z)`.

The query file is UTF-8 TSV with the header `query<TAB>expected`; `expected` lists the 내용번호 of
every entry that answers the query, comma-separated. Relevance is binary. nDCG@10 divides the DCG
of the first ten results by the best DCG possible with that many relevant entries; MRR is the mean
of 1/rank of the first relevant result within the first ten (0 when none is there). A query's
category is the 분류 of its first expected entry.

The FAQ file defaults to ../shared/data/seoul120_faq.csv beside the checkout (development data,
never read by the project itself); see bench/data/README.md for how the queries were written."""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_FAQ = ROOT.parent / "shared" / "data" / "seoul120_faq.csv"
FAQ_TYPE = "faq"
CUTOFF = 10
WORST_SHOWN = 25
WORD_RE = re.compile(r"[^\W_]+")
MAX_TOKEN_CHARS = 40


# --- environment and a throwaway database ----------------------------------------------------


def bench_environment() -> None:
    """The settings a benchmark runs with: no debug (Django would keep every query in memory),
    tasks run in the caller, mail stays in memory. Set before Django reads its settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sotong.settings")
    os.environ.setdefault("SOTONG_ENV", "test")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("SOTONG_TASK_BACKEND", "immediate")
    os.environ.setdefault("SOTONG_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")


def _is_postgres(url: str) -> bool:
    return url.split(":", 1)[0] in {"postgres", "postgresql", "pgsql", "postgis"}


@contextmanager
def temporary_database() -> Iterator[str]:
    """Points DATABASE_URL at a new, empty database for the duration and yields its vendor
    (`sqlite` or `postgresql`). SQLite: a file in a temporary directory (any SQLite URL given is
    ignored, so that no existing file is ever written). PostgreSQL: `sotong_bench_<pid>` created
    on the server of DATABASE_URL and dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if url and _is_postgres(url):
        with _postgres_database(url):
            yield "postgresql"
        return
    directory = tempfile.mkdtemp(prefix="sotong-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    try:
        yield "sqlite"
    finally:
        _close_connections()
        shutil.rmtree(directory, ignore_errors=True)
        os.environ["DATABASE_URL"] = url


@contextmanager
def _postgres_database(url: str) -> Iterator[None]:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    name = f"sotong_bench_{os.getpid()}"
    parts = urlsplit(url)
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(
            sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(
                sql.Identifier(name)
            )
        )
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    try:
        yield
    finally:
        _close_connections()
        os.environ["DATABASE_URL"] = url
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _close_connections() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


def setup_django() -> None:
    """Django on the database of DATABASE_URL, migrated, with its cache table."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)


# --- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str
    expected: tuple[str, ...]


def load_queries(path: Path) -> list[Query]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        if reader.fieldnames is None or [f.strip() for f in reader.fieldnames[:2]] != [
            "query",
            "expected",
        ]:
            raise SystemExit(f"{path}: the first line must be 'query<TAB>expected'")
        queries = []
        for line, row in enumerate(reader, start=2):
            text = unicodedata.normalize("NFC", (row["query"] or "").strip())
            expected = tuple(
                item.strip() for item in (row["expected"] or "").split(",") if item.strip()
            )
            if not text or not expected:
                raise SystemExit(f"{path}:{line}: a query and at least one expected 내용번호")
            queries.append(Query(text, expected))
    if not queries:
        raise SystemExit(f"{path}: no queries")
    return queries


@dataclass(frozen=True)
class Entry:
    source_id: str
    title: str
    category: str


def import_faq(path: Path) -> dict[str, Entry]:
    """Imports the file through `faq_import` and returns the entries by primary key."""
    from sotong.guide.faq.services import faq_import
    from sotong.guide.models import FaqEntry

    report = faq_import(actor=None, file=path, source="seoul120")
    if report.errors:
        raise SystemExit(f"{path}: {len(report.errors)} rows not imported: {report.errors[0]}")
    labels = dict(FaqEntry.Category.choices)
    return {
        str(pk): Entry(source_id, title, str(labels.get(category, category)))
        for pk, source_id, title, category in FaqEntry.objects.values_list(
            "pk", "source_id", "title", "category"
        )
    }


# --- the index and the analyser ----------------------------------------------------------------


def reindex() -> float:
    """Rebuilds the `faq` index through the management command; seconds taken."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command(
        "search_reindex", FAQ_TYPE, no_progress=True, stdout=io.StringIO(), stderr=io.StringIO()
    )
    return time.perf_counter() - started


def baseline_analyze(text: str) -> list[str]:
    """No morphology: the words as typed (NFC, casefolded), split on whitespace and punctuation.
    Particles and endings stay attached, so 신청은 and 신청 are different words. Like the real
    analyser's tokens, these are runs of letters and digits of at most 40 characters."""
    words = WORD_RE.findall(unicodedata.normalize("NFC", text or "").casefold())
    return [word for word in words if len(word) <= MAX_TOKEN_CHARS]


def _baseline_query(text: str, *, max_chars: int, max_tokens: int) -> list[str]:
    return list(dict.fromkeys(baseline_analyze(text[:max_chars])))[:max_tokens]


# The analyser's entry points and their baseline twins (same signatures). Indexing reaches the
# analyser through analyze/analyze_many, search through analyze_query (or query_tokens).
BASELINE = {
    "analyze": baseline_analyze,
    "analyze_many": lambda texts: [baseline_analyze(text) for text in texts],
    "analyze_query": lambda text, *, max_chars, max_tokens: (
        (tokens := _baseline_query(text, max_chars=max_chars, max_tokens=max_tokens)),
        list(tokens),
    ),
    "query_tokens": _baseline_query,
}
INDEX_ENTRY_POINTS = {"analyze", "analyze_many"}
QUERY_ENTRY_POINTS = {"analyze_query", "query_tokens"}


@contextmanager
def analyzer_swapped() -> Iterator[set[str]]:
    """Every reference to one of the analyser's entry points held by a loaded sotong module is
    pointed at its baseline twin, for indexing and querying alike; restored afterwards. Yields
    the set of entry points that were called, so that the caller can check that the swap reached
    both the indexing and the query path (an entry point added to the analyser later would
    otherwise silently keep using kiwi)."""
    from sotong.core.search import analyzer

    called: set[str] = set()

    def counting(name: str, function):
        def wrapper(*args, **kwargs):
            called.add(name)
            return function(*args, **kwargs)

        return wrapper

    swaps = {
        getattr(analyzer, name): counting(name, function)
        for name, function in BASELINE.items()
        if callable(getattr(analyzer, name, None))
    }
    patched = []
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith("sotong"):
            continue
        for attribute, value in list(vars(module).items()):
            try:
                replacement = swaps.get(value)
            except TypeError:  # an unhashable module attribute
                continue
            if replacement is not None:
                setattr(module, attribute, replacement)
                patched.append((module, attribute, value))
    _clear_caches()
    try:
        yield called
    finally:
        for module, attribute, value in patched:
            setattr(module, attribute, value)
        _clear_caches()


def _clear_caches() -> None:
    """Memoised results of the search package (analysed queries, split nouns) would carry tokens
    from one analyser into the other run."""
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith("sotong.core.search"):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", None) == name:
                clear()


# --- measuring ----------------------------------------------------------------------------------


def ndcg(ranked: list[str], expected: set[str], cutoff: int = CUTOFF) -> float:
    dcg = sum(
        1.0 / math.log2(rank + 1)
        for rank, source_id in enumerate(ranked[:cutoff], start=1)
        if source_id in expected
    )
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(expected), cutoff) + 1))
    return dcg / ideal if ideal else 0.0


def reciprocal_rank(ranked: list[str], expected: set[str], cutoff: int = CUTOFF) -> float:
    for rank, source_id in enumerate(ranked[:cutoff], start=1):
        if source_id in expected:
            return 1.0 / rank
    return 0.0


@dataclass
class Outcome:
    query: Query
    ranked: list[str]
    ndcg: float
    rr: float
    tokens: list[str]


@dataclass
class Run:
    name: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def ndcg(self) -> float:
        return mean(o.ndcg for o in self.outcomes)

    @property
    def mrr(self) -> float:
        return mean(o.rr for o in self.outcomes)


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def run_queries(name: str, queries: list[Query], entries: dict[str, Entry]) -> Run:
    from django.contrib.auth.models import AnonymousUser

    from sotong.core.search import search

    visitor = AnonymousUser()
    run = Run(name)
    for query in queries:
        page = search(user=visitor, q=query.text, types=[FAQ_TYPE], page=1, per_page=CUTOFF)
        ranked = [
            entries[str(hit.object_id)].source_id
            for hit in page.hits
            if str(hit.object_id) in entries
        ]
        expected = set(query.expected)
        run.outcomes.append(
            Outcome(
                query,
                ranked,
                ndcg(ranked, expected),
                reciprocal_rank(ranked, expected),
                list(getattr(page, "tokens", [])),
            )
        )
    return run


# --- the report --------------------------------------------------------------------------------


def category_of(query: Query, by_source: dict[str, Entry]) -> str:
    entry = by_source.get(query.expected[0])
    return entry.category if entry else "?"


def print_categories(morph: Run, base: Run, by_source: dict[str, Entry]) -> None:
    groups: dict[str, list[int]] = defaultdict(list)
    for index, outcome in enumerate(morph.outcomes):
        groups[category_of(outcome.query, by_source)].append(index)
    print(f"{'category':<12} {'n':>4} {'ndcg@10':>8} {'mrr':>6} {'baseline':>9}")
    for category, indexes in sorted(groups.items(), key=lambda item: -len(item[1])):
        print(
            f"{pad(category, 12)} {len(indexes):>4} "
            f"{mean(morph.outcomes[i].ndcg for i in indexes):>8.3f} "
            f"{mean(morph.outcomes[i].rr for i in indexes):>6.3f} "
            f"{mean(base.outcomes[i].ndcg for i in indexes):>9.3f}"
        )
    print()


def pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` terminal columns (a Hangul syllable takes two)."""
    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(0, width - used)


def print_worst(morph: Run, base: Run, by_source: dict[str, Entry], limit: int) -> None:
    """The queries ranked worst, with what the analyser made of the query and of the titles of
    the entries it should have found, so that a miss can be traced to its tokens."""
    from sotong.core.search.analyzer import analyze

    order = sorted(
        range(len(morph.outcomes)),
        key=lambda i: (morph.outcomes[i].ndcg, -base.outcomes[i].ndcg),
    )
    shown = [i for i in order if morph.outcomes[i].ndcg < 1.0][:limit]
    if not shown:
        print("every query has all its entries at the top\n")
        return
    print(f"worst {len(shown)} queries (ndcg@10 with morphology / baseline):")
    for i in shown:
        outcome, baseline = morph.outcomes[i], base.outcomes[i]
        query = outcome.query
        print(f"- {query.text!r}  {outcome.ndcg:.3f} / {baseline.ndcg:.3f}")
        print(f"    query tokens: {' '.join(outcome.tokens)}")
        for source_id in query.expected:
            entry = by_source.get(source_id)
            rank = outcome.ranked.index(source_id) + 1 if source_id in outcome.ranked else None
            where = f"rank {rank}" if rank else "not in top 10"
            title = entry.title if entry else "(not in the FAQ file)"
            print(f"    expected {source_id} ({where}): {title}")
            if entry:
                print(f"      title tokens: {' '.join(analyze(entry.title))}")
        for rank, source_id in enumerate(outcome.ranked[:3], start=1):
            if source_id not in query.expected:
                print(f"    got #{rank} {source_id}: {by_source[source_id].title}")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=Path, required=True, help="TSV: query<TAB>expected")
    parser.add_argument("--faq", type=Path, default=DEFAULT_FAQ, help="the Seoul 120 CSV file")
    parser.add_argument("--worst", type=int, default=WORST_SHOWN, help="worst queries shown")
    args = parser.parse_args(argv)
    queries = load_queries(args.queries)
    if not args.faq.is_file():
        raise SystemExit(f"FAQ file not found: {args.faq}")

    bench_environment()
    with temporary_database() as vendor:
        setup_django()
        started = time.perf_counter()
        entries = import_faq(args.faq)
        imported = time.perf_counter() - started
        by_source = {entry.source_id: entry for entry in entries.values()}
        missing = sorted({s for q in queries for s in q.expected} - by_source.keys())
        if missing:
            raise SystemExit(f"expected entries not in {args.faq}: {', '.join(missing[:10])}")

        from sotong.core.search import get_type

        if get_type(FAQ_TYPE) is None:
            raise SystemExit(f"no search type {FAQ_TYPE!r} is registered (sotong.guide)")
        indexed = reindex()
        morph = run_queries("morphology", queries, entries)
        with analyzer_swapped() as called:
            base_indexed = reindex()
            base = run_queries("baseline", queries, entries)
        if not (called & INDEX_ENTRY_POINTS and called & QUERY_ENTRY_POINTS):
            raise SystemExit(
                "the baseline analyser was not used for both indexing and querying "
                f"(called: {sorted(called) or 'nothing'}): update analyzer_swapped()"
            )
        # The index is left as the baseline built it; the database is thrown away below.

        print(
            f"db {vendor}: {len(entries)} entries imported in {imported:.1f} s, "
            f"indexed in {indexed:.1f} s (baseline {base_indexed:.1f} s), {len(queries)} queries"
        )
        print()
        print_categories(morph, base, by_source)
        print_worst(morph, base, by_source, args.worst)

    gain = (morph.ndcg / base.ndcg - 1) * 100 if base.ndcg else float("inf")
    print(f"morphology vs baseline: {gain:+.1f}% ndcg@10 (goal: ndcg@10 >= 0.80 and >= +20%)")
    print(
        f"ndcg@10: {morph.ndcg:.3f} (mrr {morph.mrr:.3f}, n={len(queries)}, "
        f"baseline-no-morphology ndcg@10 {base.ndcg:.3f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
