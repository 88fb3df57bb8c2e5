"""Who may do what with petitions. Plain functions, no side effects (petitions.md, "Permissions").

- Public petitions: everyone reads the masked timeline. Private ones: the petitioner (account)
  and the staff who may handle them (`can_handle`). Everyone else gets the 404 of a missing
  petition (`queries.petition_for_user`).
- Intake staff (`petitions.intake_petition`, active staff of the organisation): enter phone and
  visit petitions, assign, reassign, transfer, group.
- A department head (position head) may reassign petitions of their department.
- The handler, or any active staff of the current department: accept, draft, submit, extend.
- The approver named on the answer (resolved by `services.approver_for`) approves or returns.
- 담당전결 when the organisation's KindPolicy of the petition's kind allows self-approval.
- Superusers may do everything except rate or reopen (that is the petitioner's)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q

from sotong.accounts.types import Actor
from sotong.org.models import Position, Staff
from sotong.org.permissions import active_staff, can_manage_organization, holds_permission_in

from .models import OPEN_STATUSES, Answer, Board, KindPolicy, Petition, Status

if TYPE_CHECKING:
    from sotong.org.models import Organization

INTAKE_PERMISSION = "petitions.intake_petition"
STATISTICS_PERMISSION = "petitions.view_petition_statistics"

# Channels in which a member of staff types in a petition someone else made.
STAFF_CHANNELS = frozenset({"phone", "visit", "call_centre", "mobile_office", "sns", "email"})


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_superuser(user: Any) -> bool:
    return _authenticated(user) and bool(user.is_superuser)


def staff_of(user: Any, organization: Organization | int | None = None) -> Staff | None:
    """The user's active staff post, optionally only when it belongs to `organization`."""
    if not _authenticated(user):
        return None
    staff = active_staff(user)
    if staff is None:
        return None
    if organization is not None:
        org_id = organization if isinstance(organization, int) else organization.pk
        if staff.organization_id != org_id:
            return None
    return staff


def _org_id(petition: Petition) -> int:
    return petition.organization_id


def is_intake(user: Any, organization: Organization | int) -> bool:
    """Intake staff of `organization` (민원 접수·배정), or a superuser."""
    return holds_permission_in(user, organization, INTAKE_PERMISSION)


def is_petitioner(user: Any, petition: Petition) -> bool:
    return _authenticated(user) and petition.user_id is not None and petition.user_id == user.pk


def _approver_id(petition: Petition) -> int | None:
    try:
        answer = petition.answer
    except ObjectDoesNotExist:
        return None
    return answer.approver_id


def can_handle(user: Any, petition: Petition) -> bool:
    """Staff who handle it: of its current department, the handler, the approver, intake staff
    of its organisation, superusers. These may see the private text and the contact data."""
    if is_superuser(user):
        return True
    staff = staff_of(user, _org_id(petition))
    if staff is None:
        return False
    if petition.department_id is not None and staff.department_id == petition.department_id:
        return True
    if petition.handler_id == staff.pk:
        return True
    if _approver_id(petition) == staff.pk:
        return True
    return user.has_perm(INTAKE_PERMISSION)


def can_view(user: Any, petition: Petition) -> bool:
    """Whether the petition's page exists for `user` (public: masked for everyone)."""
    if petition.is_public:
        return True
    return is_petitioner(user, petition) or can_handle(user, petition)


def can_view_contact(user: Any, petition: Petition) -> bool:
    """Staff who may handle it; the view is logged by `services.contact_view`."""
    return petition.personal_data_destroyed_at is None and can_handle(user, petition)


def can_post(user: Any, board: Board, *, channel: str = "web") -> bool:
    """Whether `user` (None/anonymous for anonymous or Open311) may post on `board`."""
    if not board.active:
        return False
    if channel in STAFF_CHANNELS:
        return is_intake(user, board.organization_id)
    if board.posting == Board.Posting.STAFF:
        return False
    if board.posting == Board.Posting.MEMBERS:
        return _authenticated(user)
    return True


