"""Precision and recall of personal-data detection (sotong.core.privacy.detect) on a labelled
corpus of petition-like Korean sentences.

    .venv/bin/python bench/privacy_quality.py            # the figures; the last line is the total
    .venv/bin/python bench/privacy_quality.py --rebuild  # corpus.txt → corpus.jsonl

The corpus lives in bench/data/privacy/: `corpus.txt` is the annotated source, one document per
line, each labelled span written as ⟦kind|text⟧; `corpus.jsonl` is built from it (one object per
line: {"text": ..., "spans": [{"start", "end", "kind"}]}) and is what this script measures.
A found span counts only when its start, end and kind all equal a labelled span. Every number in
the corpus is synthetic (see bench/data/privacy/README.md)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "privacy"
sys.path.insert(0, str(ROOT / "src"))

from sotong.core.privacy.detect import KINDS, find_personal_data  # noqa: E402

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


def measure(records: list[dict], show_errors: bool = False) -> dict[str, Counter]:
    counts: dict[str, Counter] = {kind: Counter() for kind in KINDS}
    for number, record in enumerate(records, start=1):
        gold = {(s["start"], s["end"], s["kind"]) for s in record["spans"]}
        found = {(f.start, f.end, f.kind) for f in find_personal_data(record["text"])}
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="rebuild corpus.jsonl first")
    parser.add_argument("--errors", action="store_true", help="list every miss and false hit")
    args = parser.parse_args()
    if args.rebuild:
        count = build(DATA / "corpus.txt", DATA / "corpus.jsonl")
        print(f"corpus.jsonl rebuilt: {count} documents")
    records = load(DATA / "corpus.jsonl")
    counts = measure(records, show_errors=args.errors)
    total = Counter()
    for kind in KINDS:
        c = counts[kind]
        total.update(c)
        p = ratio(c["tp"], c["tp"] + c["fp"])
        r = ratio(c["tp"], c["tp"] + c["fn"])
        n = c["tp"] + c["fn"]
        print(f"{kind:<9} precision: {p:.3f} recall: {r:.3f} f1: {f1(p, r):.3f} (n={n} spans)")
    p = ratio(total["tp"], total["tp"] + total["fp"])
    r = ratio(total["tp"], total["tp"] + total["fn"])
    n = total["tp"] + total["fn"]
    print(
        f"documents: {len(records)}, of which without personal data: "
        f"{sum(1 for rec in records if not rec['spans'])}"
    )
    print(f"privacy precision: {p:.3f} recall: {r:.3f} f1: {f1(p, r):.3f} (n={n} spans)")


if __name__ == "__main__":
    main()
