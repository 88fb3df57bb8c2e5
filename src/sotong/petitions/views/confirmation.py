"""The confirmation of an anonymous petitioner (`/petitions/confirm`): the petition waits in
the session (`confirm.py`) until its writer types the SMS code or follows the e-mail link, and is
then submitted as the intake form would have (`intake._submit`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sotong.core.web import add_service_errors

from .. import confirm
from ..forms.public import CodeForm
from ..models import Board
from .common import _remember_receipt, _too_many
from .intake import _submit


def _finish_pending(request: HttpRequest, pending: dict) -> HttpResponse:
    board = Board.objects.select_related("organization").filter(pk=pending["board"]).first()
    if board is None:
        confirm.pending_clear(request)
        raise Http404
    files = confirm.pending_files(pending)
    try:
        petition = _submit(
            request,
            actor=None,
            board=board,
            arguments=confirm.pending_arguments(pending),
            attachments=files,
            idempotency_key=f"web:{pending['key']}",
            **confirm.confirmed_contact(pending),
        )
    except (ValidationError, PermissionDenied) as error:
        message = " ".join(getattr(error, "messages", None) or [str(error)])
        confirm.pending_clear(request)
        context = {"board": board, "message": message}
        return render(request, "petitions/public/confirm_failed.html", context, status=400)
    finally:
        for handle in files:
            handle.close()
    confirm.pending_clear(request)
    _remember_receipt(request, petition, anonymous=True)
    return redirect("petitions:receipt")


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_view(request: HttpRequest) -> HttpResponse:
    pending = confirm.pending_get(request)
    if pending is None:
        return render(request, "petitions/public/confirm.html", {"nothing": True})
    board = Board.objects.select_related("organization").filter(pk=pending["board"]).first()
    if board is None:
        confirm.pending_clear(request)
        return render(request, "petitions/public/confirm.html", {"nothing": True})
    form = CodeForm()
    status = 200
    if request.method == "POST":
        if confirm.rate_limited(request, "confirm"):
            return _too_many(request)
        if request.POST.get("action") == "resend":
            if confirm.rate_limited(request, "resend"):
                return _too_many(request)
            try:
                confirm.send_confirmation(request, pending, organization=board.organization)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("인증번호를 다시 보냈습니다.")
                    if pending["method"] == "sms"
                    else _("확인 메일을 다시 보냈습니다."),
                )
            return redirect("petitions:confirm")
        if request.POST.get("action") == "cancel":
            confirm.pending_clear(request)
            messages.success(request, _("민원 신청을 취소했습니다. 입력한 내용은 지웠습니다."))
            return redirect("petitions:boards")
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                confirm.check_code(request, pending, form.cleaned_data["code"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return _finish_pending(request, pending)
        status = 400
    from sotong.notify.addresses import masked_email, masked_phone

    context = {
        "pending": pending,
        "board": board,
        "organization": board.organization,
        "form": form,
        "phone_masked": masked_phone(pending.get("phone", "")),
        "email_masked": masked_email(pending.get("email", "")),
        "title": pending["arguments"].get("title", ""),
    }
    return render(request, "petitions/public/confirm.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and POST submits: mail scanners open links, and must not file a
    petition its writer has not confirmed."""
    pending = confirm.pending_get(request)
    if request.method == "GET":
        return render(
            request,
            "petitions/public/confirm_email.html",
            {"token": token, "title": pending["arguments"].get("title", "") if pending else ""},
        )
    if confirm.rate_limited(request, "confirm"):
        return _too_many(request)
    try:
        confirm.check_email_token(pending, token)
    except ValidationError as error:
        context = {"message": " ".join(error.messages), "expired": error.code == "expired"}
        return render(request, "petitions/public/invalid_link.html", context, status=404)
    return _finish_pending(request, pending)


urlpatterns = [
    path("confirm", confirm_view, name="confirm"),
    path("confirm/email/<str:token>", confirm_email, name="confirm_email"),
]

__all__ = ["urlpatterns"]
