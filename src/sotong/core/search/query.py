"""Searching: `search()` turns a resident's words into a page of hits they may see.

Any input gives a page, never an error: the query is cut to MAX_QUERY_CHARS characters and
MAX_QUERY_TOKENS distinct tokens, analysed by kiwi like the documents, and only those tokens
(letters and digits) ever reach the database, as bound parameters inside quoted strings.
Filters that make no sense (an unknown type, a page number below 1) are ignored or clamped."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.safestring import SafeString

from sotong.core.privacy.public import public_text
from sotong.core.search.analyzer import analyze_query
from sotong.core.search.backends import get_backend
from sotong.core.search.backends.base import Audience, SearchRequest
from sotong.core.search.highlight import SCAN_CHARS, highlight, mark_pattern, snippet
from sotong.core.search.models import SearchDocument
from sotong.core.search.registry import get_type, registered_types

# A question longer than this is not typed by a person; analysing more would only cost time.
MAX_QUERY_CHARS = 500
# More distinct words than this add nothing to the ranking but cost a term each.
MAX_QUERY_TOKENS = 16
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Hit:
    """One result. `snippet` and `title_html` are safe HTML: the text escaped, the query's
    words in <mark>. `title` is plain text (templates escape it)."""

    type: str
    type_label: str
    object_id: str
    title: str
    title_html: SafeString
    snippet: SafeString
    url: str
    score: float
    category: str = ""
    date: datetime | None = None
    organization_id: int | None = None


@dataclass(frozen=True)
class SearchPage:
    q: str
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    tokens: list[str] = field(default_factory=list)
    # True when a query word was so common that only the newest documents holding it were read.
    truncated: bool = False

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def start_index(self) -> int:
        """1-based number of the first hit on this page (0 when there is none)."""
        return (self.page - 1) * self.per_page + 1 if self.hits else 0


def search(
    *,
    user: Any = None,
    q: str,
    types: Iterable[str] | None = None,
    organization: Any = None,
    category: str | None = None,
    date_from: date | datetime | None = None,
    date_to: date | datetime | None = None,
    page: int = 1,
    per_page: int = 10,
) -> SearchPage:
    """The documents matching any word of `q` that `user` may see, best first. `date_from` and
    `date_to` are inclusive (a date means that whole day, in Asia/Seoul)."""
    q = q if isinstance(q, str) else ("" if q is None else str(q))
    page = _positive(page, 1)
    per_page = min(_positive(per_page, 10), MAX_PER_PAGE)
    tokens, marks = analyze_query(q, max_chars=MAX_QUERY_CHARS, max_tokens=MAX_QUERY_TOKENS)
    searched = _types(types)
    empty = SearchPage(q=q, hits=[], total=0, page=page, per_page=per_page, tokens=tokens)
    if not tokens or not searched:
        return empty
    result = get_backend().search(
        SearchRequest(
            tokens=tokens,
            types={doctype.name: doctype.weights for doctype in searched},
            audience=audience_for(user),
            organization_id=_id(organization),
            category=category if isinstance(category, str) and category else None,
            date_from=_moment(date_from, end_of_day=False),
            date_to=_moment(date_to, end_of_day=True),
            offset=(page - 1) * per_page,
            limit=per_page,
            permitted=_permitted_for(user),
        )
    )
    return SearchPage(
        q=q,
        hits=_hits(result.hits, marks),
        total=result.total,
        page=page,
        per_page=per_page,
        tokens=tokens,
        truncated=result.truncated,
    )


def audience_for(user: Any) -> Audience:
    """Visitors and inactive accounts see public documents only; active staff also see what is
    granted to their post, their department and all staff of their organisation. Read from the
    user's current staff post each time: a post that ended grants nothing."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Audience()
    if not getattr(user, "is_active", False):
        return Audience()
    staff = getattr(user, "staff", None)
    if staff is None or not staff.active:
        return Audience(user_id=user.pk)
    return Audience(
        user_id=user.pk,
        staff_id=staff.pk,
        department_id=staff.department_id,
        organization_id=staff.organization_id,
    )


