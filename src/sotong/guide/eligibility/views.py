"""The eligibility questionnaire (맞춤 서비스 찾기): thin views over `eligibility` and
`services_eligibility`.

Answers stay in the browser's session (never in the database), unless a logged-in resident
ticks "내 정보 저장"; a saved profile prefills the form and stands in for session answers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sotong.guide.eligibility import engine as eligibility
from sotong.guide.eligibility.forms import EligibilityForm
from sotong.guide.eligibility.services import profile_delete, profile_for, profile_save
from sotong.guide.models import Service

SESSION_KEY = "services_eligibility_answers"
# A catalogue of thousands (imported 보조금24) must not make a page of thousands: each group
# shows its first GROUP_LIMIT services and says how many more there are.
GROUP_LIMIT = 100


def _focus(request: HttpRequest) -> int | None:
    value = request.POST.get("service") or request.GET.get("service") or ""
    return int(value) if value.isdigit() and len(value) < 10 else None


def _with_focus(url: str, focus: int | None) -> str:
    return f"{url}?{urlencode({'service': focus})}" if focus else url


def _crumbs(*extra: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("맞춤 서비스 찾기"), reverse("services:eligibility")), *extra]


@require_http_methods(["GET", "POST"])
def eligibility_form(request: HttpRequest) -> HttpResponse:
    focus = _focus(request)
    profile = profile_for(request.user)
    if request.method == "POST":
        form = EligibilityForm(request.POST, user=request.user)
        if form.is_valid():
            request.session[SESSION_KEY] = form.answers.as_data()
            if form.cleaned_data.get("save_profile"):
                profile_save(
                    actor=request.user,
                    answers=form.answers,
                    notify_on_match=form.cleaned_data.get("notify_on_match", False),
                )
                messages.success(request, _("내 정보를 저장했습니다."))
            return redirect(_with_focus(reverse("services:eligibility_results"), focus))
    else:
        data = request.session.get(SESSION_KEY) or (profile.answers if profile else None)
        initial = EligibilityForm.initial_from(data)
        if profile is not None:
            initial.update(save_profile=True, notify_on_match=profile.notify_on_match)
        form = EligibilityForm(initial=initial, user=request.user)
    focus_service = (
        Service.objects.filter(pk=focus, published=True).only("pk", "name").first()
        if focus
        else None
    )
    context = {
        "form": form,
        "profile": profile,
        "focus": focus_service,
        "has_answers": bool(request.session.get(SESSION_KEY)),
        "crumbs": _crumbs(),
    }
    return render(request, "services/eligibility/form.html", context)


def eligibility_results(request: HttpRequest) -> HttpResponse:
    focus = _focus(request)
    data = request.session.get(SESSION_KEY)
    if not data:
        profile = profile_for(request.user)
        data = profile.answers if profile else None
    if not data:
        messages.info(request, _("먼저 몇 가지 질문에 답해 주세요."))
        return redirect(_with_focus(reverse("services:eligibility"), focus))
    try:
        answers = eligibility.answers_clean(data)
    except ValidationError:
        request.session.pop(SESSION_KEY, None)
        messages.warning(request, _("저장된 답변을 다시 확인해야 합니다. 질문에 다시 답해 주세요."))
        return redirect(_with_focus(reverse("services:eligibility"), focus))
    matches = eligibility.match_services(answers)
    focused = None
    if focus is not None:
        focused = next((m for m in matches if m.service.pk == focus), None)
        if focused is None:
            service = eligibility.services_for_matching().filter(pk=focus).first()
            if service is not None:
                focused = eligibility.evaluate(service, answers)
        if focused is not None:
            matches = [m for m in matches if m.service.pk != focus]
    groups = []
    for status in eligibility.STATUSES:
        found = [m for m in matches if m.status == status]
        groups.append(
            {
                "status": status,
                "label": eligibility.STATUS_LABELS[status],
                "count": len(found),
                "matches": [_present(m) for m in found[:GROUP_LIMIT]],
                "more": max(0, len(found) - GROUP_LIMIT),
            }
        )
    context = {
        "groups": groups,
        "focused": _present(focused) if focused else None,
        "answers": answers,
        "total": len(matches) + (1 if focused else 0),
        "crumbs": _crumbs((_("결과"), None)),
    }
    return render(request, "services/eligibility/results.html", context)


def _present(match: eligibility.Match) -> dict[str, Any]:
    return {
        "service": match.service,
        "url": eligibility.service_path(match.service),
        "status": match.status,
        "status_label": match.status_label,
        "reasons": match.reasons,
    }


@require_POST
def eligibility_reset(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    messages.info(request, _("입력한 답변을 지웠습니다. 처음부터 다시 답해 주세요."))
    return redirect("services:eligibility")


@require_POST
@login_required
def eligibility_profile_delete(request: HttpRequest) -> HttpResponse:
    if profile_delete(actor=request.user):
        messages.success(request, _("저장한 내 정보를 지웠습니다."))
    else:
        messages.info(request, _("저장한 내 정보가 없습니다."))
    return redirect("services:eligibility")
