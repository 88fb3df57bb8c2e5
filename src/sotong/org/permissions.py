"""Who may manage what in `org`. Plain functions, no side effects.

A superuser manages every organisation. Anyone else manages an organisation only if they are
active staff of it and hold the Django permission `org.change_department` (given through the
"기관 관리자" group in the demo)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .models import Department, Organization, Staff

if TYPE_CHECKING:
    from sotong.accounts.models import User

MANAGE_PERMISSION = "org.change_department"


def active_staff(user: User) -> Staff | None:
    """The user's staff post when it is active (and the account too), else None."""
    return _active_staff(user)


def _active_staff(user: User) -> Staff | None:
    if not user.is_authenticated or not user.is_active:
        return None
    try:
        staff = user.staff
    except Staff.DoesNotExist:
        return None
    return staff if staff.active else None


def permitted_organization_ids(user: User | None, permission: str) -> set[int] | None:
    """The organisations where `user` is active staff (post and account) holding `permission`:
    at most their own. `None` means all of them (an active superuser); no user is none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    staff = _active_staff(user)
    if staff is None or not user.has_perm(permission):
        return set()
    return {staff.organization_id}


def holds_permission_in(
    user: User | None, organization: Organization | int, permission: str
) -> bool:
    """Whether `user` is active staff of `organization` holding `permission` (or an active
    superuser): `permitted_organization_ids` for one organisation."""
    ids = permitted_organization_ids(user, permission)
    org_id = organization if isinstance(organization, int) else organization.pk
    return ids is None or org_id in ids


def managed_organization_ids(user: User) -> set[int] | None:
    """The organisations `user` manages: `None` means all of them (superuser)."""
    return permitted_organization_ids(user, MANAGE_PERMISSION)


def managed_organizations(user: User) -> QuerySet[Organization]:
    ids = managed_organization_ids(user)
    if ids is None:
        return Organization.objects.all()
    return Organization.objects.filter(pk__in=ids)


def can_manage_organization(user: User, organization: Organization | int) -> bool:
    org_id = organization if isinstance(organization, int) else organization.pk
    ids = managed_organization_ids(user)
    return ids is None or org_id in ids


def can_create_organization(user: User) -> bool:
    """New cities and districts are a matter for the operator of the whole install."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def can_restructure_organization(user: User) -> bool:
    """Code, kind and parent city change what every link and hierarchy rests on."""
    return can_create_organization(user)


def can_manage_department(user: User, department: Department) -> bool:
    return can_manage_organization(user, department.organization_id)


def can_manage_staff(user: User, staff: Staff) -> bool:
    return can_manage_organization(user, staff.organization_id)
