"""Routing suggestions: the category and the top departments for a petition, with confidence.

Learnt per organisation from its own history of final assignments — petitions whose department
was set and that were not transferred away (in progress, waiting for approval, answered or
closed; an `assigned` one may still be reassigned) — and retrained by `tasks_routing.train_routing`
or `manage.py petitions_train_routing`. Until an organisation has `MIN_EXAMPLES` of them (cold
start), the categories' keywords (`Category.keywords`) point to `Category.department`, with a
lower confidence and the reason "핵심어".

The classifier itself (features, naive Bayes, the fitted temperature) is pure and lives in
`routing_classifier.py`; this module trains it on an organisation's history (`train`),
stores it (`RoutingModel`) and suggests (`suggest`, `keyword_suggestions`)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .routing_classifier import FORMAT, GRID, Classifier, features, fit

if TYPE_CHECKING:
    from sotong.org.models import Department, Organization

    from .models import Category, Petition, RoutingModel


# --- Django: training on an organisation's history and suggesting ----------------------------

# Fewer final assignments than this, or a single department: keyword rules instead.
MIN_EXAMPLES = 30
# The newest final assignments trained on (duties move between departments; old history misleads
# and costs memory).
MAX_EXAMPLES = 20_000
# Rows of RoutingModel kept per organisation (the newest is used; one older for comparison).
KEEP_MODELS = 2
# Keyword rules are a guess: their confidence never exceeds this.
KEYWORD_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Suggestion:
    department: Department
    category: Category | None
    confidence: float
    reason: str


@dataclass
class _Loaded:
    departments: Classifier | None
    categories: Classifier | None
    # department id → category ids seen with it, most frequent first
    department_categories: dict[str, list[str]]
    examples: int


_cache: dict[int, tuple[int, _Loaded]] = {}
_cache_lock = threading.Lock()


def _final_statuses() -> tuple[str, ...]:
    from .models import Status

    return (Status.IN_PROGRESS, Status.APPROVAL, Status.ANSWERED, Status.CLOSED)


def petition_tokens(petition: Petition) -> list[str]:
    """The stored kiwi tokens of a petition, or its title and body analysed now."""
    if petition.tokens:
        return petition.tokens.split()
    from sotong.core.search.analyzer import analyze

    return analyze(f"{petition.title}\n{petition.body}")


def history(organization: Organization) -> tuple[list[list[str]], list[int], list[int | None]]:
    """Tokens, department ids and category ids of the organisation's newest final assignments
    to departments still in service."""
    from sotong.core.search.analyzer import analyze_many

    from .models import Petition

    rows = list(
        Petition.objects.filter(
            organization=organization,
            department__isnull=False,
            department__active=True,
            status__in=_final_statuses(),
        )
        .order_by("-received_at", "-id")
        .values_list("title", "body", "tokens", "department_id", "category_id")[:MAX_EXAMPLES]
    )
    missing = [i for i, row in enumerate(rows) if not row[2]]
    analysed = analyze_many([f"{rows[i][0]}\n{rows[i][1]}" for i in missing]) if missing else []
    tokens = [row[2].split() if row[2] else [] for row in rows]
    for i, found in zip(missing, analysed, strict=True):
        tokens[i] = found
    return tokens, [row[3] for row in rows], [row[4] for row in rows]


def train(organization: Organization) -> RoutingModel:
    """Learn the organisation's suggester from its history and store it as the newest
    RoutingModel (older rows beyond `KEEP_MODELS` are removed). With too little history the row
    records that (no classifier) and suggestions use keyword rules."""
    from django.db import transaction

    from sotong.core.audit import audit_record

    from .models import RoutingModel

    tokens, departments, categories = history(organization)
    data: dict[str, Any] = {"format": FORMAT, "departments": None, "categories": None}
    if len(tokens) >= MIN_EXAMPLES and len(set(departments)) > 1:
        data["departments"] = fit(tokens, [str(d) for d in departments]).to_json()
        labelled = [(t, str(c)) for t, c in zip(tokens, categories, strict=True) if c]
        if len(labelled) >= MIN_EXAMPLES and len({c for _, c in labelled}) > 1:
            data["categories"] = fit([t for t, _ in labelled], [c for _, c in labelled]).to_json()
        pairs: dict[str, Counter[str]] = {}
        for d, c in zip(departments, categories, strict=True):
            if c:
                pairs.setdefault(str(d), Counter())[str(c)] += 1
        data["department_categories"] = {
            d: [c for c, _ in counter.most_common()] for d, counter in pairs.items()
        }
    with transaction.atomic():
        model = RoutingModel.objects.create(
            organization=organization, examples=len(tokens), data=data
        )
        stale = RoutingModel.objects.filter(organization=organization).order_by(
            "-trained_at", "-id"
        )[KEEP_MODELS:]
        RoutingModel.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()
        audit_record(
            actor=None,
            action="petitions.routing.train",
            obj=model,
            organization=organization,
            after={"examples": len(tokens), "trained": data["departments"] is not None},
        )
    return model


def _load(organization_id: int) -> _Loaded | None:
    """The newest model of the organisation, decoded once per process and row."""
    from .models import RoutingModel

    newest = (
        RoutingModel.objects.filter(organization_id=organization_id)
        .order_by("-trained_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    if newest is None:
        return None
    cached = _cache.get(organization_id)
    if cached and cached[0] == newest:
        return cached[1]
    row = RoutingModel.objects.filter(pk=newest).values_list("data", "examples").first()
    if row is None:
        return None
    data, examples = row
    loaded = _Loaded(
        departments=Classifier.from_json(data["departments"]) if data.get("departments") else None,
        categories=Classifier.from_json(data["categories"]) if data.get("categories") else None,
        department_categories=dict(data.get("department_categories") or {}),
        examples=examples,
    )
    with _cache_lock:
        _cache[organization_id] = (newest, loaded)
    return loaded


def suggest(
    petition_or_text: Petition | str,
    *,
    organization: Organization | None = None,
    k: int = 3,
) -> list[Suggestion]:
    """Up to `k` departments for a petition (or a text being typed), most likely first, each
    with a category (or None), a confidence in [0, 1] and a reason in Korean. `organization`
    defaults to the petition's own; it is required for a text."""
    from sotong.core.search.analyzer import analyze

    if isinstance(petition_or_text, str):
        if organization is None:
            raise TypeError("suggest(text) needs organization=")
        tokens = analyze(petition_or_text)
    else:
        organization = organization or petition_or_text.organization
        tokens = petition_tokens(petition_or_text)
    if k <= 0:
        return []
    loaded = _load(organization.pk)
    if loaded and loaded.departments and tokens and loaded.departments.known(tokens):
        found = _model_suggestions(loaded, tokens, organization, k)
        if found:
            return found
    return keyword_suggestions(tokens, organization, k=k)


