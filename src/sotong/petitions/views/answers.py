"""The answer actions of the staff case page (`/petitions/staff/<pk>/answer|approve|return`):
save, submit for approval or self-approve (담당전결) an answer with the board's checklist, approve
it, or return it with a comment. Each is the case page's action shape (`staff._case_action`):
bind the form, call one service, redirect; errors show the case page again."""

from __future__ import annotations

from django import forms as django_forms
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import services
from ..forms import staff as forms
from ..models import Petition
from .staff import _case_action, staff_page


def _answer_call(request: HttpRequest):
    def call(petition: Petition, form: forms.AnswerForm) -> None:
        action = form.cleaned_data["action"]
        # Saving the text and submitting it is one step for the officer: both or neither.
        with transaction.atomic():
            services.answer_save(
                actor=request.user, petition=petition, body=form.cleaned_data["body"]
            )
            if action == form.SUBMIT:
                services.answer_submit(
                    actor=request.user, petition=petition, checklist=form.ticked()
                )
            elif action == form.SELF_APPROVE:
                services.answer_self_approve(
                    actor=request.user, petition=petition, checklist=form.ticked()
                )

    return call


_ANSWER_DONE = {
    forms.AnswerForm.SAVE: gettext_lazy("답변을 임시 저장했습니다."),
    forms.AnswerForm.SUBMIT: gettext_lazy("결재를 요청했습니다."),
    forms.AnswerForm.SELF_APPROVE: gettext_lazy("담당전결로 답변을 보냈습니다."),
}


@staff_page
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    action = request.POST.get("answer-action", forms.AnswerForm.SAVE)
    return _case_action(
        request,
        pk,
        form_name="answer_form",
        make_form=lambda p: forms.AnswerForm(request.POST, checklist=p.board.checklist or ()),
        call=_answer_call(request),
        done=str(_ANSWER_DONE.get(action, _ANSWER_DONE[forms.AnswerForm.SAVE])),
        anchor="#answer" if action == forms.AnswerForm.SAVE else "",
    )


@staff_page
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        form_name="action_form",
        make_form=lambda p: django_forms.Form(request.POST),
        call=lambda p, f: services.answer_approve(actor=request.user, petition=p),
        done=_("결재했습니다. 답변을 민원인에게 보냅니다."),
    )


@staff_page
@require_POST
def return_answer(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        form_name="return_form",
        make_form=lambda p: forms.ReturnForm(request.POST),
        call=lambda p, f: services.answer_return(
            actor=request.user, petition=p, comment=f.cleaned_data["comment"]
        ),
        done=_("답변을 반려했습니다."),
    )


urlpatterns = [
    path("staff/<int:pk>/answer", answer, name="staff_answer"),
    path("staff/<int:pk>/approve", approve, name="staff_approve"),
    path("staff/<int:pk>/return", return_answer, name="staff_return"),
]
