"""Accuracy and speed of the routing suggester (`sotong.petitions.routing`) by k-fold
cross-validation on any labelled CSV, against a TF-IDF character 2–4-gram logistic regression.

    .venv/bin/python bench/routing.py --data ../shared/data/seoul120_faq.csv \\
        --text-cols 제목,내용 --label-col 분류 [--folds 5] [--seed 0]

What it does, in one run and without a database:
1. reads the CSV (UTF-8, with or without BOM), joins the text columns of each row with a newline
   and drops rows with an empty text or label;
2. analyses every text once with the site's analyser (`sotong.core.search.analyzer`, kiwi), as
   intake does when it stores `Petition.tokens`;
3. splits the rows into `--folds` stratified folds (shuffled with `--seed`) and, for each fold,
   trains on the others and ranks the fold's rows:
   - the suggester: `routing.fit` on the tokens (the same code that `routing.train` runs on an
     organisation's history, inner selection of its smoothing included), then `rank(tokens, 3)`
     for each row, one row at a time, timed;
   - the baseline: scikit-learn `TfidfVectorizer(analyzer="char", ngram_range=(2, 4),
     sublinear_tf=True, min_df=2)` + `LogisticRegression(max_iter=1000)` on the raw text;
   - the majority class of the training folds;
4. prints the figures per fold, the analyser's time per text, and as its last line

   routing top1: X top3: Y (ms/petition Z, baseline top1 B1 top3 B3, majority W, n=N, classes=K)

top1/top3: share of rows whose label is the first / among the first three suggested.
ms/petition: mean time of one suggestion from a petition's stored tokens (what the staff page
pays); the analysis of a new text, paid once at intake for search and duplicates as well, is
printed on the line above.

Needs scikit-learn for the baseline only (a dev dependency; the suggester itself uses numpy)."""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sotong.petitions import routing  # noqa: E402 - after the path is set

ANALYSIS_SAMPLE = 200


def read(path: Path, text_cols: list[str], label_col: str) -> tuple[list[str], list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in [*text_cols, label_col] if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"columns not in {path}: {', '.join(missing)}")
        texts, labels = [], []
        for row in reader:
            text = "\n".join((row.get(c) or "").strip() for c in text_cols).strip()
            label = (row.get(label_col) or "").strip()
            if text and label:
                texts.append(text)
                labels.append(label)
    return texts, labels


def folds(labels: list[str], k: int, seed: int) -> list[np.ndarray]:
    """Stratified folds: each class shuffled and dealt round-robin."""
    rng = np.random.default_rng(seed)
    buckets: list[list[int]] = [[] for _ in range(k)]
    position = 0
    y = np.asarray(labels)
    for label in sorted(set(labels)):
        members = np.flatnonzero(y == label)
        rng.shuffle(members)
        for i in members:
            buckets[position % k].append(int(i))
            position += 1
    return [np.asarray(sorted(b), dtype=np.int64) for b in buckets if b]


def hits(ranked: list[list[str]], truth: list[str]) -> tuple[int, int]:
    top1 = sum(1 for r, t in zip(ranked, truth, strict=True) if r[:1] == [t])
    top3 = sum(1 for r, t in zip(ranked, truth, strict=True) if t in r[:3])
    return top1, top3


def baseline(
    train_texts: list[str], train_labels: list[str], test_texts: list[str]
) -> list[list[str]]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(2, 4), sublinear_tf=True, min_df=2)
    model = LogisticRegression(max_iter=1000)
    model.fit(vectorizer.fit_transform(train_texts), train_labels)
    probabilities = model.predict_proba(vectorizer.transform(test_texts))
    order = np.argsort(-probabilities, axis=1)[:, :3]
    return [[str(model.classes_[j]) for j in row] for row in order]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--text-cols", required=True, help="comma-separated")
    parser.add_argument("--label-col", required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-baseline", action="store_true", help="skip scikit-learn")
    args = parser.parse_args(argv)
    if args.folds < 2:
        raise SystemExit("--folds must be at least 2")

    texts, labels = read(args.data, [c.strip() for c in args.text_cols.split(",")], args.label_col)
    if len(texts) < args.folds:
        raise SystemExit(f"{len(texts)} labelled rows: fewer than --folds {args.folds}")
    from sotong.core.search.analyzer import analyze, analyze_many, kiwi

    kiwi()
    started = time.perf_counter()
    tokens = analyze_many(texts)
    print(f"analysed {len(texts)} texts in {time.perf_counter() - started:.1f} s (batch)")
    sample = texts[:ANALYSIS_SAMPLE]
    started = time.perf_counter()
    for text in sample:
        analyze(text)
    analysis_ms = (time.perf_counter() - started) * 1000 / len(sample)

    ours = [0, 0]
    base = [0, 0]
    majority = 0
    suggest_seconds = 0.0
    for number, test in enumerate(folds(labels, args.folds, args.seed), 1):
        test_set = set(test.tolist())
        train = [i for i in range(len(texts)) if i not in test_set]
        train_labels = [labels[i] for i in train]
        truth = [labels[i] for i in test]

        started = time.perf_counter()
        model = routing.fit([tokens[i] for i in train], train_labels)
        fit_seconds = time.perf_counter() - started
        ranked = []
        started = time.perf_counter()
        for i in test:
            ranked.append([label for label, _p in model.rank(tokens[i], k=3)])
        suggest_seconds += time.perf_counter() - started
        h1, h3 = hits(ranked, truth)
        ours[0] += h1
        ours[1] += h3

        common = Counter(train_labels).most_common(1)[0][0]
        majority += sum(1 for t in truth if t == common)

        line = (
            f"fold {number}: n={len(test)} top1 {h1 / len(test):.3f} top3 {h3 / len(test):.3f} "
            f"({model.variant} alpha={model.alpha} T={model.temperature:.2f}, "
            f"{len(model.vocabulary)} features, fit {fit_seconds:.1f} s)"
        )
        if not args.no_baseline:
            started = time.perf_counter()
            b1, b3 = hits(
                baseline([texts[i] for i in train], train_labels, [texts[i] for i in test]), truth
            )
            base[0] += b1
            base[1] += b3
            line += f"; baseline top1 {b1 / len(test):.3f} top3 {b3 / len(test):.3f} ({time.perf_counter() - started:.1f} s)"
        print(line, flush=True)

    n = len(texts)
    print(f"analysis of a new text: {analysis_ms:.2f} ms/text (one at a time, {len(sample)} texts)")
    baseline_part = (
        "baseline skipped"
        if args.no_baseline
        else f"baseline top1 {base[0] / n:.3f} top3 {base[1] / n:.3f}"
    )
    print(
        f"routing top1: {ours[0] / n:.3f} top3: {ours[1] / n:.3f} "
        f"(ms/petition {suggest_seconds * 1000 / n:.2f}, {baseline_part}, "
        f"majority {majority / n:.3f}, n={n}, classes={len(set(labels))})"
    )


if __name__ == "__main__":
    main()
