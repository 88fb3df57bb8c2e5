"""The petitioner's own pages: the rating and the reopen (재민원) of an answered petition (with an
account, or by the petition's token) and "my petitions".

Thin views: parse a form, call one service (`services.petition_rate`, `petition_reopen`), render
or redirect; a form with errors comes back on the timeline page (`detail._detail_context`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from sotong.core.search_page import page_window
from sotong.core.web import add_service_errors

from .. import permissions, queries
from ..forms.public import RatingForm, ReopenForm
from ..models import Petition
from .common import PER_PAGE, _petitions_services, _remember_receipt
from .detail import _detail_context


def _own_petition(request: HttpRequest, pk: int) -> Petition:
    petition = queries.petition_for_user(request.user, pk)
    if not permissions.is_petitioner(request.user, petition):
        raise Http404
    return petition


def _after_action(petition: Petition, token: str):
    if token:
        return redirect("petitions:token", token=token)
    return redirect("petitions:detail", pk=petition.pk)


@login_required
@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    return _rate(request, _own_petition(request, pk))


@require_POST
def rate_by_token(request: HttpRequest, token: str) -> HttpResponse:
    return _rate(request, queries.petition_by_token(token), token=token)


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _reopen(request, _own_petition(request, pk))


@require_POST
def reopen_by_token(request: HttpRequest, token: str) -> HttpResponse:
    return _reopen(request, queries.petition_by_token(token), token=token)


def _actor(request: HttpRequest):
    return request.user if request.user.is_authenticated else None


def _rate(request: HttpRequest, petition: Petition, *, token: str = "") -> HttpResponse:
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            _petitions_services().petition_rate(
                actor=_actor(request),
                petition=petition,
                speed=form.cleaned_data["speed"],
                completeness=form.cleaned_data["completeness"],
                comment=form.cleaned_data["comment"],
                token=token,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("이 민원은 평가할 수 없습니다."))
        else:
            messages.success(request, _("만족도 평가를 보내 주셔서 고맙습니다."))
            return _after_action(petition, token)
    context = _detail_context(request, petition, owner=True, token=token, rating_form=form)
    context["may_rate"] = True
    return render(request, "petitions/public/detail.html", context, status=400)


def _reopen(request: HttpRequest, petition: Petition, *, token: str = "") -> HttpResponse:
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            follow_up = _petitions_services().petition_reopen(
                actor=_actor(request),
                petition=petition,
                body=form.cleaned_data["body"],
                token=token,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("이 민원은 재민원을 신청할 수 없습니다."))
        else:
            _remember_receipt(request, follow_up, anonymous=follow_up.user_id is None)
            return redirect("petitions:receipt")
    context = _detail_context(request, petition, owner=True, token=token, reopen_form=form)
    context["may_reopen"] = True
    return render(request, "petitions/public/detail.html", context, status=400)


# --- my petitions -------------------------------------------------------------------------------


@login_required
@require_safe
def my_petitions(request: HttpRequest) -> HttpResponse:
    rows = queries.visible_petitions(request.user).filter(user_id=request.user.pk)
    paginator = Paginator(rows.order_by("-received_at", "-id"), PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        page = paginator.page(1)
    context = {
        "page": page,
        "page_links": page_window(page.number, paginator.num_pages),
        "total": paginator.count,
    }
    return render(request, "petitions/public/my.html", context)


urlpatterns = [
    path("my", my_petitions, name="my"),
    path("<int:pk>/rate", rate, name="rate"),
    path("<int:pk>/reopen", reopen, name="reopen"),
    path("t/<str:token>/rate", rate_by_token, name="token_rate"),
    path("t/<str:token>/reopen", reopen_by_token, name="token_reopen"),
]

__all__ = ["urlpatterns"]
