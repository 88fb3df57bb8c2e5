"""Who may edit the service catalogue. Plain functions, no side effects.

Published services are public to read. A service is edited by a superuser, or by active staff who
hold the Django permission `services.change_service`, for the services of their own organisation.
National services (no organisation) are for superusers only. `user=None` is the system itself (a
management command, the demo loader)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sotong.org.permissions import permitted_organization_ids

if TYPE_CHECKING:
    from sotong.accounts.models import User
    from sotong.guide.models import Service
    from sotong.org.models import Organization

CHANGE_SERVICE_PERMISSION = "services.change_service"


def service_organization_ids(user: User | None) -> set[int] | None:
    """Organisations whose services `user` edits; `None` means every service."""
    if user is None:
        return None
    return permitted_organization_ids(user, CHANGE_SERVICE_PERMISSION)


def can_edit_service(user: User | None, organization_id: int | None) -> bool:
    """May `user` create or change a service of `organization_id` (None: a national service)?"""
    ids = service_organization_ids(user)
    if ids is None:
        return True
    return organization_id is not None and organization_id in ids


def can_see_service(user: User | None, service: Service) -> bool:
    """Published services are public; an unpublished one only for staff who may edit it.
    `user=None` here is a visitor, never the system."""
    if service.published:
        return True
    if user is None:
        return False
    return can_edit_service(user, service.organization_id)


def may_edit_any(user: User | None) -> bool:
    """Does `user` edit the services of at least one organisation (staff pages, the admin)?"""
    return service_organization_ids(user) != set()


def can_import(user: User | None, organization: Organization | None) -> bool:
    """May `user` import and export the catalogue of `organization` (None: national services)?"""
    return can_edit_service(user, organization.pk if organization else None)
