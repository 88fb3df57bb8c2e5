"""The department/category classifier of the routing suggestions: pure (numpy, no Django), so
`bench/routing.py` measures it directly; `routing.py` trains it on an organisation's history
and asks it for suggestions.

The classifier (measured by `bench/routing.py`, which calls the pure functions below):
- features: the kiwi tokens of title + body (`Petition.tokens`, from
  `sotong.core.search.analyzer`: nouns, compounds and their parts, verbs in dictionary form)
  and every pair of adjacent tokens, weighted log(1 + tf);
- naive Bayes, multinomial or complement (Rennie et al. 2003: tf-idf, length-normalised, counts
  of every *other* class, which copes with very unequal department sizes), with its smoothing
  chosen by 3-fold cross-validation on the organisation's own history from a small grid;
- confidence: a softmax of the class scores with a temperature fitted on the same held-out
  folds (naive Bayes alone is far too sure of itself).
Naive Bayes was chosen over a linear SVM or logistic regression (scikit-learn) because on the
Seoul 120 data it is as accurate (top-1 0.76 / top-3 0.94 vs 0.76 / 0.95 for a balanced linear
SVM on the same features), trains in well under a second with numpy alone, and its model is a
table of counts: stored as JSON (`RoutingModel.data`, arrays base64-encoded, never pickle),
sparse, and read back exactly."""

from __future__ import annotations

import base64
import math
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    pass

FORMAT = 1
# (variant, smoothing) tried by the inner cross-validation; the first is used when the history is
# too small to compare them. Chosen from a grid search on the Seoul 120 data (bench/routing.py).
GRID: tuple[tuple[str, float], ...] = (
    ("mnb", 0.1),
    ("mnb", 0.3),
    ("cnb", 0.03),
    ("cnb", 0.1),
    ("cnb", 0.3),
)
INNER_FOLDS = 3
# Below this many examples a comparison of the grid is noise; the first entry is used.
MIN_SELECTION_EXAMPLES = 60
# The most frequent features kept: bounds a model's memory (classes × features float32, twice)
# and its stored size whatever the history holds.
MAX_FEATURES = 100_000
TEMPERATURES = tuple(0.05 * 1.25**i for i in range(30))


# --- features -------------------------------------------------------------------------------


def features(tokens: Sequence[str]) -> dict[str, float]:
    """Unigrams and adjacent pairs of `tokens`, weighted log(1 + count). Tokens are letters and
    digits only, so a space cannot be part of one and safely joins a pair."""
    counts = Counter(tokens)
    counts.update(f"{a} {b}" for a, b in pairwise(tokens))
    return {feature: math.log1p(n) for feature, n in counts.items()}


# --- the classifier (pure, no Django) ---------------------------------------------------------


def _pack(raw: bytes) -> str:
    return base64.b64encode(zlib.compress(raw, 6)).decode("ascii")


def _unpack(text: str) -> bytes:
    return zlib.decompress(base64.b64decode(text))


def _b64(array: np.ndarray, dtype: str) -> str:
    return _pack(np.ascontiguousarray(array, dtype=dtype).tobytes())


def _unb64(text: str, dtype: str) -> np.ndarray:
    return np.frombuffer(_unpack(text), dtype=dtype)