def can_assign(user: Any, petition: Petition) -> bool:
    return is_intake(user, _org_id(petition))


def can_reassign(user: Any, petition: Petition) -> bool:
    """Intake staff, or the head of the petition's current department."""
    if is_intake(user, _org_id(petition)):
        return True
    staff = staff_of(user, _org_id(petition))
    return bool(
        staff is not None
        and staff.position == Position.HEAD
        and petition.department_id is not None
        and staff.department_id == petition.department_id
    )


def can_transfer(user: Any, petition: Petition) -> bool:
    return is_intake(user, _org_id(petition))


def can_work(user: Any, petition: Petition) -> bool:
    """Accept, draft, submit, extend: the handler or any active staff of the department."""
    if is_superuser(user):
        return True
    staff = staff_of(user, _org_id(petition))
    if staff is None:
        return False
    if petition.handler_id == staff.pk:
        return True
    return petition.department_id is not None and staff.department_id == petition.department_id


def can_decide(user: Any, petition: Petition) -> bool:
    """Approve or return: the approver named on the submitted answer (or a superuser)."""
    if is_superuser(user):
        return True
    staff = staff_of(user, _org_id(petition))
    return staff is not None and _approver_id(petition) == staff.pk


def self_approval_allowed(petition: Petition) -> bool:
    """담당전결: the organisation's KindPolicy for this kind allows it."""
    return KindPolicy.objects.filter(
        organization_id=petition.organization_id, kind=petition.kind, self_approval=True
    ).exists()


def can_self_approve(user: Any, petition: Petition) -> bool:
    return can_work(user, petition) and self_approval_allowed(petition)


def holds_token(petition: Petition, token: str) -> bool:
    """A petitioner without an account proves the petition is theirs with its follow-up token
    (handed out at receipt). Accounts use their login instead."""
    return bool(
        token
        and petition.user_id is None
        and secrets.compare_digest(token.encode(), petition.token.encode())
    )


def can_rate(user: Any, petition: Petition, *, token: str = "") -> bool:
    return is_petitioner(user, petition) or holds_token(petition, token)


def can_reopen(user: Any, petition: Petition, *, token: str = "") -> bool:
    return is_petitioner(user, petition) or holds_token(petition, token)


def can_group(user: Any, organization: Organization | int) -> bool:
    """Make a group of repeated petitions: intake staff, or a department head."""
    if is_intake(user, organization):
        return True
    staff = staff_of(user, organization)
    return staff is not None and staff.position == Position.HEAD


def can_close(user: Any, petition: Petition) -> bool:
    """Closing an answered petition by hand: staff who may work on it, or intake staff."""
    return can_work(user, petition) or is_intake(user, _org_id(petition))


def can_publish_place(user: Any, petition: Petition) -> bool:
    """Showing the exact place publicly (a street light, a road): staff who may work on it, or
    intake staff."""
    return can_work(user, petition) or is_intake(user, _org_id(petition))


def can_manage_settings(user: Any, organization: Organization | int) -> bool:
    """Boards, categories, kind policies, the petition policy: the organisation's managers."""
    return _authenticated(user) and can_manage_organization(user, organization)


def can_view_statistics(user: Any, organization: Organization | int) -> bool:
    """Whole-organisation dashboards: the statistics permission (heads see their own)."""
    return holds_permission_in(user, organization, STATISTICS_PERMISSION)


def visible_filter(user: Any) -> Q:
    """A filter on Petition for the rows whose page exists for `user` (see `can_view`)."""
    allowed = Q(is_public=True)
    if not _authenticated(user):
        return allowed
    if user.is_superuser:
        return Q()
    allowed |= Q(user_id=user.pk)
    staff = active_staff(user)
    if staff is None:
        return allowed
    if user.has_perm(INTAKE_PERMISSION):
        return allowed | Q(organization_id=staff.organization_id)
    mine = Q(handler_id=staff.pk) | Q(answer__approver_id=staff.pk)
    if staff.department_id is not None:
        mine |= Q(department_id=staff.department_id)
    return allowed | (Q(organization_id=staff.organization_id) & mine)


