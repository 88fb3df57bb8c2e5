"""Public pages of the service guide."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sotong.guide.faq import queries


def faq_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = queries.public_faq_entry(pk)
    context = {
        "entry": entry,
        "crumbs": [(entry.title, None)],
        "current_organization": entry.organization,
    }
    return render(request, "services/faq_detail.html", context)
