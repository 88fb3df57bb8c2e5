"""Precision and recall of personal-data detection (sotong.core.privacy.detect) on a labelled
corpus of petition-like Korean sentences, per kind and in total, beside a baseline: the same
detector reading the text as typed (no normalisation) and without names.

    .venv/bin/python bench/privacy_quality.py            # the figures; the last line is the total
    .venv/bin/python bench/privacy_quality.py --rebuild  # corpus.txt → corpus.jsonl
    .venv/bin/python bench/privacy_quality.py --errors   # list every miss and false hit

The corpus lives in bench/data/privacy/: `corpus.txt` is the annotated source, one document per
line, each labelled span written as ⟦kind|text⟧; `corpus.jsonl` is built from it (one object per
line: {"text": ..., "spans": [{"start", "end", "kind"}]}) and is what this script measures.
A found span counts only when its start, end and kind all equal a labelled span. Every number in
the corpus is synthetic (see bench/data/privacy/README.md).

Names are also measured on real text: how many the detector flags in every answer of the Seoul
120 knowledge base (`--faq`, default ../shared/data/seoul120_faq.csv, skipped when absent), and
precision and recall on `seoul120_names.tsv`, excerpts of those answers labelled by hand."""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "privacy"
sys.path.insert(0, str(ROOT / "src"))

from sotong.core.privacy import detect  # noqa: E402
from sotong.core.privacy.detect import KINDS, find_personal_data  # noqa: E402
from sotong.core.privacy.normalise import Normalised  # noqa: E402

FAQ = ROOT.parent / "shared" / "data" / "seoul120_faq.csv"

MARK = re.compile(r"⟦(?P<kind>[a-z]+)\|(?P<text>[^⟧]*)⟧")


def parse_annotated(line: str) -> dict:
    """Turns one annotated line into its plain text and labelled spans."""
    text = []
    spans = []
    position = 0
    length = 0
    for m in MARK.finditer(line):
        if m.group("kind") not in KINDS:
            raise ValueError(f"unknown kind {m.group('kind')!r} in: {line}")
        before = line[position : m.start()]
        text.append(before)
        length += len(before)
        value = m.group("text")
        spans.append({"start": length, "end": length + len(value), "kind": m.group("kind")})
        text.append(value)
        length += len(value)
        position = m.end()
    text.append(line[position:])
    return {"text": "".join(text), "spans": spans}


def build(source: Path, target: Path) -> int:
    lines = source.read_text(encoding="utf-8").splitlines()
    records = [parse_annotated(line) for line in lines if line.strip()]
    with target.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(records)


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 1.0


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


@contextlib.contextmanager
def baseline() -> Iterator[Callable]:
    """The detector as it was before issue 11: reading the text as typed, finding no names."""
    original = detect.normalise
    detect.normalise = lambda text: Normalised(text, text)
    try:
        yield lambda text: find_personal_data(text, kinds=[k for k in KINDS if k != "name"])
    finally:
        detect.normalise = original


def measure(
    records: list[dict], show_errors: bool = False, find: Callable = find_personal_data
) -> dict[str, Counter]:
    counts: dict[str, Counter] = {kind: Counter() for kind in KINDS}
    for number, record in enumerate(records, start=1):
        gold = {(s["start"], s["end"], s["kind"]) for s in record["spans"]}
        found = {(f.start, f.end, f.kind) for f in find(record["text"])}
        for _start, _end, kind in found & gold:
            counts[kind]["tp"] += 1
        for start, end, kind in found - gold:
            counts[kind]["fp"] += 1
            if show_errors:
                print(f"  FP line {number} {kind}: {record['text'][start:end]!r}")
        for start, end, kind in gold - found:
            counts[kind]["fn"] += 1
            if show_errors:
                print(f"  FN line {number} {kind}: {record['text'][start:end]!r}")
    return counts


def scores(c: Counter) -> tuple[float, float, float, int]:
    p = ratio(c["tp"], c["tp"] + c["fp"])
    r = ratio(c["tp"], c["tp"] + c["fn"])
    return p, r, f1(p, r), c["tp"] + c["fn"]


def load_names_sample(path: Path) -> list[dict]:
    """The hand-labelled excerpts of Seoul 120 answers: `내용번호<TAB>annotated text`."""
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    return [parse_annotated(text) for _number, text in rows[1:]]


def count_names(faq: Path) -> tuple[int, int, int]:
    """Names flagged in every title and answer of the Seoul 120 file: (names, answers, total)."""
    with faq.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    flagged = answers = 0
    for row in rows:
        found = [f for f in find_personal_data(row["제목"] + "\n" + row["내용"], ["name"])]
        flagged += len(found)
        answers += bool(found)
    return flagged, answers, len(rows)


def report_names(faq: Path, show_errors: bool) -> None:
    if faq.exists():
        flagged, answers, total = count_names(faq)
        print(f"seoul120: {flagged} names flagged in {answers} of {total} answers")
    sample = load_names_sample(DATA / "seoul120_names.tsv")
    p, r, f, n = scores(measure(sample, show_errors=show_errors)["name"])
    print(
        f"seoul120 sample (hand-labelled, {len(sample)} excerpts): name precision: {p:.3f} "
        f"recall: {r:.3f} f1: {f:.3f} (n={n} names)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="rebuild corpus.jsonl first")
    parser.add_argument("--errors", action="store_true", help="list every miss and false hit")
    parser.add_argument("--faq", type=Path, default=FAQ, help="the Seoul 120 file (optional)")
    args = parser.parse_args()
    if args.rebuild:
        count = build(DATA / "corpus.txt", DATA / "corpus.jsonl")
        print(f"corpus.jsonl rebuilt: {count} documents")
    records = load(DATA / "corpus.jsonl")
    counts = measure(records, show_errors=args.errors)
    with baseline() as find:
        before = measure(records, find=find)
    total, total_before = Counter(), Counter()
    for kind in KINDS:
        total.update(counts[kind])
        total_before.update(before[kind])
        p, r, f, n = scores(counts[kind])
        bp, br, _, _ = scores(before[kind])
        print(
            f"{kind:<9} precision: {p:.3f} recall: {r:.3f} f1: {f:.3f} (n={n} spans; "
            f"baseline precision {bp:.3f} recall {br:.3f})"
        )
    print(
        f"documents: {len(records)}, of which without personal data: "
        f"{sum(1 for rec in records if not rec['spans'])}"
    )
    report_names(args.faq, args.errors)
    p, r, f, n = scores(total)
    bp, br, bf, _ = scores(total_before)
    print(
        f"privacy precision: {p:.3f} recall: {r:.3f} f1: {f:.3f} (n={n} spans, "
        f"baseline-no-normalisation precision {bp:.3f} recall {br:.3f} f1 {bf:.3f})"
    )


if __name__ == "__main__":
    main()
