"""Near-duplicate petitions (반복·다수인 민원): the same matter raised again or by many people.

Two petitions are near-duplicates when they belong to the same organisation and the same
category (both without one counts as the same), were received within `WINDOW` (30 days) of each
other, their kiwi tokens (`Petition.tokens`) overlap by at least `THRESHOLD`, and — when both carry
a map point — they are within `RADIUS_M` (200 m) of each other. Two located petitions that close
need less text in common (`NEAR_THRESHOLD`): "가로등 고장" at one corner is the same lamp.

Similarity is the cosine of the two token *sets* (|A ∩ B| / √(|A|·|B|), Otsuka–Ochiai): a short
"여기도 불법주차 단속해 주세요" is not penalised for being shorter than the first, long complaint, as
Jaccard would. The threshold was read off the Seoul 120 knowledge base (2,645 entries, title + the
first 300 characters, petition-sized): among 100,000 random pairs of entries *of the same
category*, 99% score below 0.18 and 99.9% below 0.38, while entries on the same matter (the same
title in different districts) have a median of 0.59. 0.4 therefore proposes about one unrelated
petition in a thousand of the same category and month — a proposal that staff confirm or ignore —
and catches most rewordings.

`candidates()` prefilters in SQL (organisation, category, date window, not transferred; the newest
`MAX_SCAN` rows) and reads only tokens and coordinates. `proposals()` clusters recent ungrouped
open petitions per category through an inverted index of their tokens (pairs sharing only very
common words are never compared), not all pairs. The task `detect_duplicates` (in
`tasks_routing.py`, which imports this module) runs after each intake."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from django.db.models import Q

from .models import Petition, Status

if TYPE_CHECKING:
    from sotong.org.models import Organization

WINDOW = timedelta(days=30)
THRESHOLD = 0.4
NEAR_THRESHOLD = 0.3
RADIUS_M = 200.0
# Rows of one category and window read for one petition (the newest first).
MAX_SCAN = 5_000
# Rows read by one `proposals` call.
MAX_PROPOSAL_ROWS = 20_000
# A token in more than this share of a category's recent petitions (and more than
# COMMON_MIN of them) does not make two petitions candidates on its own.
COMMON_SHARE = 0.1
COMMON_MIN = 50
# Statuses whose petitions may still be grouped (answered ones are past it).
GROUPABLE = (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS)
# Personal data is never needed to compare petitions: left unread (and undecrypted).
_DEFERRED = ("petitioner_name", "contact_email", "contact_phone")
EARTH_RADIUS_M = 6_371_000.0


class Candidate(NamedTuple):
    """A near-duplicate and its score; unpacks as (petition, score). `pk` is the petition's,
    for callers that only want ids."""

    petition: Petition
    score: float

    @property
    def pk(self) -> int:
        return self.petition.pk


def similarity(a: Iterable[str], b: Iterable[str]) -> float:
    """Cosine of two token sets, in [0, 1]."""
    left, right = set(a), set(b)
    if not left or not right:
        return 0.0
    return len(left & right) / math.sqrt(len(left) * len(right))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _point(lat: Decimal | float | None, lon: Decimal | float | None) -> tuple[float, float] | None:
    if lat is None or lon is None:
        return None
    return float(lat), float(lon)


def score(
    tokens_a: set[str],
    point_a: tuple[float, float] | None,
    tokens_b: set[str],
    point_b: tuple[float, float] | None,
) -> float | None:
    """The similarity of two petitions of the same category and month, or None when they are
    not near-duplicates (too different, or both located and too far apart)."""
    near = False
    if point_a and point_b:
        if distance_m(*point_a, *point_b) > RADIUS_M:
            return None
        near = True
    value = similarity(tokens_a, tokens_b)
    return value if value >= (NEAR_THRESHOLD if near else THRESHOLD) else None


def _tokens_of(rows: list[tuple[int, str]]) -> dict[int, set[str]]:
    """Token sets by petition id; rows stored without tokens (older data) are analysed now."""
    from sotong.core.search.analyzer import analyze_many

    out = {pk: set(tokens.split()) for pk, tokens in rows if tokens}
    missing = [pk for pk, tokens in rows if not tokens]
    if missing:
        texts = {
            pk: f"{title}\n{body}"
            for pk, title, body in Petition.objects.filter(pk__in=missing).values_list(
                "pk", "title", "body"
            )
        }
        analysed = analyze_many([texts.get(pk, "") for pk in missing])
        out.update({pk: set(found) for pk, found in zip(missing, analysed, strict=True)})
    return out


def _same_category(category_id: int | None) -> Q:
    return Q(category_id=category_id) if category_id else Q(category__isnull=True)


def candidates(petition: Petition, *, limit: int = 10) -> list[Candidate]:
    """Near-duplicates of `petition`, best first: (petition, score) pairs."""
    if limit <= 0:
        return []
    rows = list(
        Petition.objects.filter(
            _same_category(petition.category_id),
            organization_id=petition.organization_id,
            received_at__gte=petition.received_at - WINDOW,
            received_at__lte=petition.received_at + WINDOW,
        )
        .exclude(pk=petition.pk)
        .exclude(status=Status.TRANSFERRED)
        .order_by("-received_at", "-id")
        .values_list("pk", "tokens", "latitude", "longitude")[:MAX_SCAN]
    )
    if not rows:
        return []
    own = _tokens_of([(petition.pk, petition.tokens)])[petition.pk]
    if not own:
        return []
    tokens = _tokens_of([(pk, t) for pk, t, _lat, _lon in rows])
    point = _point(petition.latitude, petition.longitude)
    scored: list[tuple[float, int]] = []
    for pk, _t, lat, lon in rows:
        value = score(own, point, tokens.get(pk, set()), _point(lat, lon))
        if value is not None:
            scored.append((value, pk))
    scored.sort(key=lambda item: (-item[0], -item[1]))
    scored = scored[:limit]
    found = Petition.objects.defer(*_DEFERRED).in_bulk([pk for _v, pk in scored])
    return [Candidate(found[pk], round(value, 4)) for value, pk in scored if pk in found]


class _Row(NamedTuple):
    pk: int
    category_id: int | None
    received_at: datetime
    tokens: set[str]
    point: tuple[float, float] | None


def proposals(organization: Organization, *, since: datetime) -> list[list[Petition]]:
    """Groups to propose: clusters of at least two ungrouped, open petitions received since
    `since`, linked pairwise as near-duplicates (single linkage), largest first; each cluster
    in order of receipt."""
    raw = list(
        Petition.objects.filter(
            organization=organization,
            received_at__gte=since,
            group__isnull=True,
            status__in=GROUPABLE,
        )
        .order_by("received_at", "id")
        .values_list("pk", "category_id", "received_at", "tokens", "latitude", "longitude")[
            :MAX_PROPOSAL_ROWS
        ]
    )
    tokens = _tokens_of([(r[0], r[3]) for r in raw])
    by_category: dict[int | None, list[_Row]] = defaultdict(list)
    for pk, category_id, received_at, _t, lat, lon in raw:
        by_category[category_id].append(
            _Row(pk, category_id, received_at, tokens.get(pk, set()), _point(lat, lon))
        )

    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for rows in by_category.values():
        for a, b in _linked_pairs(rows):
            parent[find(a)] = find(b)

    clusters: dict[int, list[int]] = defaultdict(list)
    for pk in list(parent):
        clusters[find(pk)].append(pk)
    groups = [sorted(members) for members in clusters.values() if len(members) > 1]
    if not groups:
        return []
    found = Petition.objects.defer(*_DEFERRED).in_bulk([pk for g in groups for pk in g])
    out = [
        sorted((found[pk] for pk in g if pk in found), key=lambda p: (p.received_at, p.pk))
        for g in groups
    ]
    out = [g for g in out if len(g) > 1]
    out.sort(key=lambda g: (-len(g), g[0].received_at, g[0].pk))
    return out


def _linked_pairs(rows: list[_Row]) -> Iterable[tuple[int, int]]:
    """Pairs of near-duplicates among the rows of one category (in order of receipt), found
    through an inverted index of tokens: only rows sharing an uncommon token are compared."""
    df: dict[str, int] = defaultdict(int)
    for row in rows:
        for token in row.tokens:
            df[token] += 1
    common = max(COMMON_MIN, int(COMMON_SHARE * len(rows)))
    postings: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        neighbours: set[int] = set()
        for token in row.tokens:
            if df[token] <= common:
                neighbours.update(postings[token])
                postings[token].append(i)
        for j in neighbours:
            other = rows[j]
            if row.received_at - other.received_at > WINDOW:
                continue
            if score(row.tokens, row.point, other.tokens, other.point) is not None:
                yield other.pk, row.pk


__all__ = [
    "RADIUS_M",
    "THRESHOLD",
    "WINDOW",
    "Candidate",
    "candidates",
    "distance_m",
    "proposals",
    "similarity",
]
