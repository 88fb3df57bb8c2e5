"""Reusable reads of helpers (민원도우미). Fetch-with-permission helpers give the same 404 for a
missing and a forbidden request. The resident's phone is deferred everywhere: it is read only
through `services.help_phone_view`, which logs the read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from sotong.guide.models import Service
from sotong.helpdesk import permissions as perms
from sotong.helpdesk.models import Helper, HelpRequest
from sotong.org.models import Staff
from sotong.petitions.models import Petition

Status = HelpRequest.Status
OPEN_STATUSES = (Status.REQUESTED, Status.ASSIGNED, Status.IN_PROGRESS)
DASHBOARD_DAYS = 90


def _requests() -> QuerySet[HelpRequest]:
    return HelpRequest.objects.select_related(
        "organization", "service", "helper__staff__department"
    ).defer("contact_phone")


# --- the resident ----------------------------------------------------------------------------


def resident_requests(user: Any) -> QuerySet[HelpRequest]:
    if not perms.authenticated(user):
        return HelpRequest.objects.none()
    return _requests().filter(user=user).order_by("-created_at", "-pk")


def resident_request(user: Any, pk: int) -> HelpRequest:
    """The resident's own request; 404 for anyone else's and a missing one."""
    return get_object_or_404(resident_requests(user), pk=pk)


# --- staff -----------------------------------------------------------------------------------


def help_service(pk: int) -> Service:
    """A published service a resident asks help with; 404 for a missing or unpublished one."""
    return get_object_or_404(Service.objects.select_related("organization"), pk=pk, published=True)


def help_petition_for_user(user: Any, pk: int) -> Petition:
    """One of the resident's own petitions; 404 for anyone else's and a missing one."""
    if not perms.authenticated(user):
        raise Http404
    return get_object_or_404(
        Petition.objects.select_related("organization").only(
            "pk", "title", "user_id", "organization"
        ),
        pk=pk,
        user=user,
    )


def case_request(user: Any, pk: int) -> HelpRequest:
    """A request for its organisation's coordinators or its helper; 404 otherwise."""
    request = get_object_or_404(_requests(), pk=pk)
    if not perms.can_view_case(user, request):
        raise Http404
    return request


def coordinated_requests(user: Any) -> QuerySet[HelpRequest]:
    ids = perms.coordinator_organization_ids(user)
    queryset = _requests()
    if ids is None:
        return queryset
    return queryset.filter(organization_id__in=ids)


def unassigned(user: Any) -> QuerySet[HelpRequest]:
    """Requests waiting for a helper, oldest first."""
    return coordinated_requests(user).filter(status=Status.REQUESTED).order_by("created_at", "pk")


def queue(user: Any, *, status: str = "", helper: int | str | None = None) -> QuerySet[HelpRequest]:
    queryset = coordinated_requests(user)
    if status in Status.values:
        queryset = queryset.filter(status=status)
    if helper == "none":
        queryset = queryset.filter(helper__isnull=True)
    elif helper:
        queryset = queryset.filter(helper_id=helper)
    return queryset.order_by("-created_at", "-pk")


def helper_requests(helper: Helper, *, open_only: bool = False) -> QuerySet[HelpRequest]:
    queryset = _requests().filter(helper=helper)
    if open_only:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    return queryset.order_by("created_at", "pk")


def coordinated_helpers(user: Any) -> QuerySet[Helper]:
    ids = perms.coordinator_organization_ids(user)
    queryset = Helper.objects.select_related("staff__department", "organization")
    if ids is not None:
        queryset = queryset.filter(organization_id__in=ids)
    return queryset.order_by("-active", "staff__name", "pk")


def helper_for_coordinator(user: Any, pk: int) -> Helper:
    """A helper of an organisation `user` coordinates; 404 for others and a missing one."""
    return get_object_or_404(coordinated_helpers(user), pk=pk)


def staff_without_helper(user: Any) -> QuerySet[Staff]:
    """Active staff of the organisations `user` coordinates who are not helpers yet."""
    ids = perms.coordinator_organization_ids(user)
    queryset = Staff.objects.filter(active=True, helper__isnull=True).select_related("department")
    if ids is not None:
        queryset = queryset.filter(organization_id__in=ids)
    return queryset.order_by("name", "pk")


def assignable_helpers(organization_id: int) -> QuerySet[Helper]:
    """Active helpers of the organisation with their open count (for the assign form)."""
    return (
        Helper.objects.filter(organization_id=organization_id, active=True, staff__active=True)
        .select_related("staff__department")
        .annotate(open_count=Count("requests", filter=Q(requests__status__in=OPEN_STATUSES)))
        .order_by("staff__name", "pk")
    )


def open_count(helper: Helper) -> int:
    return HelpRequest.objects.filter(helper=helper, status__in=OPEN_STATUSES).count()


def over_capacity(helper: Helper) -> bool:
    return open_count(helper) > helper.capacity


def dashboard(user: Any, *, now=None) -> list[Helper]:
    """Per helper: open requests, capacity, done in the last 90 days, average satisfaction and
    kindness and the number of surveys (all in one query)."""
    since = (now or timezone.now()) - timedelta(days=DASHBOARD_DAYS)
    done = Q(requests__status=Status.DONE, requests__closed_at__gte=since)
    return list(
        coordinated_helpers(user).annotate(
            open_count=Count("requests", filter=Q(requests__status__in=OPEN_STATUSES)),
            done_count=Count("requests", filter=done),
            survey_count=Count("requests__survey"),
            satisfaction=Avg("requests__survey__satisfaction"),
            kindness=Avg("requests__survey__kindness"),
        )
    )