def _model_suggestions(
    loaded: _Loaded, tokens: list[str], organization: Organization, k: int
) -> list[Suggestion]:
    from django.utils.translation import gettext as _

    from sotong.org.models import Department

    from .models import Category

    assert loaded.departments is not None
    # Rank a few more than asked: a department closed since training is skipped.
    ranked = loaded.departments.rank(tokens, k=k + 5)
    live = Department.objects.in_bulk(
        [int(d) for d, _p in ranked], field_name="pk"
    )  # one query for all
    category_p: dict[str, float] = {}
    if loaded.categories:
        category_p = dict(loaded.categories.rank(tokens, k=len(loaded.categories.classes)))
    wanted: dict[str, str | None] = {}
    for d, _p in ranked:
        options = loaded.department_categories.get(d, [])
        if category_p:
            options = sorted(options, key=lambda c: -category_p.get(c, 0.0))
        wanted[d] = options[0] if options else None
    categories = Category.objects.filter(organization=organization, active=True).in_bulk(
        [int(c) for c in wanted.values() if c]
    )
    out: list[Suggestion] = []
    for d, p in ranked:
        department = live.get(int(d))
        if (
            department is None
            or not department.active
            or department.organization_id != (organization.pk)
        ):
            continue
        words = loaded.departments.evidence(tokens, d)
        reason = _("배정 이력 %(n)d건에서 학습") % {"n": loaded.examples}
        if words:
            reason += " · " + _("근거어: %(words)s") % {"words": ", ".join(words)}
        category_id = wanted.get(d)
        out.append(
            Suggestion(
                department=department,
                category=categories.get(int(category_id)) if category_id else None,
                confidence=round(min(max(p, 0.0), 1.0), 4),
                reason=reason,
            )
        )
        if len(out) >= k:
            break
    return out


@lru_cache(maxsize=4096)
def _keyword_tokens(keyword: str) -> tuple[str, ...]:
    from sotong.core.search.analyzer import analyze

    return tuple(analyze(keyword))


def keyword_suggestions(
    tokens: Iterable[str], organization: Organization, *, k: int = 3
) -> list[Suggestion]:
    """Cold start: each active category whose keywords occur in the tokens (a keyword counts
    when it is a token as written, or when all of its own tokens are there) points to its department. Confidence is the
    category's share of the keyword matches, scaled to at most `KEYWORD_CONFIDENCE`."""
    from django.utils.translation import gettext as _

    from .models import Category

    present = set(tokens)
    if not present:
        return []
    hits: list[tuple[int, Category, list[str]]] = []
    for category in (
        Category.objects.filter(
            organization=organization,
            active=True,
            department__isnull=False,
            department__active=True,
        )
        .exclude(keywords="")
        .select_related("department")
    ):
        matched = []
        for keyword in (w.strip() for w in category.keywords.split(",")):
            if not keyword:
                continue
            # Alone, a keyword may analyse differently than in a sentence ("보안등" alone is
            # 보안 + 등): its written form counts as well as its tokens.
            parts = _keyword_tokens(keyword)
            whole = "".join(keyword.split()).casefold()
            if whole in present or (parts and all(p in present for p in parts)):
                matched.append(keyword)
        if matched:
            hits.append((len(matched), category, matched))
    if not hits:
        return []
    total = sum(n for n, _c, _m in hits)
    hits.sort(key=lambda h: (-h[0], h[1].order, h[1].name))
    out: list[Suggestion] = []
    seen: set[int] = set()
    for n, category, matched in hits:
        assert category.department is not None
        if category.department_id in seen:
            continue
        seen.add(category.department_id)
        out.append(
            Suggestion(
                department=category.department,
                category=category,
                confidence=round(KEYWORD_CONFIDENCE * n / total, 4),
                reason=_("핵심어: %(words)s") % {"words": ", ".join(matched[:3])},
            )
        )
        if len(out) >= k:
            break
    return out


__all__ = [
    "GRID",
    "Classifier",
    "Suggestion",
    "features",
    "fit",
    "history",
    "keyword_suggestions",
    "petition_tokens",
    "suggest",
    "train",
]
