"""Who in an organisation may send campaigns and emergency alerts: the organisation grants these
roles to its own staff (issue 4: "sending one needs a staff role that the organisation grants").

The roles are the Django permissions `notify.send_campaign` and `notify.send_emergency`, given to
the person's account. Whoever manages the organisation (`org.permissions`) grants and withdraws
them here; a permission that comes through a group (the demo's "알림 담당") is shown as such and
is changed where the group is managed (the admin site)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from sotong.core.audit import audit_record
from sotong.org import permissions as org_permissions
from sotong.org.models import Organization, Staff

if TYPE_CHECKING:
    from sotong.accounts.models import User

ROLES = {"campaigns": "send_campaign", "emergency": "send_emergency"}


@dataclass(frozen=True)
class StaffRoles:
    staff: Staff
    campaigns: bool  # held directly
    emergency: bool
    campaigns_by_group: bool  # held through a group
    emergency_by_group: bool


def _permission(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="notify", codename=codename)


def staff_roles(organization: Organization) -> list[StaffRoles]:
    """Every active staff member of the organisation with their notify roles, in three queries."""
    staff = list(
        Staff.objects.filter(organization=organization, active=True)
        .select_related("department", "user")
        .order_by("department__order", "department__name", "name")
    )
    users = [member.user_id for member in staff]
    direct: dict[int, set[str]] = {}
    through: dict[int, set[str]] = {}
    user_perms = Permission.user_set.through.objects.filter(
        user_id__in=users, permission__content_type__app_label="notify"
    ).values_list("user_id", "permission__codename")
    for user_id, codename in user_perms:
        direct.setdefault(user_id, set()).add(codename)
    group_perms = Permission.objects.filter(
        content_type__app_label="notify", group__user__in=users
    ).values_list("group__user", "codename")
    for user_id, codename in group_perms:
        through.setdefault(user_id, set()).add(codename)
    return [
        StaffRoles(
            staff=member,
            campaigns=ROLES["campaigns"] in direct.get(member.user_id, ()),
            emergency=ROLES["emergency"] in direct.get(member.user_id, ()),
            campaigns_by_group=ROLES["campaigns"] in through.get(member.user_id, ()),
            emergency_by_group=ROLES["emergency"] in through.get(member.user_id, ()),
        )
        for member in staff
    ]


@transaction.atomic
def staff_notify_roles_set(
    *, actor: User, staff: Staff, campaigns: bool, emergency: bool
) -> list[str]:
    """Give or withdraw the two roles held directly by `staff`; returns what changed
    ("+campaigns", "-emergency" …). Only the organisation's managers may, and only for active
    staff of that organisation."""
    if not org_permissions.can_manage_organization(actor, staff.organization_id):
        raise PermissionDenied(_("이 기관의 직원 권한을 관리할 권한이 없습니다."))
    if not staff.active:
        raise PermissionDenied(_("근무 중인 직원에게만 권한을 줄 수 있습니다."))
    user = staff.user
    held = set(
        user.user_permissions.filter(content_type__app_label="notify").values_list(
            "codename", flat=True
        )
    )
    changed = []
    for role, wanted in (("campaigns", campaigns), ("emergency", emergency)):
        codename = ROLES[role]
        if wanted and codename not in held:
            user.user_permissions.add(_permission(codename))
            changed.append(f"+{role}")
        elif not wanted and codename in held:
            user.user_permissions.remove(_permission(codename))
            changed.append(f"-{role}")
    if changed:
        audit_record(
            actor=actor,
            action="notify.role.set",
            obj=staff,
            organization=staff.organization,
            after={"changed": changed},
        )
    return changed
