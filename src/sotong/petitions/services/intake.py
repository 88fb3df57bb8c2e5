"""Intake: receiving a new petition (`petition_submit`; its fields checked by `validation.py`),
on the full path or the fast one (`deferred`, Open311) whose receipt `petition_intake_complete`
finishes later, queued as the `intake` task."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from sotong.accounts.types import Actor
from sotong.core.privacy import find_personal_data
from sotong.org.models import Department, Staff

from .. import deadlines, permissions
from ..models import (
    Attachment,
    Board,
    Category,
    Channel,
    Petition,
    Stage,
    Status,
)
from . import _common
from ._common import (
    _audit,
    _event,
    _notify_staff,
    _petitioner,
    _state,
    _without_rrn,
)
from .validation import _validate_new

if TYPE_CHECKING:
    from sotong.accounts.models import User

logger = logging.getLogger(__name__)


# --- receipt ---------------------------------------------------------------------------------


def _tokens(title: str, body: str) -> str:
    try:
        from sotong.core.search.analyzer import analyze

        return " ".join(analyze(f"{title}\n{body}"))
    except Exception:  # the analyser must never cost a resident their petition
        logger.exception("petition tokens failed")
        return ""


def _attach(petition: Petition, actor: Actor, attachments: Iterable[Any], *, staff: bool) -> None:
    from sotong.core.files.models import StoredFile

    for item in attachments:
        stored, public = (item, False) if not isinstance(item, tuple) else item
        if not isinstance(stored, StoredFile):
            from sotong.core.files.services import file_store

            stored = file_store(
                actor=actor,
                upload=stored,
                allowed="attachments",
                organization=petition.organization,
            )
        Attachment.objects.create(
            petition=petition, file=stored, is_public=bool(public), uploaded_by_staff=staff
        )


def _create(
    *,
    actor: Actor,
    board: Board,
    kind: str,
    data: dict[str, Any],
    category: Category | None,
    channel: str,
    user: Any,
    entered_by: Staff | None,
    received_at: datetime,
    idempotency_key: str | None,
    follow_up_of: Petition | None = None,
    department: Department | None = None,
    attachments: Iterable[Any] = (),
    receipt_note: str = "",
    deferred: bool = False,
    period_text: str | None = None,
) -> Petition:
    """Stores a new petition. `deferred`: the row only (marked `intake_pending`), its receipt is
    finished later by `petition_intake_complete`; otherwise received in full now."""
    title, flagged_title = _without_rrn(data["title"])
    body, flagged_body = _without_rrn(data["body"])
    flagged = (
        flagged_title
        or flagged_body
        or bool(find_personal_data(title))
        or bool(find_personal_data(body))
    )
    period_text = period_text or deadlines.period_text_for(board.organization_id, kind)
    due_at = deadlines.due_for(
        received_at, period_text, closed=deadlines.closed_days(board.organization_id)
    )
    petition = Petition(
        organization_id=board.organization_id,
        board=board,
        kind=kind,
        category=category,
        status=Status.RECEIVED,
        channel=channel,
        title=title,
        body=body,
        is_public=data["is_public"],
        address=_without_rrn(data["address"])[0],
        latitude=data["latitude"],
        longitude=data["longitude"],
        user=user,
        petitioner_name=data["petitioner_name"],
        contact_email=data["contact_email"],
        contact_phone=data["contact_phone"],
        consent_at=_common._now(),
        personal_data_flagged=flagged,
        entered_by=entered_by,
        follow_up_of=follow_up_of,
        received_at=received_at,
        due_at=due_at,
        period=period_text,
        idempotency_key=idempotency_key or None,
        intake_pending=deferred,
    )
    if deferred:
        petition.save()
        return petition
    petition.tokens = _tokens(title, body)
    petition.save()
    _receive(petition, actor, note=receipt_note, department=department)
    _attach(petition, actor, attachments, staff=entered_by is not None)
    return petition


def _receive(
    petition: Petition, actor: Actor, *, note: str = "", department: Department | None = None
) -> None:
    """The receipt on the timeline, and the assignment to the receiving department when the
    board (or the caller) names one."""
    _event(petition, Stage.RECEIVED, actor, at=petition.received_at, note=note, department=None)
    target = department or petition.board.department
    if target is not None and target.active and target.organization_id == petition.organization_id:
        petition.department = target
        petition.status = Status.ASSIGNED
        petition.save(update_fields=["department", "status", "updated_at"])
        _event(petition, Stage.ASSIGNED, None, department=target)


def _after_create(petition: Petition) -> None:
    _common._notify("petitions.received", _petitioner(petition), petition, "received")
    if petition.department_id is not None:
        _notify_staff("petitions.assigned", petition, "assigned:0")
    _common._enqueue_duplicates(petition)


# --- intake ----------------------------------------------------------------------------------


def petition_submit(
    *,
    actor: User | None,
    board: Board,
    kind: str,
    title: str,
    body: str,
    category: Category | None = None,
    is_public: bool | None = None,
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
    petitioner_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    consent: bool = True,
    channel: str = Channel.WEB,
    entered_by: Staff | None = None,
    attachments: Sequence[Any] = (),
    idempotency_key: str | None = None,
    received_at: datetime | None = None,
    deferred: bool = False,
    period: str | None = None,
) -> Petition:
    """Receive a petition (web, Open311, or typed in by intake staff for phone/visit …).

    `actor` is the resident, None for an anonymous web or Open311 petitioner (then a confirmed
    e-mail or phone is required), or intake staff entering someone else's petition in a staff
    channel (phone, visit, call centre, mobile office, SNS, e-mail). A replayed
    `idempotency_key` returns the first petition and changes nothing.

    `deferred` (the Open311 API, where machines post in bursts): validate and store the
    petition and answer at once; its timeline, assignment, notices, duplicate check and audit
    record follow within about a second from the `intake` task (`petition_intake_complete`),
    so a burst costs one row per request and never waits on the audit chain. `period`: the
    kind's legal period when the caller has looked it up (`deadlines.period_text_for`)."""
    if deferred and attachments:
        raise ValueError("attachments are received on the full path only")
    # The fast path leaves replays to the unique index (one query fewer per request).
    if idempotency_key and not deferred and (existing := _existing(idempotency_key)):
        return existing
    if not (deferred and Board.organization.is_cached(board)):
        board = Board.objects.select_related("organization", "department").get(pk=board.pk)
    channel = str(channel or Channel.WEB)
    _check_can_post(actor, board, channel)
    data = _validate_new(
        actor=actor,
        board=board,
        kind=kind,
        title=title,
        body=body,
        category=category,
        is_public=is_public,
        address=address,
        latitude=latitude,
        longitude=longitude,
        petitioner_name=petitioner_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        consent=consent,
        channel=channel,
    )
    entered_by, user = _submitter(actor, board, channel, entered_by)
    fields = {
        "actor": actor,
        "board": board,
        "kind": kind,
        "data": data,
        "category": category,
        "channel": channel,
        "user": user,
        "entered_by": entered_by,
        "received_at": _received_at(received_at),
        "idempotency_key": idempotency_key,
        "attachments": attachments,
        "deferred": deferred,
        "period_text": period,
    }
    return _store_deferred(fields) if deferred else _store(fields)


