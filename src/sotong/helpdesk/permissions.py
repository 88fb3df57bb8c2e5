"""Who may do what with helpers (민원도우미). Plain functions, no side effects.

- A resident (any active account) asks for help and sees, cancels and rates only their own
  requests.
- A coordinator is active staff holding `helpdesk.coordinate_help`; they see every request of
  their own organisation, assign and reassign helpers, and manage the organisation's helpers.
  A superuser coordinates every organisation.
- A helper is the member of staff of an active `Helper`; they work the requests assigned to
  them: record contacts, complete, and read the resident's phone (the read is logged).
- The case page is for the organisation's coordinators and the assigned helper; everyone else
  gets the 404 of a missing request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sotong.org.models import Staff
from sotong.org.permissions import active_staff, permitted_organization_ids

if TYPE_CHECKING:
    from sotong.helpdesk.models import Helper, HelpRequest

COORDINATE_PERMISSION = "helpdesk.coordinate_help"


def authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_superuser(user: Any) -> bool:
    return authenticated(user) and bool(user.is_superuser)


def staff_of(user: Any) -> Staff | None:
    if not authenticated(user):
        return None
    return active_staff(user)


def coordinator_organization_ids(user: Any) -> set[int] | None:
    """Organisations whose help requests `user` coordinates; `None` means all (superuser)."""
    return permitted_organization_ids(user, COORDINATE_PERMISSION)


def is_coordinator(user: Any) -> bool:
    ids = coordinator_organization_ids(user)
    return ids is None or bool(ids)


def can_coordinate(user: Any, organization_id: int | None) -> bool:
    ids = coordinator_organization_ids(user)
    if ids is None:
        return True
    return organization_id is not None and organization_id in ids


def helper_of(user: Any) -> Helper | None:
    """The user's active helper post (their staff post must be active too)."""
    from sotong.helpdesk.models import Helper

    staff = staff_of(user)
    if staff is None:
        return None
    return Helper.objects.filter(staff=staff, active=True).select_related("staff").first()


def is_assigned_helper(user: Any, request: HelpRequest) -> bool:
    if request.helper_id is None:
        return False
    staff = staff_of(user)
    if staff is None:
        return False
    helper = request.helper
    return helper.staff_id == staff.pk and helper.active


def can_view_case(user: Any, request: HelpRequest) -> bool:
    return can_coordinate(user, request.organization_id) or is_assigned_helper(user, request)


def can_work(user: Any, request: HelpRequest) -> bool:
    """Record contacts and complete: the assigned helper."""
    return is_assigned_helper(user, request)


def can_view_phone(user: Any, request: HelpRequest) -> bool:
    """The resident's phone: the assigned helper only, while the request is open."""
    from sotong.helpdesk.models import HelpRequest as Model

    return is_assigned_helper(user, request) and request.status in (
        Model.Status.ASSIGNED,
        Model.Status.IN_PROGRESS,
    )


def is_owner(user: Any, request: HelpRequest) -> bool:
    return authenticated(user) and request.user_id == user.pk
