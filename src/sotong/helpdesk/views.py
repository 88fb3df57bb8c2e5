"""Pages of helpers (민원도우미).

Residents (logged in): ask for help (`help_new`), their requests (`help_mine`), one request
(`help_detail`: status, helper, dates and channels of contacts, result, cancel, survey).
Staff: the coordinator's queue (`help_queue`) and helpers dashboard (`help_helpers`), the
helper's own requests (`help_staff_mine`) and the case page (`help_case`) with contacts,
completion and the logged phone view.

Views are thin: parse a form, call one service, redirect; a service's ValidationError goes back
onto the form (status 400). Visitors go to the login page; a resident on a staff page gets 403;
a request the user may not see is the same 404 as a missing one."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sotong.core.web import add_service_errors, guarded_page
from sotong.helpdesk import forms as forms
from sotong.helpdesk import permissions as perms
from sotong.helpdesk import queries as queries
from sotong.helpdesk import services as services
from sotong.helpdesk.models import HelpRequest, HelpSurvey

PAGE_SIZE = 20


def _staff_or_superuser(user) -> bool:
    return perms.is_superuser(user) or perms.staff_of(user) is not None


# Visitors go to the login page; logged-in people who are not active staff get 403.
staff_page = guarded_page(_staff_or_superuser, gettext_lazy("직원만 볼 수 있습니다."))


def coordinator_page(view: Callable) -> Callable:
    @staff_page
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not perms.is_coordinator(request.user):
            raise PermissionDenied(_("민원도우미 코디네이터만 볼 수 있습니다."))
        return view(request, *args, **kwargs)

    return wrapper


def _resident_crumbs(*extra) -> list:
    return [(_("민원도우미"), reverse("helpdesk:mine")), *extra]


def _staff_crumbs(user, *extra) -> list:
    if perms.is_coordinator(user):
        first = (_("민원도우미 배정"), reverse("helpdesk:queue"))
    else:
        first = (_("내 도우미 업무"), reverse("helpdesk:staff_mine"))
    return [first, *extra]


# --- residents -------------------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def help_new(request: HttpRequest) -> HttpResponse:
    # The subject rides in the query string (the form posts back to the same address).
    service = petition = None
    service_pk, petition_pk = _int(request.GET.get("service")), _int(request.GET.get("petition"))
    if service_pk is not None:
        service = queries.help_service(service_pk)
    if petition_pk is not None:
        petition = queries.help_petition_for_user(request.user, petition_pk)
    fixed = (service.organization if service else None) or (
        petition.organization if petition else None
    )
    form = forms.HelpRequestForm(
        request.POST if request.method == "POST" else None, fixed_organization=fixed
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                help_request = services.help_request_create(
                    actor=request.user,
                    organization=fixed or data.get("organization"),
                    message=data["message"],
                    contact_method=data["contact_method"],
                    contact_phone=data["contact_phone"],
                    service=service,
                    petition=petition,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("도우미를 신청했습니다. 담당 도우미가 정해지면 알려 드립니다.")
                )
                return redirect("helpdesk:detail", pk=help_request.pk)
        status = 400
    context = {
        "form": form,
        "service": service,
        "petition": petition,
        "fixed_organization": fixed,
        "crumbs": _resident_crumbs((_("도우미 신청"), None)),
    }
    return render(request, "helpdesk/new.html", context, status=status)


@login_required
def help_mine(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.resident_requests(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "crumbs": [(_("민원도우미"), None)]}
    return render(request, "helpdesk/mine.html", context)


def _render_detail(request: HttpRequest, help_request: HelpRequest, status: int = 200, **forms_):
    survey = HelpSurvey.objects.filter(request=help_request).first()
    context = {
        "help_request": help_request,
        "contacts": list(help_request.contacts.only("at", "channel", "request_id")),
        "survey": survey,
        "can_cancel": help_request.status
        in (HelpRequest.Status.REQUESTED, HelpRequest.Status.ASSIGNED),
        "cancel_form": forms_.get("cancel_form") or forms.CancelForm(),
        "survey_form": forms_.get("survey_form") or forms.SurveyForm(),
        "crumbs": _resident_crumbs(
            (_("도우미 신청 제%(number)s호") % {"number": help_request.pk}, None)
        ),
    }
    return render(request, "helpdesk/detail.html", context, status=status)


@login_required
def help_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, queries.resident_request(request.user, pk))


@login_required
@require_POST
def help_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = queries.resident_request(request.user, pk)
    form = forms.CancelForm(request.POST)
    if form.is_valid():
        try:
            services.help_request_cancel(
                actor=request.user, request=help_request, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("도우미 신청을 취소했습니다."))
            return redirect("helpdesk:detail", pk=pk)
    help_request = queries.resident_request(request.user, pk)
    return _render_detail(request, help_request, status=400, cancel_form=form)


@login_required
@require_POST
def help_survey(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = queries.resident_request(request.user, pk)
    form = forms.SurveyForm(request.POST)
    if form.is_valid():
        try:
            services.help_survey_submit(
                actor=request.user,
                request=help_request,
                satisfaction=form.cleaned_data["satisfaction"],
                kindness=form.cleaned_data["kindness"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("만족도 조사에 참여해 주셔서 고맙습니다."))
            return redirect("helpdesk:detail", pk=pk)
    help_request = queries.resident_request(request.user, pk)
    return _render_detail(request, help_request, status=400, survey_form=form)


# --- coordinators ----------------------------------------------------------------------------


@coordinator_page
def help_queue(request: HttpRequest) -> HttpResponse:
    helpers = list(queries.coordinated_helpers(request.user))
    form = forms.QueueFilterForm(request.GET or None, helpers=helpers)
    status = helper = ""
    if form.is_valid():
        status, helper = form.cleaned_data["status"], form.cleaned_data["helper"]
    unassigned = list(queries.unassigned(request.user)[:50])
    page = Paginator(queries.queue(request.user, status=status, helper=helper), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    base_query = urlencode({k: v for k, v in (("status", status), ("helper", helper)) if v})
    context = {
        "filter_form": form,
        "unassigned": unassigned,
        "page": page,
        "base_query": base_query,
        "crumbs": [(_("민원도우미 배정"), None)],
    }
    return render(request, "helpdesk/queue.html", context)


@coordinator_page
def help_helpers(request: HttpRequest) -> HttpResponse:
    return _render_helpers(request)


def _render_helpers(request: HttpRequest, status: int = 200, **forms_) -> HttpResponse:
    rows = queries.dashboard(request.user)
    edit_forms = []
    for helper in rows:
        form = forms_.get(f"edit_{helper.pk}") or forms.HelperUpdateForm(
            prefix=f"h{helper.pk}",
            initial={
                "capacity": helper.capacity,
                "introduction": helper.introduction,
                "active": helper.active,
            },
        )
        edit_forms.append((helper, form))
    context = {
        "rows": rows,
        "edit_forms": edit_forms,
        "create_form": forms_.get("create_form")
        or forms.HelperCreateForm(staff=queries.staff_without_helper(request.user)),
        "days": queries.DASHBOARD_DAYS,
        "crumbs": [
            (_("민원도우미 배정"), reverse("helpdesk:queue")),
            (_("도우미 현황"), None),
        ],
    }
    return render(request, "helpdesk/helpers.html", context, status=status)


@coordinator_page
@require_POST
def help_helper_create(request: HttpRequest) -> HttpResponse:
    form = forms.HelperCreateForm(request.POST, staff=queries.staff_without_helper(request.user))
    if form.is_valid():
        try:
            services.helper_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("도우미를 지정했습니다."))
            return redirect("helpdesk:helpers")
    return _render_helpers(request, status=400, create_form=form)


@coordinator_page
@require_POST
def help_helper_update(request: HttpRequest, pk: int) -> HttpResponse:
    helper = queries.helper_for_coordinator(request.user, pk)
    form = forms.HelperUpdateForm(request.POST, prefix=f"h{helper.pk}")
    if form.is_valid():
        try:
            services.helper_update(actor=request.user, helper=helper, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s 도우미 정보를 저장했습니다.") % {"name": helper.staff.name}
            )
            return redirect("helpdesk:helpers")
    return _render_helpers(request, status=400, **{f"edit_{helper.pk}": form})


# --- helpers and the case page ---------------------------------------------------------------


@staff_page
def help_staff_mine(request: HttpRequest) -> HttpResponse:
    helper = perms.helper_of(request.user)
    if helper is None:
        raise PermissionDenied(_("활동 중인 민원도우미만 볼 수 있습니다."))
    requests_ = list(queries.helper_requests(helper, open_only=request.GET.get("all") != "1"))
    context = {
        "helper": helper,
        "requests": requests_,
        "show_all": request.GET.get("all") == "1",
        "crumbs": [(_("내 도우미 업무"), None)],
    }
    return render(request, "helpdesk/staff_mine.html", context)


def _render_case(request: HttpRequest, help_request: HelpRequest, status: int = 200, **forms_):
    user = request.user
    coordinate = perms.can_coordinate(user, help_request.organization_id)
    work = perms.can_work(user, help_request)
    open_ = help_request.status in queries.OPEN_STATUSES
    helpers = queries.assignable_helpers(help_request.organization_id) if coordinate else None
    context = {
        "help_request": help_request,
        "contacts": list(help_request.contacts.select_related("by")),
        "survey": HelpSurvey.objects.filter(request=help_request).first(),
        "can_assign": coordinate and open_,
        "can_work": work
        and help_request.status in (HelpRequest.Status.ASSIGNED, HelpRequest.Status.IN_PROGRESS),
        "can_view_phone": perms.can_view_phone(user, help_request),
        "assign_form": forms_.get("assign_form") or forms.AssignForm(helpers=helpers),
        "contact_form": forms_.get("contact_form") or forms.ContactForm(),
        "complete_form": forms_.get("complete_form") or forms.CompleteForm(),
        "phone": forms_.get("phone"),
        "over_capacity": forms_.get("over_capacity"),
        "crumbs": _staff_crumbs(
            user, (_("도우미 신청 제%(number)s호") % {"number": help_request.pk}, None)
        ),
    }
    return render(request, "helpdesk/case.html", context, status=status)


@staff_page
def help_case(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_case(request, queries.case_request(request.user, pk))


def _case_action(
    request: HttpRequest, pk: int, form_name: str, form: django_forms.Form, call, done: str
) -> HttpResponse:
    help_request = queries.case_request(request.user, pk)
    if form.is_valid():
        try:
            call(help_request, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if done:
                messages.success(request, done)
            return redirect("helpdesk:case", pk=pk)
    help_request = queries.case_request(request.user, pk)
    return _render_case(request, help_request, status=400, **{form_name: form})


@staff_page
@require_POST
def help_assign(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = queries.case_request(request.user, pk)
    if not perms.can_coordinate(request.user, help_request.organization_id):
        raise PermissionDenied(_("이 기관의 도우미를 배정할 권한이 없습니다."))
    helpers = queries.assignable_helpers(help_request.organization_id)
    form = forms.AssignForm(request.POST, helpers=helpers)

    def call(obj: HelpRequest, data: dict) -> None:
        helper = data["helper"]
        services.help_assign(actor=request.user, request=obj, helper=helper)
        if queries.over_capacity(helper):
            messages.warning(
                request,
                _(
                    "%(name)s 도우미의 담당 건수(%(open)d건)가 동시 담당 한도(%(cap)d건)를 "
                    "넘었습니다. 다른 도우미에게 나누는 것을 검토하세요."
                )
                % {
                    "name": helper.staff.name,
                    "open": queries.open_count(helper),
                    "cap": helper.capacity,
                },
            )

    return _case_action(request, pk, "assign_form", form, call, _("도우미를 배정했습니다."))


@staff_page
@require_POST
def help_contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.ContactForm(request.POST)
    return _case_action(
        request,
        pk,
        "contact_form",
        form,
        lambda obj, data: services.help_contact_add(actor=request.user, request=obj, **data),
        _("연락 기록을 남겼습니다."),
    )


@staff_page
@require_POST
def help_complete(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.CompleteForm(request.POST)
    return _case_action(
        request,
        pk,
        "complete_form",
        form,
        lambda obj, data: services.help_complete(actor=request.user, request=obj, **data),
        _("도움을 완료했습니다. 신청인에게 결과와 만족도 조사를 알렸습니다."),
    )


@staff_page
@require_POST
def help_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """Shows the resident's phone once, after recording the read. A POST, so that no link,
    prefetch or browser history replays the read."""
    help_request = queries.case_request(request.user, pk)
    phone = services.help_phone_view(actor=request.user, request=help_request, http_request=request)
    return _render_case(request, help_request, phone=phone or _("없음"))


__all__ = [
    "help_assign",
    "help_cancel",
    "help_case",
    "help_complete",
    "help_contact_add",
    "help_detail",
    "help_helper_create",
    "help_helper_update",
    "help_helpers",
    "help_mine",
    "help_new",
    "help_phone",
    "help_queue",
    "help_staff_mine",
    "help_survey",
]
