"""The organisation manager's page of notify roles: `/notify/staff/roles`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from sotong.org import permissions as org_permissions
from sotong.org.models import Organization
from sotong.org.queries import managed_staff_or_404, picked_organization

from .roles import staff_notify_roles_set, staff_roles


def _organization(request: HttpRequest) -> Organization:
    ids = org_permissions.managed_organization_ids(request.user)
    if ids is None:  # superuser: any organisation, by ?org=<code>
        code = request.GET.get("org") or request.POST.get("org") or ""
        return picked_organization(code, user=request.user)
    if not ids:
        raise PermissionDenied(_("기관 관리자만 볼 수 있습니다."))
    return Organization.objects.get(pk=next(iter(ids)))


@login_required
def roles(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    if request.method == "POST":
        staff = managed_staff_or_404(request.user, request.POST.get("staff"), organization)
        changed = staff_notify_roles_set(
            actor=request.user,
            staff=staff,
            campaigns=request.POST.get("campaigns") == "on",
            emergency=request.POST.get("emergency") == "on",
        )
        if changed:
            messages.success(
                request, _("%(name)s의 알림 권한을 바꿨습니다.") % {"name": staff.name}
            )
        else:
            messages.info(request, _("바뀐 것이 없습니다."))
        url = reverse("notify:staff_roles")
        if request.user.is_superuser:
            url += f"?org={organization.code}"
        return redirect(url)
    return render(
        request,
        "notify/staff/roles.html",
        {
            "organization": organization,
            "rows": staff_roles(organization),
            "crumbs": [(_("알림 권한"), "")],
        },
    )


urlpatterns = [path("staff/roles", roles, name="staff_roles")]
