"""Pieces shared by the resident pages of petitions (`views/intake.py`, `confirmation.py`,
`detail.py`, `petitioner.py`, `listing.py`): the receipt kept in the session, the page size, the
search type of petitions, the statuses that carry an answer, the 429 page and the late import of
the lifecycle services.

Public pages show user-written text only through `core.privacy.public.public_text` (personal data
masked; the petitioner reads their own text and answer as written), the place through
`queries.public_place_of` (street level unless staff published it) and the petitioner through
`queries.petitioner_label`. A private petition answers everyone but its petitioner and its
handlers with the 404 of a missing one. No input raises a server error."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..models import Petition, Status

RECEIPT_SESSION_KEY = "petitions_receipt"
PER_PAGE = 20
PETITION_TYPE = "petition"
ANSWERED = (Status.ANSWERED, Status.CLOSED)


def _petitions_services():
    # Imported when used: the lifecycle module is P1's and loads notify events on import.
    from .. import services

    return services


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", status=429)


def _remember_receipt(request: HttpRequest, petition: Petition, *, anonymous: bool) -> None:
    request.session[RECEIPT_SESSION_KEY] = {
        "id": petition.pk,
        "token": petition.token if anonymous else "",
    }
