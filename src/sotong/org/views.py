"""Public organisation pages: who does what, how to reach them, how many people work there.
No staff names: only departments and their contacts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import queries


def home(request: HttpRequest) -> HttpResponse:
    """The demo city (or cities) with their districts, and the entry points that exist."""
    return render(request, "core/home.html", {"cities": queries.cities_with_districts()})


def organization_list(request: HttpRequest) -> HttpResponse:
    organizations = list(queries.public_organizations())
    return render(request, "org/organization_list.html", {"organizations": organizations})


def organization_detail(request: HttpRequest, code: str) -> HttpResponse:
    organization = queries.public_organization(code)
    context = {
        "organization": organization,
        "groups": queries.department_groups(organization),
        "staffing": queries.staffing_table(organization),
    }
    return render(request, "org/organization_detail.html", context)
