"""The public listing of petitions (`/petitions/list`): filters (organisation, board,
category, status, year) and a search through core search, paginated. Only public petitions, their
titles masked (`public_text`)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Case, IntegerField, Max, Min, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_safe

from sotong.core.privacy.public import public_text
from sotong.core.search_page import clean_query, page_window
from sotong.org.models import Organization

from .. import queries
from ..forms.public import ListFilterForm
from ..models import Board, Category, Petition
from .common import PER_PAGE, PETITION_TYPE

# Search hits read for the listing: the best this many, then filtered and paginated here.
SEARCH_HITS_MAX = 300


def _years() -> list[int]:
    bounds = Petition.objects.filter(is_public=True).aggregate(
        first=Min("received_at"), last=Max("received_at")
    )
    if bounds["first"] is None:
        return [timezone.localdate().year]
    first = timezone.localtime(bounds["first"]).year
    last = max(timezone.localtime(bounds["last"]).year, timezone.localdate().year)
    return list(range(last, first - 1, -1))


def _search_ids(user, q: str, organization) -> list[int]:
    """The ids of public petitions matching `q`, best first (core search)."""
    from sotong.core import search as index

    if PETITION_TYPE not in index.type_choices():
        return []
    ids: list[int] = []
    page_number = 1
    while len(ids) < SEARCH_HITS_MAX:
        page = index.search(
            user=user,
            q=q,
            types=[PETITION_TYPE],
            organization=organization,
            page=page_number,
            per_page=100,
        )
        for hit in page.hits:
            if str(hit.object_id).isdigit():
                ids.append(int(hit.object_id))
        if not page.has_next:
            break
        page_number += 1
    return ids[:SEARCH_HITS_MAX]


@require_safe
def petition_list(request: HttpRequest) -> HttpResponse:
    organizations = list(
        Organization.objects.filter(petition_boards__active=True)
        .distinct()
        .order_by("kind", "name")
    )
    boards = list(Board.objects.filter(active=True).select_related("organization"))
    categories = list(Category.objects.filter(active=True).select_related("organization"))
    form = ListFilterForm(
        request.GET or None,
        organizations=organizations,
        boards=boards,
        categories=categories,
        years=_years(),
    )
    values = form.valid_values() if request.GET else {}
    organization = next((o for o in organizations if o.code == values.get("org")), None)
    rows = queries.public_petitions(
        organization=organization,
        board=int(values["board"]) if values.get("board") else None,
        category=int(values["category"]) if values.get("category") else None,
    )
    if values.get("status"):
        rows = rows.filter(status=values["status"])
    if values.get("year"):
        rows = rows.filter(received_at__year=values["year"])
    q = ""
    if values.get("q"):
        q, _cut = clean_query(values["q"])
    if q:
        ids = _search_ids(request.user, q, organization)
        rank = Case(
            *[When(pk=pk, then=position) for position, pk in enumerate(ids)],
            output_field=IntegerField(),
        )
        rows = rows.filter(pk__in=ids).order_by(rank, "-received_at") if ids else rows.none()
    paginator = Paginator(rows, PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        page = paginator.page(1)
    except EmptyPage:
        page = paginator.page(paginator.num_pages)
    items = [
        {"petition": petition, "title": public_text(petition.title)}
        for petition in page.object_list
    ]
    kept = {key: value for key, value in values.items() if key != "page"}
    if q:
        kept["q"] = q
    context = {
        "form": form,
        "page": page,
        "items": items,
        "total": paginator.count,
        "q": q,
        "page_links": page_window(page.number, paginator.num_pages),
        "base_query": urlencode(kept),
    }
    return render(request, "petitions/public/list.html", context)


urlpatterns = [
    path("list", petition_list, name="list"),
]

__all__ = ["urlpatterns"]