def _permitted_for(user: Any):
    """The request's `permitted`: each type's own rule (`DocumentType.permitted`) asked about
    the restricted candidates the grants let through; a type without one keeps them all."""

    def permitted(type_name: str, object_ids: list[str]) -> set[str]:
        doctype = get_type(type_name)
        if doctype is None:
            return set()
        if doctype.permitted is None:
            return set(object_ids)
        return {str(object_id) for object_id in doctype.permitted(user, object_ids)}

    return permitted


def category_choices(types: Iterable[str] | None = None) -> dict[str, str]:
    """The categories in the index for the registered types (or the given ones), sorted. They
    are labels for a filter, shown to everyone: a type must not put personal data in them."""
    names = [doctype.name for doctype in _types(types)]
    if not names:
        return {}
    # A loose index scan on (type, category): one index step per distinct category, not a scan
    # of every document; all types in one statement (one query whatever the number of types).
    seeds = " UNION ALL ".join(["SELECT %s AS type"] * len(names))
    sql = (
        "WITH RECURSIVE t (type) AS (" + seeds + "), "  # noqa: S608 - placeholders only
        "c (type, category) AS ("
        "SELECT t.type, (SELECT MIN(category) FROM search_document "
        "WHERE type = t.type AND category > '') FROM t "
        "UNION ALL SELECT c.type, (SELECT MIN(d.category) FROM search_document d "
        "WHERE d.type = c.type AND d.category > c.category) FROM c "
        "WHERE c.category IS NOT NULL) "
        "SELECT DISTINCT category FROM c WHERE category IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, names)
        found = {row[0] for row in cursor.fetchall()}
    return {value: value for value in sorted(found)}


def _hits(ranked: list[tuple[int, float]], marks: list[str]) -> list[Hit]:
    if not ranked:
        return []
    rows = (
        SearchDocument.objects.only(
            "id", "type", "object_id", "title", "url", "category", "date", "organization_id"
        )
        # A snippet looks at the beginning of a long body only: fetch no more than that.
        .annotate(head=Substr("body", 1, SCAN_CHARS))
        .in_bulk([doc_id for doc_id, _ in ranked])
    )
    pattern = mark_pattern(marks)
    hits = []
    for doc_id, score in ranked:
        row = rows.get(doc_id)
        if row is None:  # removed between ranking and reading
            continue
        doctype = get_type(row.type)
        title, head = row.title, row.head
        if doctype is not None and doctype.user_written:
            # Masked again when shown: a document indexed before a detector improved (or by an
            # extract that forgot) still shows nothing personal.
            title, head = public_text(title), public_text(head)
        hits.append(
            Hit(
                type=row.type,
                type_label=str(doctype.label) if doctype else row.type,
                object_id=row.object_id,
                title=title,
                title_html=highlight(title, pattern),
                snippet=snippet(head, pattern),
                url=row.url,
                score=score,
                category=row.category,
                date=row.date,
                organization_id=row.organization_id,
            )
        )
    return hits


def _types(types: Iterable[str] | None) -> list:
    if types is None:
        return registered_types()
    if isinstance(types, str):
        types = [types]
    wanted = {name for name in types if isinstance(name, str)}
    return [doctype for doctype in registered_types() if doctype.name in wanted]


def _positive(value: Any, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return number if number >= 1 else default


def _id(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    pk = getattr(value, "pk", None)
    return pk if isinstance(pk, int) else None


def _moment(value: Any, *, end_of_day: bool) -> datetime | None:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, date):
        day = value + timedelta(days=1) if end_of_day else value
        moment = timezone.make_aware(datetime.combine(day, time.min))
        return moment - timedelta(microseconds=1) if end_of_day else moment
    return None
