"""Reads of the service catalogue: browsing with facet filters and counts, one service for a
user (the same 404 for a missing and a hidden one), recent and saved services, the review queue.

Browsing counts each facet's values given the other facets' filters (a value's count says how
many services one more tick would add, as on 정부24): one query per facet, conditional
aggregation over the bit masks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, When
from django.http import Http404
from django.utils import timezone

from sotong.core import vocab
from sotong.guide.catalogue import permissions as permissions
from sotong.guide.catalogue.services import FACETS
from sotong.guide.eligibility.engine import rule_text
from sotong.guide.models import (
    CatalogueImport,
    EligibilityRule,
    SavedService,
    Service,
    ServiceLifeStage,
    ServiceView,
)
from sotong.org.models import Organization

SERVICE_TYPE = "service"
PER_PAGE = 20
# A free-text query keeps at most this many best hits before the facet filters apply.
SEARCH_HITS_MAX = 500
REVIEW_AHEAD_DAYS = 30
RECENT_SHOWN = 20

# GET parameter -> facet (bit-mask field) and the choice facets (plain fields).
BIT_PARAMS = {
    "stage": "life_stages",
    "group": "target_groups",
    "value": "values",
    "situation": "situations",
    "interest": "interests",
}
CHOICE_PARAMS = {"field": "field", "kind": "provider_kind", "org": "organization"}
LIFELONG_BIT = vocab.bit(ServiceLifeStage, ServiceLifeStage.LIFELONG)


@dataclass
class CatalogueFilters:
    """What a resident chose: lists of values per GET parameter (unknown values dropped) and
    the free text `q`."""

    selected: dict[str, list[str]] = field(default_factory=dict)
    q: str = ""

    def values(self, param: str) -> list[str]:
        return self.selected.get(param, [])

    @property
    def active(self) -> bool:
        return bool(self.q or any(self.selected.values()))


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    checked: bool


@dataclass
class Facet:
    param: str
    label: str
    options: list[FacetOption]

    @property
    def any_checked(self) -> bool:
        return any(option.checked for option in self.options)


# --- published services -------------------------------------------------------------------------


def published_services() -> QuerySet[Service]:
    return Service.objects.filter(published=True)


def _bit_mask(param: str, values: list[str]) -> int:
    mask = vocab.to_mask(FACETS[BIT_PARAMS[param]], values)
    # A service for every stage of life (전생애) is for each stage too.
    if param == "stage" and mask:
        mask |= LIFELONG_BIT
    return mask


def _apply(
    queryset: QuerySet[Service], filters: CatalogueFilters, *, skip: str = ""
) -> QuerySet[Service]:
    """`queryset` narrowed by every chosen facet but `skip` (values within a facet: any of them;
    facets together: all of them)."""
    for param, name in BIT_PARAMS.items():
        if param != skip and filters.values(param):
            queryset = vocab.filter_any(queryset, name, _bit_mask(param, filters.values(param)))
    for param, name in CHOICE_PARAMS.items():
        if param == skip or not filters.values(param):
            continue
        if param == "org":
            queryset = queryset.filter(organization__code__in=filters.values(param))
        else:
            queryset = queryset.filter(**{f"{name}__in": filters.values(param)})
    return queryset


def search_ids(user: Any, q: str) -> list[int]:
    """The ids of published services matching `q`, best first (core search)."""
    from sotong.core import search as index

    if SERVICE_TYPE not in index.type_choices():
        return []
    ids: list[int] = []
    page_number = 1
    while len(ids) < SEARCH_HITS_MAX:
        page = index.search(user=user, q=q, types=[SERVICE_TYPE], page=page_number, per_page=100)
        ids.extend(int(hit.object_id) for hit in page.hits if str(hit.object_id).isdigit())
        if not page.has_next:
            break
        page_number += 1
    return ids[:SEARCH_HITS_MAX]


@dataclass
class Browse:
    services: QuerySet[Service]
    facets: list[Facet]
    ids: list[int] | None = None


def browse(filters: CatalogueFilters, *, user: Any = None) -> Browse:
    """Published services matching `filters` (best hits first when there is a query, else by
    name) and the facets with their counts. The queryset is lazy: paginate it."""
    base = published_services()
    ids: list[int] | None = None
    if filters.q:
        ids = search_ids(user, filters.q)
        base = base.filter(pk__in=ids)
    services = _apply(base, filters).select_related("organization")
    if ids:
        rank = Case(
            *[When(pk=pk, then=position) for position, pk in enumerate(ids)],
            output_field=IntegerField(),
        )
        services = services.order_by(rank, "name", "pk")
    else:
        services = services.order_by("name", "pk")
    facets = facet_counts(base, filters) if ids is None or ids else empty_facets(filters)
    return Browse(services=services, facets=facets, ids=ids)


def _labels(choices) -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in choices.choices]


FACET_TITLES = {
    "stage": lambda: Service._meta.get_field("life_stages").verbose_name,
    "group": lambda: Service._meta.get_field("target_groups").verbose_name,
    "value": lambda: Service._meta.get_field("values").verbose_name,
    "situation": lambda: Service._meta.get_field("situations").verbose_name,
    "interest": lambda: Service._meta.get_field("interests").verbose_name,
    "field": lambda: Service._meta.get_field("field").verbose_name,
    "kind": lambda: Service._meta.get_field("provider_kind").verbose_name,
    "org": lambda: Service._meta.get_field("organization").verbose_name,
}


def facet_counts(base: QuerySet[Service], filters: CatalogueFilters) -> list[Facet]:
    """Every facet with the count of each value given the other facets' filters: one query per
    facet."""
    facets: list[Facet] = []
    for param, name in BIT_PARAMS.items():
        choices = FACETS[name]
        queryset = _apply(base, filters, skip=param).order_by()
        aliases: dict[str, Any] = {}
        counts: dict[str, Any] = {}
        for i, value in enumerate(choices.values):
            mask = 1 << i
            if param == "stage" and value != ServiceLifeStage.LIFELONG:
                mask |= LIFELONG_BIT
            aliases[f"_b{i}"] = F(name).bitand(mask)
            counts[f"c{i}"] = Count("pk", filter=~Q(**{f"_b{i}": 0}))
        row = queryset.alias(**aliases).aggregate(**counts)
        chosen = set(filters.values(param))
        facets.append(
            Facet(
                param=param,
                label=str(FACET_TITLES[param]()),
                options=[
                    FacetOption(value, label, row[f"c{i}"] or 0, value in chosen)
                    for i, (value, label) in enumerate(_labels(choices))
                ],
            )
        )
    for param, choices in (("field", Service.Field), ("kind", Service.ProviderKind)):
        name = CHOICE_PARAMS[param]
        rows = dict(
            _apply(base, filters, skip=param)
            .order_by()
            .values_list(name)
            .annotate(n=Count("pk"))
            .values_list(name, "n")
        )
        chosen = set(filters.values(param))
        facets.append(
            Facet(
                param=param,
                label=str(FACET_TITLES[param]()),
                options=[
                    FacetOption(value, label, rows.get(value, 0), value in chosen)
                    for value, label in _labels(choices)
                ],
            )
        )
    rows = (
        _apply(base, filters, skip="org")
        .filter(organization__isnull=False)
        .order_by()
        .values_list("organization__code", "organization__name")
        .annotate(n=Count("pk"))
        .values_list("organization__code", "organization__name", "n")
    )
    chosen = set(filters.values("org"))
    options = sorted(
        (FacetOption(code, name, n, code in chosen) for code, name, n in rows),
        key=lambda option: option.label,
    )
    facets.append(Facet(param="org", label=str(FACET_TITLES["org"]()), options=options))
    return facets


def empty_facets(filters: CatalogueFilters) -> list[Facet]:
    """The facets when a query found nothing (no counting needed)."""
    facets = []
    for param, name in BIT_PARAMS.items():
        chosen = set(filters.values(param))
        facets.append(
            Facet(
                param,
                str(FACET_TITLES[param]()),
                [FacetOption(v, label, 0, v in chosen) for v, label in _labels(FACETS[name])],
            )
        )
    for param, choices in (("field", Service.Field), ("kind", Service.ProviderKind)):
        chosen = set(filters.values(param))
        facets.append(
            Facet(
                param,
                str(FACET_TITLES[param]()),
                [FacetOption(v, label, 0, v in chosen) for v, label in _labels(choices)],
            )
        )
    facets.append(Facet("org", str(FACET_TITLES["org"]()), []))
    return facets


def known_values(param: str) -> set[str] | None:
    """The values a GET parameter may take (None: organisation codes, checked by the query)."""
    if param in BIT_PARAMS:
        return set(FACETS[BIT_PARAMS[param]].values)
    if param == "field":
        return set(Service.Field.values)
    if param == "kind":
        return set(Service.ProviderKind.values)
    return None


# --- one service --------------------------------------------------------------------------------


def service_for_user(user: Any, pk: int) -> Service:
    """The service if `user` may see it: published ones to everyone, unpublished ones to staff
    who may edit them. The same 404 for a missing and a hidden service."""
    service = Service.objects.select_related("organization", "department").filter(pk=pk).first()
    if service is None or not permissions.can_see_service(user, service):
        raise Http404("no such service")
    return service


def visible_imports(user: Any) -> QuerySet[CatalogueImport]:
    """The catalogue imports of the organisations whose catalogue `user` may import."""
    queryset = CatalogueImport.objects.select_related("organization")
    ids = permissions.service_organization_ids(user)
    return queryset if ids is None else queryset.filter(organization_id__in=ids)


def catalogue_import_for_user(user: Any, pk: int) -> CatalogueImport:
    """The import run `pk` if `user` may import its organisation's catalogue; the same 404 for
    a missing and a foreign run."""
    run = visible_imports(user).select_related("created_by").filter(pk=pk).first()
    if run is None:
        raise Http404("no such import")
    return run


def rules_in_words(service: Service) -> list[str]:
    """The service's structured criteria as sentences (the rule's own text, else
    eligibility.rule_text, else its kind)."""
    texts = []
    for rule in EligibilityRule.objects.filter(service=service).order_by("order", "pk"):
        text = ""
        if rule.text:
            text = rule.text
        else:
            try:
                text = str(rule_text(rule))
            except Exception:  # a page must not fail on one odd rule
                text = ""
        texts.append(text or str(rule.get_kind_display()))
    return texts


def facet_tags(service: Service) -> list[tuple[str, str, str]]:
    """(param, value, label) of every facet value of the service, for tags linking to the
    catalogue filtered by it."""
    tags = []
    for param, name in BIT_PARAMS.items():
        choices = FACETS[name]
        labels = dict(_labels(choices))
        for value in vocab.from_mask(choices, getattr(service, name)):
            tags.append((param, value, labels[value]))
    return tags


# --- a resident's services ------------------------------------------------------------------------


def recent_services(user: Any, *, limit: int = RECENT_SHOWN) -> list[ServiceView]:
    """The user's recently viewed published services, newest first."""
    return list(
        ServiceView.objects.filter(user=user, service__published=True)
        .select_related("service__organization")
        .order_by("-viewed_at", "-pk")[:limit]
    )


def saved_services(user: Any) -> list[SavedService]:
    return list(
        SavedService.objects.filter(user=user, service__published=True)
        .select_related("service__organization")
        .order_by("-saved_at", "-pk")
    )


# --- staff ----------------------------------------------------------------------------------------


def review_queue(
    user: Any, *, today: datetime.date | None = None, organization: Organization | None = None
) -> QuerySet[Service]:
    """Services `user` edits whose next review is past or within REVIEW_AHEAD_DAYS days, the
    most overdue first. A superuser sees every organisation's (or `organization`'s)."""
    today = today or timezone.localdate()
    queryset = Service.objects.filter(
        review_due__isnull=False, review_due__lte=today + datetime.timedelta(REVIEW_AHEAD_DAYS)
    )
    ids = permissions.service_organization_ids(user)
    if ids is not None:
        queryset = queryset.filter(organization_id__in=ids)
    elif organization is not None:
        queryset = queryset.filter(organization=organization)
    return queryset.select_related("organization", "department").order_by(
        "review_due", "name", "pk"
    )