def handled_filter(user: Any) -> Q:
    """Rows `user` handles as staff (for the staff workspace lists): never the public ones of
    other departments. Matches nothing for a non-staff user."""
    if is_superuser(user):
        return Q()
    staff = staff_of(user)
    if staff is None:
        return Q(pk__in=[])
    if user.has_perm(INTAKE_PERMISSION):
        return Q(organization_id=staff.organization_id)
    mine = Q(handler_id=staff.pk) | Q(answer__approver_id=staff.pk)
    if staff.department_id is not None:
        mine |= Q(department_id=staff.department_id)
    return Q(organization_id=staff.organization_id) & mine


def can_manage_open311_keys(actor: Actor, organization: Organization) -> bool:
    """The system (None: the management command), superusers, and the organisation's managers
    (those who may change its boards and categories)."""
    if actor is None:
        return True
    if getattr(actor, "is_superuser", False) and getattr(actor, "is_active", False):
        return True
    return can_manage_settings(actor, organization)


def can_read_title(user: Any, petition: Petition) -> bool:
    """Private petitions' titles only for the staff who handle them (an in-memory version of
    `can_handle` that needs no query per row); others see "비공개 민원"."""
    if petition.is_public:
        return True
    if is_superuser(user) or is_intake(user, petition.organization_id):
        return True
    staff = staff_of(user, petition.organization_id)
    if staff is None:
        return False
    return petition.handler_id == staff.pk or (
        petition.department_id is not None and petition.department_id == staff.department_id
    )


def offered_actions(user: Any, petition: Petition) -> dict[str, bool]:
    """Which actions a staff page offers on `petition` by its status and the user's role (the
    services check again)."""
    status = petition.status
    try:
        answer = petition.answer
    except ObjectDoesNotExist:
        answer = None
    open_ = status in OPEN_STATUSES
    may_work = can_work(user, petition)
    return {
        "assign": status == Status.RECEIVED and can_assign(user, petition),
        "reassign": status in (Status.ASSIGNED, Status.IN_PROGRESS)
        and can_reassign(user, petition),
        "transfer": status in (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS)
        and can_transfer(user, petition),
        "accept": status == Status.ASSIGNED and may_work,
        "extend": status in (Status.ASSIGNED, Status.IN_PROGRESS, Status.APPROVAL)
        and not petition.extended_at
        and may_work,
        # A draft of an assigned petition starts its handling (services.answer_save).
        "answer": status in (Status.ASSIGNED, Status.IN_PROGRESS) and may_work,
        "self_approve": status == Status.IN_PROGRESS and can_self_approve(user, petition),
        "decide": status == Status.APPROVAL
        and answer is not None
        and answer.state == Answer.State.SUBMITTED
        and can_decide(user, petition),
        "contact": can_view_contact(user, petition),
        "place": bool(petition.address or petition.latitude is not None)
        and can_publish_place(user, petition),
        "group": open_
        and status != Status.APPROVAL
        and petition.group_id is None
        and can_group(user, petition.organization_id),
    }


__all__ = [
    "INTAKE_PERMISSION",
    "STAFF_CHANNELS",
    "STATISTICS_PERMISSION",
    "can_assign",
    "can_close",
    "can_decide",
    "can_group",
    "can_handle",
    "can_manage_open311_keys",
    "can_manage_settings",
    "can_post",
    "can_publish_place",
    "can_rate",
    "can_read_title",
    "can_reassign",
    "can_reopen",
    "can_self_approve",
    "can_transfer",
    "can_view",
    "can_view_contact",
    "can_view_statistics",
    "can_work",
    "handled_filter",
    "is_intake",
    "is_petitioner",
    "is_superuser",
    "offered_actions",
    "self_approval_allowed",
    "staff_of",
    "visible_filter",
]
