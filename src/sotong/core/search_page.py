"""The public search page `/search`: everything the visitor may see, from every app that
registers a document type with `sotong.core.search`. Thin: read the GET parameters, call
`search()`, render `search/results.html`. Works without JavaScript (a plain GET form).

| parameter | accepted | otherwise |
| --- | --- | --- |
| `q` | NFC, control and zero-width characters made spaces, blanks collapsed, cut to QUERY_MAX | empty after cleaning: "검색어를 입력하세요." and suggestions, no search |
| `type` (repeatable) | a registered type name (`type_choices()`) | message at the field, searched without it |
| `category` | a category present in the index (`category_choices()`), shown translated | message at the field, searched without it |
| `page` | 1 … PAGE_MAX in ASCII digits | message, first page; past the last page: the last page, with a note |

Types file their documents under Korean category names (the FAQ under 복지, 교통 …), which are
also msgids: `category_label` shows them in the page's language. Anything the visitor types gives
a page, never an error."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from sotong.core import search as index

# Longer queries are cut here (search() itself stops at 500): nobody types more, and the box
# echoes the query back.
QUERY_MAX = 200
PER_PAGE = 10
# Deep pages cost an offset scan and nobody reads them; page numbers above this are refused.
PAGE_MAX = 1000
SUGGESTIONS = ("기초연금", "육아휴직", "전입신고", "여권", "주차", "쓰레기 배출", "어린이집")
# Control characters, zero-width and direction marks: never part of what someone meant to find.
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


@dataclass
class SearchParams:
    """The request's parameters, cleaned, with a Korean message for each one that was refused."""

    q: str = ""
    types: list[str] = field(default_factory=list)
    category: str = ""
    page: int = 1
    notices: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def query_string(self, **extra: object) -> str:
        """The URL query of this search (only what was accepted), plus `extra`."""
        values: dict[str, object] = {"q": self.q}
        if self.types:
            values["type"] = self.types
        if self.category:
            values["category"] = self.category
        values.update(extra)
        return urlencode(values, doseq=True)


def clean_query(raw: str) -> tuple[str, bool]:
    """The query as it will be searched, and whether it was cut to QUERY_MAX characters."""
    text = unicodedata.normalize("NFC", raw)
    text = CONTROL_RE.sub(" ", text)
    text = " ".join(text.split())
    if len(text) > QUERY_MAX:
        return text[:QUERY_MAX].rstrip(), True
    return text, False


def parse_params(
    get: QueryDict, type_choices: dict[str, str], category_choices: dict[str, str]
) -> SearchParams:
    params = SearchParams()
    params.q, cut = clean_query(get.get("q", ""))
    if cut:
        params.notices.append(
            _("검색어가 너무 길어 앞의 %(max)d자로 찾았습니다.") % {"max": QUERY_MAX}
        )

    for value in get.getlist("type"):
        value = value.strip()
        if not value:
            continue
        if value in type_choices:
            if value not in params.types:
                params.types.append(value)
        else:
            params.errors["type"] = _("알 수 없는 종류입니다. 목록에서 고르세요.")

    category = get.get("category", "").strip()
    if category:
        if category in category_choices:
            params.category = category
        else:
            params.errors["category"] = _("알 수 없는 분류입니다. 목록에서 고르세요.")

    raw_page = get.get("page", "").strip()
    if raw_page:
        if raw_page.isascii() and raw_page.isdigit() and 1 <= int(raw_page) <= PAGE_MAX:
            params.page = int(raw_page)
        else:
            params.errors["page"] = _("쪽 번호가 올바르지 않아 첫 쪽을 보여 드립니다.")
    return params


def page_window(current: int, last: int, *, around: int = 2) -> list[int | None]:
    """Page numbers to link: the first, the last and `around` on each side of the current one;
    None where numbers are left out (shown as …)."""
    wanted = {1, last, *range(max(1, current - around), min(last, current + around) + 1)}
    links: list[int | None] = []
    for number in sorted(wanted):
        if links and number - (links[-1] or 0) > 1:
            links.append(None)
        links.append(number)
    return links


def category_label(value: str) -> str:
    """Types file documents under Korean category names, which are also the msgids of the
    translation catalogue: an English page shows the English name where there is one."""
    return _(value) if value else ""


def _run(request: HttpRequest, params: SearchParams) -> index.SearchPage:
    def at(page: int) -> index.SearchPage:
        return index.search(
            user=request.user,
            q=params.q,
            types=params.types or None,
            category=params.category or None,
            page=page,
            per_page=PER_PAGE,
        )

    result = at(params.page)
    if result.total and params.page > result.num_pages:
        params.notices.append(
            _("결과는 %(last)d쪽까지 있어 마지막 쪽을 보여 드립니다.") % {"last": result.num_pages}
        )
        result = at(result.num_pages)
    return result


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    type_choices = index.type_choices()
    category_choices = index.category_choices()
    params = parse_params(request.GET, type_choices, category_choices)
    result = _run(request, params) if params.q else None
    context = {
        "params": params,
        "page": result,
        "hits": [(hit, category_label(hit.category)) for hit in result.hits] if result else [],
        "page_links": page_window(result.page, result.num_pages) if result else [],
        "first_index": (result.page - 1) * PER_PAGE + 1 if result else 1,
        "base_query": params.query_string(),
        "query_without_filters": urlencode({"q": params.q}),
        "query_max": QUERY_MAX,
        "type_choices": list(type_choices.items()),
        "category_choices": [(value, category_label(value)) for value in category_choices],
        "suggestions": SUGGESTIONS,
        "crumbs": [(_("검색"), None)],
    }
    return render(request, "search/results.html", context)
