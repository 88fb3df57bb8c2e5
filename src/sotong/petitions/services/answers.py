"""The answer and its approval: drafting (`answer_save`), asking for approval (`answer_submit`),
the approver's decision (`answer_approve`, `answer_return`), 담당전결 (`answer_self_approve`)
and who approves (`approver_for`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sotong.accounts.types import Actor
from sotong.org.models import Position, Staff

from .. import permissions
from ..models import (
    Answer,
    Board,
    Petition,
    Stage,
    Status,
)
from . import _common
from ._common import (
    _audit,
    _body,
    _event,
    _lock,
    _petitioner,
    _reason,
    _require,
    _require_status,
    _staff,
    _state,
    _without_rrn,
)

if TYPE_CHECKING:
    from sotong.accounts.models import User


# --- answer and approval -------------------------------------------------------------------------


def approver_for(petition: Petition, drafter: Staff) -> Staff:
    """The approver the board names: the team lead of the handler's team (a department without
    team leads goes to its head), the head of the department, or the chief of the organisation
    (always for a board where the chief answers). Never the drafter: one who holds that post
    themselves goes to the next one up. ValidationError when nobody holds the post."""
    board = petition.board
    rule = Board.Approver.CHIEF if board.chief_answers else board.approver
    chain = {
        Board.Approver.TEAM_LEAD: (Position.TEAM_LEAD, Position.HEAD, Position.CHIEF),
        Board.Approver.HEAD: (Position.HEAD, Position.CHIEF),
        Board.Approver.CHIEF: (Position.CHIEF,),
    }[rule]
    handler = petition.handler if petition.handler_id else drafter
    department_id = petition.department_id or handler.department_id
    active = Staff.objects.filter(
        organization_id=petition.organization_id, active=True, user__is_active=True
    )
    for position in chain:
        holders = active.filter(position=position)
        if position == Position.TEAM_LEAD:
            holders = holders.filter(team_id=handler.team_id) if handler.team_id else None
        elif position == Position.HEAD:
            holders = holders.filter(department_id=department_id)
        if holders is not None:
            found = holders.exclude(pk=drafter.pk).order_by("pk").first()
            if found is not None:
                return found
        drafter_holds = holders is not None and holders.filter(pk=drafter.pk).exists()
        # Up one post when the drafter holds this one, or the handler's team has no team lead.
        if position == Position.TEAM_LEAD or drafter_holds:
            continue
        break
    names = {
        Board.Approver.TEAM_LEAD: _("팀장"),
        Board.Approver.HEAD: _("부서장"),
        Board.Approver.CHIEF: _("기관장"),
    }
    raise ValidationError(
        _("결재권자(%(post)s)가 없습니다. 직원 정보를 확인하거나 게시판의 결재권자를 바꾸세요.")
        % {"post": names[rule]}
    )


def _answer(petition: Petition) -> Answer | None:
    try:
        return Answer.objects.select_for_update().get(petition=petition)
    except Answer.DoesNotExist:
        return None


def _check_checklist(petition: Petition, checklist: Sequence[str] | None) -> list[str]:
    required = [str(item) for item in (petition.board.checklist or [])]
    ticked = [str(item) for item in (checklist or [])]
    missing = [item for item in required if item not in ticked]
    if missing:
        raise ValidationError(
            {
                "checklist": _("답변 점검 항목을 모두 확인하세요: %(items)s")
                % {"items": ", ".join(missing)}
            }
        )
    return [item for item in ticked if item in required]


def _answer_text(body: Any) -> str:
    return _without_rrn(_body(body, "body"))[0]


@transaction.atomic
def answer_save(*, actor: User, petition: Petition, body: str) -> Answer:
    """Save the draft answer (the handler or staff of the department). A draft of an assigned
    petition starts its handling (the drafter becomes the handler)."""
    petition = _lock(petition)
    _require(permissions.can_work(actor, petition))
    _require_status(
        petition,
        (Status.ASSIGNED, Status.IN_PROGRESS),
        _("처리 중인 민원에만 답변을 작성할 수 있습니다."),
    )
    staff = _staff(actor, petition)
    text = _answer_text(body)
    answer = _answer(petition)
    if answer is not None and answer.state in (Answer.State.SUBMITTED, Answer.State.APPROVED):
        raise ValidationError({"body": _("결재 중이거나 결재가 끝난 답변은 고칠 수 없습니다.")})
    if petition.status == Status.ASSIGNED:
        petition.handler = petition.handler or staff
        petition.status = Status.IN_PROGRESS
        petition.save(update_fields=["handler", "status", "updated_at"])
        _event(petition, Stage.ACCEPTED, actor)
    if answer is None:
        answer = Answer.objects.create(petition=petition, body=text, drafted_by=staff)
        created = True
    else:
        answer.body = text
        answer.drafted_by = staff
        answer.save(update_fields=["body", "drafted_by", "updated_at"])
        created = False
    _audit(
        actor,
        "petitions.answer.save",
        petition,
        after={"answer": answer.pk, "state": answer.state, "created": created},
    )
    return answer


def _ready_answer(petition: Petition) -> Answer:
    answer = _answer(petition)
    if answer is None or answer.state not in (Answer.State.DRAFT, Answer.State.RETURNED):
        raise ValidationError({"body": _("먼저 답변을 작성해 저장하세요.")})
    return answer


@transaction.atomic
def answer_submit(*, actor: User, petition: Petition, checklist: Sequence[str]) -> Answer:
    """Send the draft for approval, every item of the board's checklist ticked; the approver
    the board names is told."""
    petition = _lock(petition)
    _require(permissions.can_work(actor, petition))
    _require_status(
        petition, (Status.IN_PROGRESS,), _("처리 중인 민원의 답변만 결재 요청할 수 있습니다.")
    )
    staff = _staff(actor, petition)
    answer = _ready_answer(petition)
    ticked = _check_checklist(petition, checklist)
    approver = approver_for(petition, staff)
    before = _state(petition)
    answer.state = Answer.State.SUBMITTED
    answer.checklist = ticked
    answer.approver = approver
    answer.self_approved = False
    answer.submitted_at = _common._now()
    answer.save()
    petition.status = Status.APPROVAL
    petition.save(update_fields=["status", "updated_at"])
    _event(petition, Stage.SUBMITTED, actor)
    _common._notify(
        "petitions.approval_requested",
        approver.user,
        petition,
        f"approval:{answer.submitted_at.timestamp()}",
        staff=True,
    )
    _audit(
        actor,
        "petitions.answer.submit",
        petition,
        before=before,
        after={**_state(petition), "approver": approver.pk},
    )
    return answer


def _send_answer(petition: Petition, answer: Answer, actor: Actor, *, stage: str) -> None:
    now = _common._now()
    answer.state = Answer.State.APPROVED
    answer.decided_at = now
    answer.save()
    petition.status = Status.ANSWERED
    petition.answered_at = now
    petition.save(update_fields=["status", "answered_at", "updated_at"])
    _event(petition, stage, actor, at=now)
    _event(petition, Stage.ANSWERED, actor, at=now)
    _common._notify("petitions.answered", _petitioner(petition), petition, "answered")


@transaction.atomic
def answer_approve(*, actor: User, petition: Petition) -> Answer:
    """The approver approves: the petition is answered and the answer sent to the petitioner."""
    petition = _lock(petition)
    _require(permissions.can_decide(actor, petition), _("이 답변을 결재할 권한이 없습니다."))
    _require_status(petition, (Status.APPROVAL,), _("결재 요청된 답변만 결재할 수 있습니다."))
    answer = _answer(petition)
    if answer is None or answer.state != Answer.State.SUBMITTED:
        raise ValidationError(_("결재 요청된 답변이 없습니다."))
    staff = permissions.staff_of(actor)
    if staff is not None and staff.pk == answer.drafted_by_id:
        raise PermissionDenied(_("자신이 작성한 답변은 결재할 수 없습니다."))
    before = _state(petition)
    _send_answer(petition, answer, actor, stage=Stage.APPROVED)
    _audit(actor, "petitions.answer.approve", petition, before=before, after=_state(petition))
    return answer


@transaction.atomic
def answer_return(*, actor: User, petition: Petition, comment: str) -> Answer:
    """The approver returns the answer with a comment (staff only): back to in_progress."""
    petition = _lock(petition)
    _require(permissions.can_decide(actor, petition), _("이 답변을 결재할 권한이 없습니다."))
    _require_status(petition, (Status.APPROVAL,), _("결재 요청된 답변만 반려할 수 있습니다."))
    clean_comment = _reason(comment, "comment")
    answer = _answer(petition)
    if answer is None or answer.state != Answer.State.SUBMITTED:
        raise ValidationError(_("결재 요청된 답변이 없습니다."))
    before = _state(petition)
    answer.state = Answer.State.RETURNED
    answer.return_comment = clean_comment
    answer.decided_at = _common._now()
    answer.save()
    petition.status = Status.IN_PROGRESS
    petition.save(update_fields=["status", "updated_at"])
    _event(petition, Stage.RETURNED, actor, internal_note=clean_comment)
    drafter = answer.drafted_by
    if drafter.active and drafter.user.is_active:
        _common._notify(
            "petitions.returned",
            drafter.user,
            petition,
            f"returned:{answer.decided_at.timestamp()}",
            staff=True,
        )
    _audit(
        actor,
        "petitions.answer.return",
        petition,
        before=before,
        after=_state(petition),
        reason="returned",
    )
    return answer


@transaction.atomic
def answer_self_approve(*, actor: User, petition: Petition, checklist: Sequence[str]) -> Answer:
    """담당전결: the handler closes a simple or repeated petition alone when the kind allows."""
    petition = _lock(petition)
    _require(permissions.can_work(actor, petition))
    if not permissions.self_approval_allowed(petition):
        raise PermissionDenied(_("이 종류의 민원은 담당전결로 처리할 수 없습니다."))
    _require_status(petition, (Status.IN_PROGRESS,), _("처리 중인 민원만 담당전결할 수 있습니다."))
    staff = _staff(actor, petition)
    answer = _ready_answer(petition)
    ticked = _check_checklist(petition, checklist)
    before = _state(petition)
    answer.checklist = ticked
    answer.approver = staff
    answer.self_approved = True
    answer.submitted_at = _common._now()
    _send_answer(petition, answer, actor, stage=Stage.SELF_APPROVED)
    _audit(
        actor,
        "petitions.answer.self_approve",
        petition,
        before=before,
        after=_state(petition),
    )
    return answer
