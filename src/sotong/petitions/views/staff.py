"""The staff workspace of petitions (`/petitions/staff/`): my work (the intake inbox, the
department's open petitions, mine, waiting for my approval) with the traffic light, staff entry of
phone / visit / call-centre / mobile-office petitions, the case page with its actions (assign with
routing suggestions, reassign, transfer, accept, extend, publish the exact place, the logged
contact view). The answer actions (checklist, approve or return, 담당전결) are in
`views/answers.py`, groups of repeated petitions in `views/groups.py`.

Visitors go to the login page; logged-in people who are not active staff get 403; a petition the
member of staff does not handle (`permissions.can_handle`) is the same 404 as a missing one.
Views are thin: parse a form, call one service, redirect; a service's ValidationError goes back
onto the form (the case page is shown again with status 400), its PermissionDenied is a 403."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from sotong.core.privacy.public import public_text
from sotong.core.web import add_service_errors, guarded_page
from sotong.org.models import Organization
from sotong.org.queries import picked_organization

from .. import duplicates, permissions, queries, routing, services, stats
from ..forms import staff as forms
from ..models import (
    OPEN_STATUSES,
    Answer,
    Attachment,
    Petition,
    PetitionEvent,
    Status,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 20

LIGHT_LABELS = {
    queries.ON_TIME: gettext_lazy("정상"),
    queries.AT_RISK: gettext_lazy("임박"),
    queries.OVERDUE: gettext_lazy("지연"),
}

BOX_INTAKE, BOX_DEPARTMENT, BOX_MINE, BOX_APPROVAL = "intake", "department", "mine", "approval"
BOX_LABELS = {
    BOX_INTAKE: gettext_lazy("미배정 접수함"),
    BOX_DEPARTMENT: gettext_lazy("우리 부서 처리 중"),
    BOX_MINE: gettext_lazy("내 담당"),
    BOX_APPROVAL: gettext_lazy("결재 대기"),
}


# --- access --------------------------------------------------------------------------------------


def _staff_or_superuser(user) -> bool:
    return permissions.is_superuser(user) or permissions.staff_of(user) is not None


# Visitors go to the login page; logged-in people who are not active staff get 403.
staff_page = guarded_page(_staff_or_superuser, gettext_lazy("민원 담당 직원만 볼 수 있습니다."))


def _organization(request: HttpRequest) -> Organization:
    """The staff member's organisation. A superuser without a staff post picks one with
    `?org=<code>` (`org.queries.picked_organization`)."""
    staff = permissions.staff_of(request.user)
    if staff is not None:
        return staff.organization
    # Only a superuser without a staff post picks: staff always see their own organisation.
    return picked_organization(request.GET.get("org", ""))


def _answer(petition: Petition) -> Answer | None:
    try:
        return petition.answer
    except ObjectDoesNotExist:
        return None


def _light(petition: Petition, now) -> dict[str, str]:
    code = getattr(petition, "light", None)
    if code is None:
        code = queries.traffic_light(petition, now)
    return {"code": code, "label": str(LIGHT_LABELS.get(code, ""))}


# --- my work -------------------------------------------------------------------------------------


def _boxes(user, organization: Organization) -> list[str]:
    staff = permissions.staff_of(user)
    boxes = []
    if permissions.is_intake(user, organization):
        boxes.append(BOX_INTAKE)
    if staff is not None:
        if staff.department_id is not None:
            boxes.append(BOX_DEPARTMENT)
        boxes.extend([BOX_MINE, BOX_APPROVAL])
    return boxes


def _box_queryset(box: str, user, organization: Organization) -> QuerySet[Petition]:
    base = Petition.objects.filter(organization=organization)
    staff = permissions.staff_of(user)
    if box == BOX_INTAKE:
        return base.filter(status=Status.RECEIVED, department__isnull=True)
    if staff is None:
        return base.none()
    if box == BOX_DEPARTMENT:
        return base.filter(department_id=staff.department_id, status__in=OPEN_STATUSES)
    if box == BOX_MINE:
        return base.filter(handler=staff, status__in=OPEN_STATUSES)
    return base.filter(
        status=Status.APPROVAL, answer__approver=staff, answer__state=Answer.State.SUBMITTED
    )


@staff_page
def inbox(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    boxes = _boxes(request.user, organization)
    if not boxes:
        raise PermissionDenied(_("민원 담당 직원만 볼 수 있습니다."))
    box = request.GET.get("box") or boxes[0]
    if box not in boxes:
        box = boxes[0]
    now = timezone.now()
    filters = forms.InboxFilterForm(request.GET or None, organization=organization)
    listed = _box_queryset(box, request.user, organization)
    if filters.is_valid():
        data = filters.cleaned_data
        if data["q"]:
            listed = listed.filter(title__icontains=data["q"])
        if data["status"]:
            listed = listed.filter(status=data["status"])
        if data["kind"]:
            listed = listed.filter(kind=data["kind"])
        if data["category"]:
            listed = listed.filter(category=data["category"])
    listed = queries.with_light(listed, now)
    if filters.is_valid() and filters.cleaned_data["light"]:
        listed = listed.filter(light=filters.cleaned_data["light"])
    # Most urgent first: the nearest deadline at the top of every box.
    listed = (
        listed.select_related("board", "category", "department", "handler")
        .defer("petitioner_name", "body", "tokens", *queries.CONTACT_FIELDS)
        .order_by("due_at", "id")
    )
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"petition": p, "light": _light(p, now)} for p in page.object_list]
    counts = {name: _box_queryset(name, request.user, organization).count() for name in boxes}
    query = request.GET.copy()
    query.pop("page", None)
    tab_query = request.GET.copy()
    for key in ("page", "box"):
        tab_query.pop(key, None)
    context = {
        "organization": organization,
        "box": box,
        "box_label": BOX_LABELS[box],
        "tabs": [
            {"name": name, "label": BOX_LABELS[name], "count": counts[name]} for name in boxes
        ],
        "filters": filters,
        "page": page,
        "rows": rows,
        "base_query": query.urlencode(),
        "tab_query": tab_query.urlencode(),
        "may_enter": permissions.is_intake(request.user, organization),
        "has_dashboard": stats.dashboard_scope(request.user, organization) is not None,
        "crumbs": [(_("민원 업무"), "")],
    }
    return render(request, "petitions/staff/inbox.html", context)


# --- staff entry ---------------------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def petition_new(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    if not permissions.is_intake(request.user, organization):
        raise PermissionDenied(_("민원 접수 담당 직원만 민원을 대신 입력할 수 있습니다."))
    form = forms.StaffEntryForm(
        request.POST if request.method == "POST" else None, organization=organization
    )
    if request.method == "POST" and form.is_valid():
        try:
            petition = services.petition_submit(
                actor=request.user,
                entered_by=permissions.staff_of(request.user),
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("민원을 접수했습니다."))
            return redirect("petitions:staff_case", pk=petition.pk)
    context = {
        "form": form,
        "organization": organization,
        "crumbs": [(_("민원 업무"), reverse("petitions:staff_inbox")), (_("민원 대신 입력"), "")],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "petitions/staff/new.html", context, status=status)


# --- the case page -------------------------------------------------------------------------------


def _suggestions(petition: Petition) -> list | None:
    """The routing suggester's top-3 departments with confidence and category, or None when it
    fails: a failing suggester never breaks the case page."""
    try:
        return list(routing.suggest(petition))[:3]
    except Exception:  # a suggestion is a help, not a must
        logger.exception("routing.suggest failed for petition %s", petition.pk)
        return None


GROUPABLE = (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS)


def _candidates(user, petition: Petition) -> list[Petition] | None:
    """Near-duplicate candidates that `user` handles and that may still be grouped (open, not
    waiting for approval, in no group), or None when the detector fails."""
    try:
        found = [p.pk for p in duplicates.candidates(petition) if p.pk != petition.pk]
    except Exception:  # a proposal is a help, not a must
        logger.exception("duplicates.candidates failed for petition %s", petition.pk)
        return None
    # One query, whatever the detector loaded: private petitions of other departments stay out.
    return list(
        Petition.objects.filter(pk__in=found, status__in=GROUPABLE, group__isnull=True)
        .filter(permissions.handled_filter(user))
        .defer("petitioner_name", *queries.CONTACT_FIELDS)
        .order_by("-received_at", "-id")
        .distinct()
    )


def _timeline(petition: Petition) -> list[PetitionEvent]:
    """Every event, internal notes included. Actors are named by their staff post; a
    resident is "민원인" (their name is contact data, shown only through the logged view)."""
    events = list(
        PetitionEvent.objects.filter(petition=petition)
        .select_related("department", "actor__staff")
        .order_by("at", "id")
    )
    for event in events:
        if event.actor is None:
            event.actor_label = _("시스템")
            continue
        try:
            event.actor_label = event.actor.staff.name
        except ObjectDoesNotExist:
            event.actor_label = _("민원인")
    return events


def _case_context(request: HttpRequest, petition: Petition, **bound) -> dict[str, Any]:
    user = request.user
    organization = petition.organization
    answer = _answer(petition)
    may = permissions.offered_actions(user, petition)
    checklist = list(petition.board.checklist or [])
    suggestions = _suggestions(petition) if may["assign"] or may["reassign"] else []
    candidates = _candidates(user, petition) if may["group"] else []
    top = suggestions[0] if suggestions else None
    answer_initial = (
        {"body": answer.body, "checklist": answer.checklist} if answer is not None else None
    )
    context = {
        "petition": petition,
        "organization": organization,
        "answer": answer,
        "may": may,
        "light": _light(petition, timezone.now()),
        "timeline": _timeline(petition),
        "attachments": list(
            Attachment.objects.filter(petition=petition).select_related("file").order_by("id")
        ),
        "suggestions": suggestions,
        "candidates": candidates,
        "checklist": checklist,
        "assign_form": bound.get("assign_form")
        or forms.AssignForm(
            organization=organization,
            initial={"department": getattr(top, "department", None)} if top else None,
        ),
        "reassign_form": bound.get("reassign_form")
        or forms.ReassignForm(organization=organization),
        "transfer_form": bound.get("transfer_form")
        or forms.TransferForm(organization=organization),
        "extend_form": bound.get("extend_form") or forms.ExtendForm(),
        "answer_form": bound.get("answer_form")
        or forms.AnswerForm(checklist=checklist, initial=answer_initial),
        "return_form": bound.get("return_form") or forms.ReturnForm(),
        "contact_form": bound.get("contact_form") or forms.ContactViewForm(),
        "public_place": queries.public_place_of(petition),
        "place_form": bound.get("place_form")
        or forms.PlaceForm(initial={"public": "1" if petition.place_public else "0"}),
        "group_form": bound.get("group_form")
        or forms.GroupCreateForm(
            candidates=candidates or (), initial={"title": public_text(petition.title)[:200]}
        ),
        "action_error": bound.get("action_error"),
        "crumbs": [
            (_("민원 업무"), reverse("petitions:staff_inbox")),
            (f"#{petition.pk} {petition.title}", ""),
        ],
    }
    return context


def _render_case(request: HttpRequest, petition: Petition, *, status: int = 200, **bound):
    return render(
        request,
        "petitions/staff/case.html",
        _case_context(request, petition, **bound),
        status=status,
    )


@staff_page
def case(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_case(request, queries.handled_petition_for_user(request.user, pk))


def _case_action(
    request: HttpRequest,
    pk: int,
    *,
    form_name: str,
    make_form: Callable[[Petition], django_forms.Form],
    call: Callable[[Petition, django_forms.Form], Any],
    done: str,
    anchor: str = "",
) -> HttpResponse:
    """The shape of every action of the case page: bind the form, call one service, redirect
    back to the case page; on an error show the case page again with the form's errors."""
    petition = queries.handled_petition_for_user(request.user, pk)
    form = make_form(petition)
    if form.is_valid():
        try:
            call(petition, form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            url = reverse("petitions:staff_case", args=[petition.pk])
            return redirect(f"{url}{anchor}")
    petition = queries.handled_petition_for_user(request.user, pk)
    return _render_case(request, petition, status=400, **{form_name: form})


@staff_page
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        form_name="assign_form",
        make_form=lambda p: forms.AssignForm(request.POST, organization=p.organization),
        call=lambda p, f: services.petition_assign(
            actor=request.user,
            petition=p,
            department=f.cleaned_data["department"],
            handler=f.cleaned_data["handler"],
            note=f.cleaned_data["note"],
            category=f.cleaned_data["category"],
        ),
        done=_("처리 부서를 배정했습니다."),
    )