@dataclass
class Classifier:
    """Naive Bayes over `features()`. `stats` holds, per class and feature, the sum of the
    (transformed) feature values of that class's training documents: the model's whole state,
    from which `weights` are derived."""

    classes: list[str]
    vocabulary: list[str]
    idf: np.ndarray  # (V,) float32; all ones for "mnb"
    stats: np.ndarray  # (C, V) float32
    class_docs: np.ndarray  # (C,) documents per class
    variant: str = "mnb"
    alpha: float = 0.1
    temperature: float = 1.0

    def __post_init__(self) -> None:
        self.index = {feature: i for i, feature in enumerate(self.vocabulary)}
        self.weights, self.bias = _weights(self.stats, self.class_docs, self.variant, self.alpha)

    # -- scoring

    def vector(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The known features of a document: their indices and transformed values."""
        known = [(self.index[f], v) for f, v in features(tokens).items() if f in self.index]
        if not known:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.fromiter((i for i, _ in known), dtype=np.int64, count=len(known))
        values = np.fromiter((v for _, v in known), dtype=np.float32, count=len(known))
        return idx, _transform(values, self.idf[idx], self.variant)

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        idx, values = self.vector(tokens)
        if not len(idx):
            return self.bias.copy()
        return values @ self.weights[idx] + self.bias

    def probabilities(self, tokens: Sequence[str]) -> np.ndarray:
        return _softmax(self.scores(tokens) * self.temperature)

    def rank(self, tokens: Sequence[str], k: int = 3) -> list[tuple[str, float]]:
        """The `k` most likely classes with their probability, most likely first."""
        p = self.probabilities(tokens)
        order = np.argsort(-p, kind="stable")[:k]
        return [(self.classes[i], float(p[i])) for i in order]

    def known(self, tokens: Sequence[str]) -> bool:
        """Whether the document has any feature the model has seen."""
        return any(f in self.index for f in features(tokens))

    def evidence(self, tokens: Sequence[str], label: str, n: int = 3) -> list[str]:
        """The unigrams of the document that speak most for `label` against the other classes
        (for the reason shown to the intake officer)."""
        c = self.classes.index(label)
        idx, values = self.vector(tokens)
        if not len(idx):
            return []
        rows = self.weights[idx]
        lift = values * (rows[:, c] - rows.mean(axis=1))
        out: list[str] = []
        for i in np.argsort(-lift, kind="stable"):
            word = self.vocabulary[idx[i]]
            if lift[i] <= 0 or len(out) >= n:
                break
            if " " not in word:
                out.append(word)
        return out

    # -- storage

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict of plain values and base64 strings of zlib-compressed bytes: the
        vocabulary (UTF-8, one feature a line) and the non-zero statistics (little-endian
        arrays). Compressed, a model of 200,000 features takes a few megabytes, not tens."""
        rows, cols = np.nonzero(self.stats)
        return {
            "classes": list(self.classes),
            "vocabulary": _pack("\n".join(self.vocabulary).encode("utf-8")),
            "idf": _b64(self.idf, "<f4"),
            "rows": _b64(rows, "<i4"),
            "cols": _b64(cols, "<i4"),
            "values": _b64(self.stats[rows, cols], "<f4"),
            "class_docs": [int(n) for n in self.class_docs],
            "variant": self.variant,
            "alpha": self.alpha,
            "temperature": self.temperature,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Classifier:
        classes = [str(c) for c in data["classes"]]
        vocabulary = _unpack(data["vocabulary"]).decode("utf-8").split("\n")
        stats = np.zeros((len(classes), len(vocabulary)), dtype=np.float32)
        stats[_unb64(data["rows"], "<i4"), _unb64(data["cols"], "<i4")] = _unb64(
            data["values"], "<f4"
        )
        variant = str(data["variant"])
        if variant not in ("mnb", "cnb"):
            raise ValueError(f"unknown routing variant {variant!r}")
        return cls(
            classes=classes,
            vocabulary=vocabulary,
            idf=_unb64(data["idf"], "<f4").copy(),
            stats=stats,
            class_docs=np.asarray(data["class_docs"], dtype=np.float64),
            variant=variant,
            alpha=float(data["alpha"]),
            temperature=float(data["temperature"]),
        )


def _transform(values: np.ndarray, idf: np.ndarray, variant: str) -> np.ndarray:
    if variant == "mnb":
        return values
    weighted = values * idf
    norm = float(np.sqrt(weighted @ weighted))
    return weighted / norm if norm else weighted


def _weights(
    stats: np.ndarray, class_docs: np.ndarray, variant: str, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """(V, C) weights and (C,) bias of a document's score from the per-class statistics."""
    stats = stats.astype(np.float64)
    vocabulary = stats.shape[1]
    if variant == "cnb":
        # Complement: how unlike every other class the document is; no prior (CNB's point).
        stats = stats.sum(axis=0, keepdims=True) - stats
        sign, bias = -1.0, np.zeros(len(class_docs))
    else:
        sign = 1.0
        bias = np.log(np.maximum(class_docs, 1e-9) / max(class_docs.sum(), 1e-9))
    log_theta = np.log(stats + alpha) - np.log(
        stats.sum(axis=1, keepdims=True) + alpha * vocabulary
    )
    return (sign * log_theta).T.astype(np.float32), bias.astype(np.float32)


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max())
    return shifted / shifted.sum()


@dataclass
class _Corpus:
    """Training documents as feature indices and values over one vocabulary."""

    vocabulary: list[str]
    docs: list[tuple[np.ndarray, np.ndarray]]

    @classmethod
    def build(
        cls, documents: Sequence[Sequence[str]], min_df: int = 1, max_features: int = 0
    ) -> _Corpus:
        vectors = [features(tokens) for tokens in documents]
        df: Counter[str] = Counter()
        for vector in vectors:
            df.update(vector.keys())
        kept = [(f, n) for f, n in df.items() if n >= min_df]
        if max_features and len(kept) > max_features:
            kept = sorted(kept, key=lambda item: (-item[1], item[0]))[:max_features]
        vocabulary = sorted(f for f, _n in kept)
        index = {f: i for i, f in enumerate(vocabulary)}
        docs = []
        for vector in vectors:
            pairs = [(index[f], v) for f, v in vector.items() if f in index]
            docs.append(
                (
                    np.fromiter((i for i, _ in pairs), dtype=np.int64, count=len(pairs)),
                    np.fromiter((v for _, v in pairs), dtype=np.float32, count=len(pairs)),
                )
            )
        return cls(vocabulary, docs)


def _fit_stats(
    corpus: _Corpus, members: Sequence[int], y: np.ndarray, n_classes: int, variant: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-class statistics of the documents `members`, over the features they contain only
    (a feature never seen in training must not count for or against any class)."""
    size = len(corpus.vocabulary)
    df = np.zeros(size)
    for m in members:
        df[corpus.docs[m][0]] += 1
    seen = df > 0
    idf = (np.log((1 + len(members)) / (1 + df)) + 1).astype(np.float32)
    if variant == "mnb":
        idf = np.ones(size, dtype=np.float32)
    stats = np.zeros((n_classes, size), dtype=np.float64)
    class_docs = np.zeros(n_classes)
    for m in members:
        idx, values = corpus.docs[m]
        stats[y[m], idx] += _transform(values, idf[idx], variant)
        class_docs[y[m]] += 1
    return stats[:, seen].astype(np.float32), idf[seen], class_docs, seen


def _folds(y: np.ndarray, k: int) -> list[np.ndarray]:
    """Stratified folds: each class dealt round-robin, in input order (deterministic)."""
    buckets: list[list[int]] = [[] for _ in range(k)]
    position = 0
    for label in np.unique(y):
        for i in np.flatnonzero(y == label):
            buckets[position % k].append(int(i))
            position += 1
    return [np.asarray(sorted(b), dtype=np.int64) for b in buckets]


def fit(
    documents: Sequence[Sequence[str]],
    labels: Sequence[str],
    *,
    grid: Sequence[tuple[str, float]] = GRID,
    min_df: int = 1,
    max_features: int = MAX_FEATURES,
) -> Classifier:
    """Train on token lists and their labels: pick (variant, smoothing) from `grid` and the
    temperature of the confidences by inner cross-validation, then fit on everything."""
    if len(documents) != len(labels) or not documents:
        raise ValueError("documents and labels must be non-empty and of the same length")
    classes = sorted(set(labels))
    lookup = {c: i for i, c in enumerate(classes)}
    y = np.asarray([lookup[label] for label in labels], dtype=np.int64)
    corpus = _Corpus.build(documents, min_df=min_df, max_features=max_features)
    everyone = np.arange(len(documents))

    variant, alpha = grid[0]
    temperature = 1.0
    if len(documents) >= MIN_SELECTION_EXAMPLES and len(classes) > 1:
        folds = _folds(y, INNER_FOLDS)
        best = None
        for v, a in grid:
            held = _held_out_scores(corpus, y, len(classes), folds, v, a)
            order = np.argsort(-held, axis=1)
            top1 = float(np.mean(order[:, 0] == y))
            top3 = float(np.mean((order[:, :3] == y[:, None]).any(axis=1)))
            if best is None or top1 + top3 > best[0]:
                best = (top1 + top3, v, a, held)
        assert best is not None
        _, variant, alpha, held = best
        temperature = _fit_temperature(held, y)

    stats, idf, class_docs, seen = _fit_stats(corpus, everyone, y, len(classes), variant)
    vocabulary = [f for f, keep in zip(corpus.vocabulary, seen, strict=True) if keep]
    return Classifier(
        classes=classes,
        vocabulary=vocabulary,
        idf=idf,
        stats=stats,
        class_docs=class_docs,
        variant=variant,
        alpha=alpha,
        temperature=temperature,
    )


def _held_out_scores(
    corpus: _Corpus,
    y: np.ndarray,
    n_classes: int,
    folds: list[np.ndarray],
    variant: str,
    alpha: float,
) -> np.ndarray:
    scores = np.zeros((len(y), n_classes), dtype=np.float64)
    for i, test in enumerate(folds):
        train = np.concatenate([f for j, f in enumerate(folds) if j != i])
        stats, idf_seen, class_docs, seen = _fit_stats(corpus, train, y, n_classes, variant)
        weights, bias = _weights(stats, class_docs, variant, alpha)
        # Map the full vocabulary onto the fold's: unseen features are dropped.
        position = np.full(len(corpus.vocabulary), -1, dtype=np.int64)
        position[seen] = np.arange(int(seen.sum()))
        for m in test:
            idx, values = corpus.docs[m]
            local = position[idx]
            keep = local >= 0
            if keep.any():
                v = _transform(values[keep], idf_seen[local[keep]], variant)
                scores[m] = v @ weights[local[keep]] + bias
            else:
                scores[m] = bias
    return scores


def _fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature that maximises the held-out likelihood of the true classes."""
    best_t, best_ll = 1.0, -math.inf
    rows = np.arange(len(y))
    for t in TEMPERATURES:
        z = scores * t
        z = z - z.max(axis=1, keepdims=True)
        log_p = z[rows, y] - np.log(np.exp(z).sum(axis=1))
        ll = float(log_p.mean())
        if ll > best_ll:
            best_t, best_ll = t, ll
    return best_t


__all__ = ["GRID", "Classifier", "features", "fit"]
