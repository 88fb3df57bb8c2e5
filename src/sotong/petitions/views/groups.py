"""Groups of repeated and many-person petitions (반복·다수인 민원) in the staff workspace: bundling
near-duplicates from the case page, the proposals of the last 30 days, the list of groups and a
group's page, answered once for all.

A member of staff sees, proposes and bundles only petitions they may open
(`permissions.handled_filter` / `can_handle`, the rule of the case page): a group or a proposal
made of petitions of other departments does not exist for them (the same 404 as a missing one).
Titles are shown through `core.privacy.public.public_text`, like every list that reaches more
staff than the handlers of one petition; the service checks every petition again."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sotong.core.privacy.public import public_text
from sotong.core.web import add_service_errors

from .. import permissions, queries, services
from ..forms import staff as forms
from ..models import OPEN_STATUSES, Petition
from .staff import (
    PAGE_SIZE,
    _candidates,
    _light,
    _organization,
    _render_case,
    staff_page,
)

PROPOSAL_DAYS = 30
PROPOSAL_LIMIT = 10


@staff_page
@require_POST
def group_create(request: HttpRequest, pk: int) -> HttpResponse:
    petition = queries.handled_petition_for_user(request.user, pk)
    candidates = _candidates(request.user, petition) or []
    form = forms.GroupCreateForm(request.POST, candidates=candidates)
    if form.is_valid():
        try:
            group = services.group_create(
                actor=request.user,
                petitions=[petition, *form.chosen()],
                title=form.cleaned_data["title"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("반복·다수인 민원으로 묶었습니다."))
            return redirect("petitions:staff_group", pk=group.pk)
    return _render_case(request, petition, status=400, group_form=form)


@staff_page
def group_list(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    groups = (
        queries.handled_groups(request.user)
        .filter(organization=organization)
        .select_related("category")
        .annotate(
            size=Count("petitions", distinct=True),
            open_count=Count(
                "petitions", filter=Q(petitions__status__in=OPEN_STATUSES), distinct=True
            ),
        )
        .order_by("-created_at", "-id")
    )
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organization": organization,
        "page": page,
        "crumbs": [
            (_("민원 업무"), reverse("petitions:staff_inbox")),
            (_("반복·다수인 민원"), ""),
        ],
    }
    return render(request, "petitions/staff/group_list.html", context)


def _proposals(user, organization) -> list[list[Petition]]:
    """Clusters of the last PROPOSAL_DAYS days, cut to the petitions `user` may open; what is
    left of a cluster is proposed only while it still holds two."""
    from .. import duplicates

    since = timezone.now() - datetime.timedelta(days=PROPOSAL_DAYS)
    clusters = duplicates.proposals(organization, since=since)
    ids = [petition.pk for cluster in clusters for petition in cluster]
    mine = set(
        Petition.objects.filter(pk__in=ids)
        .filter(permissions.handled_filter(user))
        .values_list("pk", flat=True)
    )
    kept = [[p for p in cluster if p.pk in mine] for cluster in clusters]
    return [cluster for cluster in kept if len(cluster) > 1][:PROPOSAL_LIMIT]


def _proposal_post(request: HttpRequest, clusters: list[list[Petition]]):
    """Bundles the posted cluster: the group, or the error to show."""
    wanted = {value for value in request.POST.getlist("petitions") if value.isdigit()}
    chosen = next((cluster for cluster in clusters if {str(p.pk) for p in cluster} == wanted), None)
    title = (request.POST.get("title") or "").strip()
    if chosen is None:
        return None, _("제안 목록이 바뀌었습니다. 다시 확인해 주세요.")
    if not title:
        return None, _("묶음 제목을 입력하세요.")
    try:
        return services.group_create(actor=request.user, petitions=chosen, title=title), ""
    except ValidationError as exc:
        return None, " ".join(exc.messages)


@staff_page
def group_proposals(request: HttpRequest) -> HttpResponse:
    """Near-duplicate clusters of the last 30 days proposed as groups (반복·다수인 민원): the
    intake desk or a department head bundles one with a title and answers it once."""
    organization = _organization(request)
    may_group = permissions.can_group(request.user, organization)
    clusters = _proposals(request.user, organization)
    error = ""
    if request.method == "POST":
        if not may_group:
            raise PermissionDenied(_("민원을 묶을 권한이 없습니다."))
        group, error = _proposal_post(request, clusters)
        if group is not None:
            messages.success(request, _("반복·다수인 민원으로 묶었습니다."))
            return redirect("petitions:staff_group", pk=group.pk)
    context = {
        "organization": organization,
        "clusters": clusters,
        "may_group": may_group,
        "error": error,
        "days": PROPOSAL_DAYS,
        "crumbs": [
            (_("민원 업무"), reverse("petitions:staff_inbox")),
            (_("반복·다수인 민원"), reverse("petitions:staff_groups")),
            (_("묶음 제안"), ""),
        ],
    }
    return render(
        request, "petitions/staff/group_proposals.html", context, status=400 if error else 200
    )


def _group_checklist(petitions: list[Petition]) -> list[str]:
    """Every item of the boards of the group's petitions, in order, once."""
    items: list[str] = []
    for petition in petitions:
        for item in petition.board.checklist or []:
            if item not in items:
                items.append(item)
    return items


@staff_page
@require_http_methods(["GET", "POST"])
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = queries.group_for_user(request.user, pk)
    now = timezone.now()
    members = list(
        queries.with_light(
            Petition.objects.filter(group=group)
            .filter(permissions.handled_filter(request.user))
            .select_related("board", "category", "department", "handler")
            .defer("petitioner_name", "body", "tokens", *queries.CONTACT_FIELDS)
            .order_by("received_at", "id"),
            now,
        )
    )
    total = Petition.objects.filter(group=group).count()
    open_members = [p for p in members if p.status in OPEN_STATUSES]
    checklist = _group_checklist(members)
    form = forms.GroupAnswerForm(
        request.POST if request.method == "POST" else None, checklist=checklist
    )
    if request.method == "POST" and form.is_valid():
        try:
            answered = services.group_answer(
                actor=request.user,
                group=group,
                body=form.cleaned_data["body"],
                checklist=form.ticked(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("민원 %(count)d건에 같은 답변을 보냈습니다.") % {"count": len(answered)},
            )
            return redirect("petitions:staff_group", pk=group.pk)
    context = {
        "group": group,
        "rows": [{"petition": p, "light": _light(p, now)} for p in members],
        "hidden_count": total - len(members),
        "open_count": len(open_members),
        "form": form,
        "crumbs": [
            (_("민원 업무"), reverse("petitions:staff_inbox")),
            (_("반복·다수인 민원"), reverse("petitions:staff_groups")),
            (public_text(group.title), ""),
        ],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "petitions/staff/group_detail.html", context, status=status)


urlpatterns = [
    path("staff/groups/proposals", group_proposals, name="staff_group_proposals"),
    path("staff/groups/", group_list, name="staff_groups"),
    path("staff/groups/<int:pk>/", group_detail, name="staff_group"),
    path("staff/<int:pk>/group", group_create, name="staff_group_create"),
]

__all__ = ["urlpatterns"]
