"""Resident's own pages: profile (view and edit) and account deletion. Thin: parse, call one
service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sotong.core.web import add_service_errors

from . import services
from .forms import AccountDeleteForm, ResidentProfileForm
from .permissions import can_delete_account
from .queries import profile_of


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    current = profile_of(request.user)
    if request.method == "POST":
        form = ResidentProfileForm(request.POST)
        if form.is_valid():
            try:
                services.resident_profile_update(
                    actor=request.user, user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("내 정보를 저장했습니다."))
                return redirect("accounts:profile")
    else:
        form = ResidentProfileForm(initial=ResidentProfileForm.initial_for(current, get_language()))
    return render(request, "accounts/profile.html", {"form": form, "profile": current})


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    user = request.user
    allowed = can_delete_account(user, user)
    needs_password = not user.has_usable_password()
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied
        form = AccountDeleteForm(request.POST, user=user)
        if not needs_password and form.is_valid():
            services.account_delete(actor=user, user=user, reason=form.cleaned_data["reason"])
            logout(request)
            messages.success(
                request, _("탈퇴했습니다. 법령에 따라 보존하는 기록 외의 개인정보는 지웠습니다.")
            )
            return redirect("home")
    else:
        form = AccountDeleteForm(user=user)
    context = {"form": form, "allowed": allowed, "needs_password": needs_password}
    return render(request, "accounts/delete.html", context)
