"""The public timeline of a petition (`/petitions/<pk>/`, and `/petitions/t/<token>` for a
petitioner without an account) and its attachments. Everyone but the petitioner reads the
user-written text masked (`public_text`) and the place at street level unless staff published it.
The rating and reopen forms on the page post to `petitioner.py`."""

from __future__ import annotations

import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from sotong.core.privacy.public import PublicPlace, public_text

from .. import permissions, queries
from ..forms.public import RatingForm, ReopenForm
from ..models import Answer, Petition
from .common import ANSWERED


def _answer_of(petition: Petition) -> Answer | None:
    if petition.status not in ANSWERED:
        return None
    try:
        answer = petition.answer
    except ObjectDoesNotExist:
        return None
    return answer if answer.state == Answer.State.APPROVED else None


def _reopen_until(petition: Petition) -> datetime.datetime | None:
    if petition.status not in ANSWERED or petition.answered_at is None:
        return None
    return petition.answered_at + datetime.timedelta(days=petition.board.reopen_days)


def _own_place(petition: Petition) -> PublicPlace:
    return PublicPlace(
        address=petition.address,
        latitude=petition.latitude,
        longitude=petition.longitude,
        exact=True,
    )


def _detail_context(request, petition: Petition, *, owner: bool, token: str = "", **forms):
    answer = _answer_of(petition)
    attachments = petition.attachments.select_related("file")
    if not owner:
        attachments = attachments.filter(is_public=True)
    else:
        attachments = attachments.filter(Q(is_public=True) | Q(uploaded_by_staff=False))
    follow_ups = petition.follow_ups.filter(permissions.visible_filter(request.user)).only(
        "pk", "title", "received_at"
    )
    events = [
        {"event": event, "note": public_text(event.note)}
        for event in queries.public_timeline(petition)
    ]
    reopen_until = _reopen_until(petition)
    public_place = queries.public_place_of(petition)
    may_act = owner and permissions.can_rate(request.user, petition, token=token)
    context = {
        "petition": petition,
        "owner": owner,
        "token": token,
        "title": public_text(petition.title),
        "body": petition.body if owner else public_text(petition.body),
        "petitioner": queries.petitioner_label(petition),
        # The petitioner sees the place as they wrote it, and what the public sees of it.
        "place": _own_place(petition) if owner else public_place,
        "public_place": public_place,
        "events": events,
        "answer": answer,
        # The answer is addressed to the petitioner; everyone else reads it masked.
        "answer_body": "" if answer is None else answer.body if owner else public_text(answer.body),
        "attachments": list(attachments),
        "follow_ups": list(follow_ups),
        "follow_up_of": petition.follow_up_of
        if petition.follow_up_of_id and permissions.can_view(request.user, petition.follow_up_of)
        else None,
        "may_rate": may_act and petition.status in ANSWERED and petition.rated_at is None,
        "may_reopen": may_act
        and reopen_until is not None
        and timezone.now() <= reopen_until
        and permissions.can_reopen(request.user, petition, token=token),
        "reopen_until": reopen_until,
        "rating_form": forms.get("rating_form") or RatingForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
    }
    return context


@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    petition = queries.petition_for_user(request.user, pk)
    owner = permissions.is_petitioner(request.user, petition)
    return render(
        request, "petitions/public/detail.html", _detail_context(request, petition, owner=owner)
    )


@never_cache
@require_safe
def detail_by_token(request: HttpRequest, token: str) -> HttpResponse:
    """The petitioner without an account follows their petition (public or private) here."""
    petition = queries.petition_by_token(token)
    context = _detail_context(request, petition, owner=True, token=token)
    response = render(request, "petitions/public/detail.html", context)
    # The token is a key: never sent on to other sites in a Referer.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _attachment_response(petition: Petition, attachment_id: int, *, owner: bool):
    from sotong.core.files import file_response

    rows = petition.attachments.select_related("file").filter(pk=attachment_id)
    rows = (
        rows.filter(Q(is_public=True) | Q(uploaded_by_staff=False))
        if owner
        else rows.filter(is_public=True)
    )
    attachment = rows.first()
    if attachment is None:
        raise Http404
    response = file_response(attachment.file, as_attachment=True)
    if not owner:
        # The name was typed by whoever uploaded the file: masked like any public text.
        from sotong.core.files.responses import content_disposition

        response["Content-Disposition"] = content_disposition(
            public_text(attachment.file.original_name), as_attachment=True
        )
    return response


@require_safe
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    petition = queries.petition_for_user(request.user, pk)
    owner = permissions.is_petitioner(request.user, petition) or permissions.can_handle(
        request.user, petition
    )
    return _attachment_response(petition, attachment_id, owner=owner)


@require_safe
def token_attachment(request: HttpRequest, token: str, attachment_id: int) -> HttpResponse:
    return _attachment_response(queries.petition_by_token(token), attachment_id, owner=True)


urlpatterns = [
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/files/<int:attachment_id>", attachment, name="attachment"),
    path("t/<str:token>", detail_by_token, name="token"),
    path("t/<str:token>/files/<int:attachment_id>", token_attachment, name="token_attachment"),
]

__all__ = ["urlpatterns"]