@staff_page
@require_POST
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        form_name="reassign_form",
        make_form=lambda p: forms.ReassignForm(request.POST, organization=p.organization),
        call=lambda p, f: services.petition_reassign(
            actor=request.user,
            petition=p,
            department=f.cleaned_data["department"],
            handler=f.cleaned_data["handler"],
            reason=f.cleaned_data["reason"],
        ),
        done=_("다시 배정했습니다."),
    )


@staff_page
@require_POST
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        form_name="transfer_form",
        make_form=lambda p: forms.TransferForm(request.POST, organization=p.organization),
        call=lambda p, f: services.petition_transfer(
            actor=request.user,
            petition=p,
            to_organization=f.cleaned_data["to_organization"],
            reason=f.cleaned_data["reason"],
        ),
        done=_("다른 기관으로 이송했습니다."),
    )


@staff_page
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        form_name="action_form",
        make_form=lambda p: django_forms.Form(request.POST),
        call=lambda p, f: services.petition_accept(actor=request.user, petition=p),
        done=_("처리를 시작했습니다."),
        anchor="#answer",
    )


@staff_page
@require_POST
def extend(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        form_name="extend_form",
        make_form=lambda p: forms.ExtendForm(request.POST),
        call=lambda p, f: services.petition_extend(
            actor=request.user, petition=p, reason=f.cleaned_data["reason"]
        ),
        done=_("처리 기한을 연장했습니다. 민원인에게 알립니다."),
    )


