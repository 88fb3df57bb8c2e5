"""Who may do what in `notify`. Plain functions, no side effects.

Residents manage their own subscription through signed links or their account (no permission
needed beyond holding the link). Staff of an organisation compose and send its campaigns with the
Django permission `notify.send_campaign` (group "알림 담당" in the demo); an emergency alert needs
`notify.send_emergency`, which the organisation grants separately (group "긴급 알림 발송"). A
superuser may do everything everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sotong.org.models import Organization, Staff
from sotong.org.permissions import active_staff, holds_permission_in

from .models import Campaign

if TYPE_CHECKING:
    from sotong.accounts.models import User

CAMPAIGN_PERMISSION = "notify.send_campaign"
EMERGENCY_PERMISSION = "notify.send_emergency"


def _staff_of(user: User) -> Staff | None:
    return active_staff(user)


def can_manage_campaigns(user: User, organization: Organization | int) -> bool:
    """Compose, preview, count, schedule and send newsletters and targeted campaigns; edit the
    organisation's templates; read its reports."""
    return holds_permission_in(user, organization, CAMPAIGN_PERMISSION)


def can_send_emergency(user: User, organization: Organization | int) -> bool:
    return holds_permission_in(user, organization, EMERGENCY_PERMISSION)


def can_create_campaign(user: User, organization: Organization | int, kind: str) -> bool:
    """May `user` compose (and send) a campaign of `kind` for `organization`? An emergency alert
    needs the emergency permission, any other kind the campaign one."""
    if kind == Campaign.Kind.EMERGENCY:
        return can_send_emergency(user, organization)
    return can_manage_campaigns(user, organization)


def can_use_notify_staff_pages(user: User) -> bool:
    """Whether the staff pages of notify are for this user at all (the menu, the list)."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return True
    return _staff_of(user) is not None and (
        user.has_perm(CAMPAIGN_PERMISSION) or user.has_perm(EMERGENCY_PERMISSION)
    )


def managed_organization_ids(user: User) -> set[int] | None:
    """Organisations whose campaigns `user` manages; None means all (superuser)."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return None
    staff = _staff_of(user)
    if staff is None:
        return set()
    if user.has_perm(CAMPAIGN_PERMISSION) or user.has_perm(EMERGENCY_PERMISSION):
        return {staff.organization_id}
    return set()