def _check_can_post(actor: Actor, board: Board, channel: str) -> None:
    """Refuses a petitioner who may not post on `board` in `channel`, saying why."""
    if permissions.can_post(actor, board, channel=channel):
        return
    if not board.active:
        raise ValidationError({"board": _("지금은 이 게시판에서 민원을 받지 않습니다.")})
    if channel in permissions.STAFF_CHANNELS:
        raise PermissionDenied(_("전화·방문 민원은 민원 접수 담당 직원만 입력할 수 있습니다."))
    if board.posting == Board.Posting.MEMBERS:
        raise PermissionDenied(_("이 게시판은 로그인한 회원만 글을 쓸 수 있습니다."))
    raise PermissionDenied(_("이 게시판에는 직원만 민원을 입력할 수 있습니다."))


def _submitter(
    actor: Actor, board: Board, channel: str, entered_by: Staff | None
) -> tuple[Staff | None, Any]:
    """(entered_by, user): the intake staff member for a staff channel (the petition then has
    no account), else the resident's account when one is signed in."""
    if channel in permissions.STAFF_CHANNELS:
        entered_by = entered_by or permissions.staff_of(actor, board.organization_id)
        if entered_by is None or entered_by.organization_id != board.organization_id:
            raise ValidationError({"entered_by": _("입력한 직원을 확인할 수 없습니다.")})
        return entered_by, None
    return None, actor if getattr(actor, "is_authenticated", False) else None


def _received_at(received_at: datetime | None) -> datetime:
    if received_at is None:
        return _common._now()
    if timezone.is_naive(received_at):
        raise ValidationError({"received_at": _("접수 시각에 시간대가 없습니다.")})
    return received_at