@staff_page
@require_POST
def place(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        form_name="place_form",
        make_form=lambda p: forms.PlaceForm(request.POST),
        call=lambda p, f: services.petition_place_publish(
            actor=request.user, petition=p, public=f.cleaned_data["public"]
        ),
        done=_("공개 화면의 위치를 바꿨습니다."),
        anchor="#place",
    )


@staff_page
@require_POST
def contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Shows the petitioner's contact once, after recording the read (개인정보 열람 기록).
    A POST, so that no link, prefetch or browser history replays the read."""
    petition = queries.handled_petition_for_user(request.user, pk)
    form = forms.ContactViewForm(request.POST)
    if not form.is_valid():
        return _render_case(request, petition, status=400, contact_form=form)
    try:
        data = services.contact_view(
            actor=request.user,
            petition=petition,
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_case(request, petition, status=400, contact_form=form)
    labels = {
        "name": _("이름"),
        "petitioner_name": _("이름"),
        "email": _("이메일"),
        "contact_email": _("이메일"),
        "phone": _("전화번호"),
        "contact_phone": _("전화번호"),
    }
    rows = [(labels.get(key, key), value) for key, value in (data or {}).items()]
    context = {
        "petition": petition,
        "rows": rows,
        "crumbs": [
            (_("민원 업무"), reverse("petitions:staff_inbox")),
            (f"#{petition.pk} {petition.title}", reverse("petitions:staff_case", args=[pk])),
            (_("민원인 연락처"), ""),
        ],
    }
    response = render(request, "petitions/staff/contact.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@staff_page
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    from sotong.core.files import file_response

    return file_response(queries.handled_attachment_for_user(request.user, pk, attachment_pk).file)


urlpatterns = [
    path("staff/", inbox, name="staff_inbox"),
    path("staff/new", petition_new, name="staff_new"),
    path("staff/<int:pk>/", case, name="staff_case"),
    path("staff/<int:pk>/assign", assign, name="staff_assign"),
    path("staff/<int:pk>/reassign", reassign, name="staff_reassign"),
    path("staff/<int:pk>/transfer", transfer, name="staff_transfer"),
    path("staff/<int:pk>/accept", accept, name="staff_accept"),
    path("staff/<int:pk>/extend", extend, name="staff_extend"),
    path("staff/<int:pk>/contact", contact, name="staff_contact"),
    path("staff/<int:pk>/place", place, name="staff_place"),
    path("staff/<int:pk>/files/<int:attachment_pk>", attachment, name="staff_attachment"),
]