def _existing(idempotency_key: str) -> Petition | None:
    return Petition.objects.filter(idempotency_key=idempotency_key).first()


def _store_deferred(fields: dict[str, Any]) -> Petition:
    """The fast path: the row only, its receipt finished by the `intake` run."""
    # One INSERT, atomic on its own; a savepoint only inside a caller's transaction.
    in_transaction = transaction.get_connection().in_atomic_block
    try:
        with transaction.atomic() if in_transaction else contextlib.nullcontext():
            petition = _create(**fields)
    except IntegrityError:
        return _replayed(fields["idempotency_key"])
    _schedule_intake()
    return petition


def _store(fields: dict[str, Any]) -> Petition:
    """The full path: the petition received, told and audited in one transaction."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                petition = _create(**fields)
        except IntegrityError:
            return _replayed(fields["idempotency_key"])
        _after_create(petition)
        _audit_submit(fields["actor"], petition)
    return petition


def _replayed(idempotency_key: str | None) -> Petition:
    """The petition a concurrent request committed with the same idempotency key; re-raises the
    IntegrityError being handled when there is none."""
    existing = (
        Petition.objects.filter(idempotency_key=idempotency_key).first()
        if idempotency_key
        else None
    )
    if existing is None:
        raise
    return existing


def _audit_submit(actor: Actor, petition: Petition) -> None:
    _audit(
        actor,
        "petitions.petition.submit",
        petition,
        after={
            **_state(petition),
            "channel": petition.channel,
            "entered_by": petition.entered_by_id,
            "personal_data_flagged": petition.personal_data_flagged,
            "received_at": petition.received_at,
        },
    )


def petition_intake_complete(*, actor: None = None, petition_id: int) -> bool:
    """Finish the receipt of a petition stored on the fast path (`petition_submit(deferred=
    True)`): kiwi tokens, the timeline's "received" (at the time it was received) and the
    assignment to the board's department, the notices to the petitioner and the department,
    the duplicate check and the audit record. The system acts (`actor` is always None).
    Returns False when there was nothing to do (done already, or another worker holds it), so
    it is safe to run twice."""
    with transaction.atomic():
        petition = (
            Petition.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("board__department", "organization")
            .filter(pk=petition_id, intake_pending=True)
            .first()
        )
        if petition is None:
            return False
        petition.tokens = _tokens(petition.title, petition.body)
        petition.intake_pending = False
        petition.save(update_fields=["tokens", "intake_pending", "updated_at"])
        _receive(petition, None)
        _after_create(petition)
        _audit_submit(None, petition)
    return True


def petitions_intake_pending(*, limit: int = 500) -> int:
    """Completes up to `limit` pending receipts, oldest first, each in its own transaction (one
    bad row never blocks the rest; it stays pending and is logged). Returns how many."""
    done = 0
    ids = list(
        Petition.objects.filter(intake_pending=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for petition_id in ids:
        try:
            done += petition_intake_complete(petition_id=petition_id)
        except Exception:
            logger.exception("finishing the receipt failed: petition=%s", petition_id)
    return done


# Per process: the end of the second for which an `intake` run is already queued.
_intake_queued_until: float = 0.0
INTAKE_WINDOW = 1.0


def _schedule_intake() -> None:
    """Queue one `intake` run per process and second, after the commit: a burst of requests
    shares it. The run is deferred to the end of the second (where the queue can defer), so
    it finds every petition committed in that second; `petitions_tick` sweeps up whatever a
    lost run left behind."""

    def enqueue() -> None:
        global _intake_queued_until
        now = timezone.now()
        moment = now.timestamp()
        if moment < _intake_queued_until:
            return
        _intake_queued_until = (moment // INTAKE_WINDOW + 1) * INTAKE_WINDOW
        task = intake
        if getattr(task.get_backend(), "supports_defer", False):
            run_after = datetime.fromtimestamp(_intake_queued_until + 0.2, tz=now.tzinfo)
            task = task.using(run_after=run_after)
        try:
            task.enqueue()
        except Exception:  # the petition is stored; the tick will finish its receipt
            _intake_queued_until = 0.0
            logger.exception("queueing the intake run failed")

    transaction.on_commit(enqueue)


@task(queue_name="default")
def intake() -> int:
    """Finishes the receipts of petitions accepted on the fast path (Open311). Defined beside
    the work it runs and the scheduler that queues it, so the services never import
    `petitions.tasks` (which imports them); `tasks.intake` names it too."""
    return petitions_intake_pending()
