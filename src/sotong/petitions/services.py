"""Every state change of a petition: one function per use case, keyword-only, transactional,
permission-checked, validated and audited; each writes its `PetitionEvent` (the timeline) and
queues its notifications through `notify` in the same transaction (petitions.md, "Service
contract"). Views, the Open311 API, the admin and the demo loader call these; nothing else
writes petitions.

Errors people can fix come back as `ValidationError` (Korean, per field where there is one); a
missing right is `PermissionDenied`. The petition row is locked (`select_for_update`) inside the
service's own transaction, so two officers pressing the same button cannot both win."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sotong.core.audit import audit_record
from sotong.core.privacy import find_personal_data, mask_value
from sotong.core.privacy.public import public_text
from sotong.core.text import clean_text
from sotong.notify.services import notification_send
from sotong.notify.transactional import Address
from sotong.org.models import Department, Organization, Position, Staff

from . import deadlines, permissions
from .models import (
    OPEN_STATUSES,
    Answer,
    Attachment,
    Board,
    Category,
    Channel,
    Kind,
    KindPolicy,
    Petition,
    PetitionEvent,
    PetitionGroup,
    Policy,
    Stage,
    Status,
)

if TYPE_CHECKING:
    from sotong.accounts.models import User

logger = logging.getLogger(__name__)

MAX_BODY = 20_000
MAX_TITLE = 200
MAX_NOTE = 2_000
# Korea's bounding box (마라도 33.1°N … 온성 43°N is beyond our reach; the model's validators
# say 33–39°N, 124–132°E, which covers the Republic's land, 독도 at 131.87°E included).
LAT_RANGE = (Decimal("33"), Decimal("39"))
LON_RANGE = (Decimal("124"), Decimal("132"))
# Resident and foreigner registration numbers are never stored: masked before saving.
RRN_KINDS = ("rrn", "frn")

SUBMIT_STATUSES = (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS)


# --- helpers -----------------------------------------------------------------------------------


def _now() -> datetime:
    return timezone.now()


def _without_rrn(text: str) -> tuple[str, bool]:
    """`text` with resident/foreigner registration numbers masked; and whether one was found."""
    findings = find_personal_data(text, kinds=RRN_KINDS)
    if not findings:
        return text, False
    parts, position = [], 0
    for finding in findings:
        parts.append(text[position : finding.start])
        parts.append(mask_value(finding.kind, finding.text))
        position = finding.end
    parts.append(text[position:])
    return "".join(parts), True


def _safe_text(value: Any) -> str:
    """Free text (reasons, comments) as stored: cleaned, never holding an RRN."""
    return _without_rrn(clean_text(value))[0]


def _body(value: Any, field: str, *, label: str = "") -> str:
    text = clean_text(value)
    if not text:
        raise ValidationError({field: _("내용을 입력하세요.")})
    if len(text) > MAX_BODY:
        raise ValidationError(
            {field: _("내용은 %(max)s자 이내로 입력하세요.") % {"max": f"{MAX_BODY:,}"}}
        )
    return text


def _reason(value: Any, field: str = "reason") -> str:
    text = _safe_text(value)
    if not text:
        raise ValidationError({field: _("사유를 입력하세요.")})
    if len(text) > MAX_NOTE:
        raise ValidationError({field: _("사유는 %(max)s자 이내로 입력하세요.") % {"max": MAX_NOTE}})
    return text


def _lock(petition: Petition | int) -> Petition:
    pk = petition if isinstance(petition, int) else petition.pk
    try:
        return Petition.objects.select_for_update().get(pk=pk)
    except Petition.DoesNotExist as exc:
        raise ValidationError(_("민원을 찾을 수 없습니다.")) from exc


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("이 민원을 처리할 권한이 없습니다."))


def _require_status(petition: Petition, allowed: Iterable[str], message: str) -> None:
    if petition.status not in set(allowed):
        raise ValidationError({"status": message})


def _staff(actor: Any, petition: Petition) -> Staff:
    staff = permissions.staff_of(actor, petition.organization_id)
    if staff is None:
        raise ValidationError(_("이 기관의 직원만 할 수 있는 일입니다."))
    return staff


def _event(
    petition: Petition,
    stage: str,
    actor: Any,
    *,
    note: str = "",
    internal_note: str = "",
    at: datetime | None = None,
    department: Department | int | None = None,
) -> PetitionEvent:
    dept_id = department if isinstance(department, int) or department is None else department.pk
    return PetitionEvent.objects.create(
        petition=petition,
        stage=stage,
        at=at or _now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        department_id=dept_id if dept_id is not None else petition.department_id,
        note=note,
        internal_note=internal_note,
    )


def _state(petition: Petition) -> dict[str, Any]:
    """What the audit trail keeps of a petition: ids and states, never text or contact data."""
    return {
        "status": petition.status,
        "board": petition.board_id,
        "kind": petition.kind,
        "category": petition.category_id,
        "department": petition.department_id,
        "handler": petition.handler_id,
        "is_public": petition.is_public,
        "due_at": petition.due_at,
    }


def _audit(
    actor: Any,
    action: str,
    petition: Petition,
    *,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> None:
    audit_record(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        obj=petition,
        organization=petition.organization,
        before=before,
        after=after,
        reason=reason,
    )


def _link(petition: Petition, *, staff: bool) -> str:
    """Absolute link for a message: the staff case page, the public page for an account
    holder, the token page (no login) for a petitioner without an account."""
    if staff:
        name, kwargs = "petitions:staff_case", {"pk": petition.pk}
    elif petition.user_id is None:
        name, kwargs = "petitions:token", {"token": petition.token}
    else:
        name, kwargs = "petitions:detail", {"pk": petition.pk}
    try:
        path = reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""
    return f"{getattr(settings, 'SITE_URL', '')}{path}"


def _local(dt: datetime | None) -> str:
    if dt is None:
        return ""
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def _context(petition: Petition, *, staff: bool = False, **extra: Any) -> dict[str, Any]:
    """What a message may say: the petition's number, title (masked) and dates, never anyone's
    personal data nor the text of the petition."""
    context = {
        "organization": petition.organization.name,
        "number": petition.pk,
        "title": public_text(petition.title)[:60],
        "due": _local(petition.due_at),
        "url": _link(petition, staff=staff),
    }
    context.update(extra)
    return context


def _petitioner(petition: Petition) -> Any:
    """Where to tell the petitioner: their account, or the confirmed e-mail/phone."""
    if petition.personal_data_destroyed_at is not None:
        return None
    if petition.user_id is not None and petition.user.is_active:
        return petition.user
    if petition.contact_email or petition.contact_phone:
        return Address(email=petition.contact_email, phone=petition.contact_phone)
    return None


def _notify(
    event: str, recipient: Any, petition: Petition, key: str, *, staff: bool = False, **extra: Any
) -> None:
    if recipient is None:
        return
    notification_send(
        event=event,
        recipient=recipient,
        context=_context(petition, staff=staff, **extra),
        organization=petition.organization,
        ref=f"petitions.Petition:{petition.pk}",
        idempotency_key=f"petitions:{petition.pk}:{key}"[:200],
    )


def _staff_users(petition: Petition) -> list[Any]:
    """Who hears of a petition's stage as staff: the handler, or else the department's staff."""
    if petition.handler_id is not None:
        handler = petition.handler
        return [handler.user] if handler.active and handler.user.is_active else []
    if petition.department_id is None:
        return []
    staff = (
        Staff.objects.filter(
            department_id=petition.department_id, active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")[:50]
    )
    return [member.user for member in staff]


def _notify_staff(event: str, petition: Petition, key: str, **extra: Any) -> None:
    for user in _staff_users(petition):
        _notify(event, user, petition, f"{key}:u{user.pk}", staff=True, **extra)


# --- validation of a new petition ---------------------------------------------------------------


def _coordinate(value: Any, field: str, bounds: tuple[Decimal, Decimal]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("좌표는 숫자로 입력하세요.")}) from exc
    if not number.is_finite() or not bounds[0] <= number <= bounds[1]:
        raise ValidationError({field: _("대한민국 안의 위치를 지정하세요.")})
    return number


def _validate_new(
    *,
    actor: Any,
    board: Board,
    kind: str,
    title: Any,
    body: Any,
    category: Category | None,
    is_public: bool | None,
    address: Any,
    latitude: Any,
    longitude: Any,
    petitioner_name: Any,
    contact_email: Any,
    contact_phone: Any,
    consent: bool,
    channel: str,
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if channel not in Channel.values:
        add("channel", _("알 수 없는 접수 경로입니다."))
    if kind not in Kind.values or (board.kinds and kind not in board.kinds):
        add("kind", _("이 게시판에서 받지 않는 민원 종류입니다."))
    clean_title = clean_text(title)
    if not clean_title:
        add("title", _("제목을 입력하세요."))
    elif len(clean_title) > MAX_TITLE:
        add("title", _("제목은 %(max)s자 이내로 입력하세요.") % {"max": MAX_TITLE})
    clean_body = ""
    try:
        clean_body = _body(body, "body")
    except ValidationError as exc:
        for message in exc.message_dict["body"]:
            add("body", message)
    if category is not None and (
        category.organization_id != board.organization_id or not category.active
    ):
        add("category", _("이 기관에서 받는 분야를 고르세요."))
    public = board.public_by_default if is_public is None else bool(is_public)
    if not public and not board.allow_private:
        add("is_public", _("이 게시판의 민원은 공개됩니다. 비공개로 접수할 수 없습니다."))
    clean_address = clean_text(address)
    if len(clean_address) > 200:
        add("address", _("위치는 200자 이내로 입력하세요."))
    lat = lon = None
    try:
        lat = _coordinate(latitude, "latitude", LAT_RANGE)
    except ValidationError as exc:
        add("latitude", exc.message_dict["latitude"][0])
    try:
        lon = _coordinate(longitude, "longitude", LON_RANGE)
    except ValidationError as exc:
        add("longitude", exc.message_dict["longitude"][0])
    if (lat is None) != (lon is None) and "latitude" not in errors and "longitude" not in errors:
        add("latitude", _("위도와 경도를 함께 지정하세요."))
    name = clean_text(petitioner_name)[:50]
    email = clean_text(contact_email)
    phone = clean_text(contact_phone)
    if len(email) > 254:
        add("contact_email", _("이메일 주소가 너무 깁니다."))
    if len(phone) > 20:
        add("contact_phone", _("전화번호가 너무 깁니다."))
    resident = getattr(actor, "is_authenticated", False) and channel not in (
        permissions.STAFF_CHANNELS
    )
    if not resident and not (email or phone):
        add("contact_email", _("답변을 받을 이메일 주소나 휴대전화 번호를 입력하세요."))
    if not consent:
        add("consent", _("개인정보 수집·이용에 동의해야 민원을 접수할 수 있습니다."))
    if errors:
        raise ValidationError(errors)
    return {
        "title": clean_title,
        "body": clean_body,
        "is_public": public,
        "address": clean_address,
        "latitude": lat,
        "longitude": lon,
        "petitioner_name": name,
        "contact_email": email,
        "contact_phone": phone,
    }


def _tokens(title: str, body: str) -> str:
    try:
        from sotong.core.search.analyzer import analyze

        return " ".join(analyze(f"{title}\n{body}"))
    except Exception:  # the analyser must never cost a resident their petition
        logger.exception("petition tokens failed")
        return ""


def _attach(petition: Petition, actor: Any, attachments: Iterable[Any], *, staff: bool) -> None:
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


def _enqueue_duplicates(petition: Petition) -> None:
    from sotong.core.tasks import enqueue_on_commit

    from .tasks_routing import detect_duplicates

    try:
        enqueue_on_commit(detect_duplicates, petition.pk)
    except Exception:  # duplicate proposals are a help, never a reason to refuse a petition
        logger.exception("duplicate detection could not be queued")


def _create(
    *,
    actor: Any,
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
        consent_at=_now(),
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
    petition: Petition, actor: Any, *, note: str = "", department: Department | None = None
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
    _notify("petitions.received", _petitioner(petition), petition, "received")
    if petition.department_id is not None:
        _notify_staff("petitions.assigned", petition, "assigned:0")
    _enqueue_duplicates(petition)


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
    if idempotency_key and not deferred:
        existing = Petition.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if not (deferred and Board.organization.is_cached(board)):
        board = Board.objects.select_related("organization", "department").get(pk=board.pk)
    channel = str(channel or Channel.WEB)
    if not permissions.can_post(actor, board, channel=channel):
        if not board.active:
            raise ValidationError({"board": _("지금은 이 게시판에서 민원을 받지 않습니다.")})
        if channel in permissions.STAFF_CHANNELS:
            raise PermissionDenied(_("전화·방문 민원은 민원 접수 담당 직원만 입력할 수 있습니다."))
        if board.posting == Board.Posting.MEMBERS:
            raise PermissionDenied(_("이 게시판은 로그인한 회원만 글을 쓸 수 있습니다."))
        raise PermissionDenied(_("이 게시판에는 직원만 민원을 입력할 수 있습니다."))
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
    staff_entry = channel in permissions.STAFF_CHANNELS
    if staff_entry:
        entered_by = entered_by or permissions.staff_of(actor, board.organization_id)
        if entered_by is None or entered_by.organization_id != board.organization_id:
            raise ValidationError({"entered_by": _("입력한 직원을 확인할 수 없습니다.")})
        user = None
    else:
        entered_by = None
        user = actor if getattr(actor, "is_authenticated", False) else None
    if received_at is None:
        received_at = _now()
    elif timezone.is_naive(received_at):
        raise ValidationError({"received_at": _("접수 시각에 시간대가 없습니다.")})
    fields = {
        "actor": actor,
        "board": board,
        "kind": kind,
        "data": data,
        "category": category,
        "channel": channel,
        "user": user,
        "entered_by": entered_by,
        "received_at": received_at,
        "idempotency_key": idempotency_key,
        "attachments": attachments,
        "deferred": deferred,
        "period_text": period,
    }
    if deferred:
        # One INSERT, atomic on its own; a savepoint only inside a caller's transaction.
        in_transaction = transaction.get_connection().in_atomic_block
        try:
            with transaction.atomic() if in_transaction else contextlib.nullcontext():
                petition = _create(**fields)
        except IntegrityError:
            return _replayed(idempotency_key)
        _schedule_intake()
        return petition
    with transaction.atomic():
        try:
            with transaction.atomic():
                petition = _create(**fields)
        except IntegrityError:
            return _replayed(idempotency_key)
        _after_create(petition)
        _audit_submit(actor, petition)
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


def _audit_submit(actor: Any, petition: Petition) -> None:
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
    from .tasks import intake

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


# --- routing -----------------------------------------------------------------------------------


def _check_target(petition: Petition, department: Department, handler: Staff | None) -> None:
    if department.organization_id != petition.organization_id or not department.active:
        raise ValidationError({"department": _("이 기관의 운영 중인 부서를 고르세요.")})
    if handler is not None and (not handler.active or handler.department_id != department.pk):
        raise ValidationError({"handler": _("담당자는 그 부서의 재직 중인 직원이어야 합니다.")})


@transaction.atomic
def petition_assign(
    *,
    actor: User,
    petition: Petition,
    department: Department,
    handler: Staff | None = None,
    note: str = "",
    category: Category | None = None,
) -> Petition:
    """Intake staff send a received petition to a department (and, optionally, a handler),
    setting its category when they choose one (e.g. the suggester's)."""
    petition = _lock(petition)
    _require(permissions.can_assign(actor, petition), _("민원을 배정할 권한이 없습니다."))
    _require_status(
        petition, (Status.RECEIVED,), _("접수 상태의 민원만 배정할 수 있습니다. 재배정하세요.")
    )
    _check_target(petition, department, handler)
    if category is not None and category.organization_id != petition.organization_id:
        raise ValidationError({"category": _("이 기관의 민원 분야를 고르세요.")})
    before = _state(petition)
    petition.department = department
    petition.handler = handler
    petition.status = Status.ASSIGNED
    fields = ["department", "handler", "status", "updated_at"]
    if category is not None:
        petition.category = category
        fields.append("category")
    petition.save(update_fields=fields)
    # The memo is labelled "직원에게만 보임" on the form: a staff note, never the public one.
    _event(petition, Stage.ASSIGNED, actor, internal_note=_safe_text(note)[:MAX_NOTE])
    _notify_staff("petitions.assigned", petition, f"assigned:{petition.events.count()}")
    _audit(actor, "petitions.petition.assign", petition, before=before, after=_state(petition))
    return petition


@transaction.atomic
def petition_reassign(
    *,
    actor: User,
    petition: Petition,
    department: Department,
    handler: Staff | None = None,
    reason: str,
) -> Petition:
    """Send an assigned or in-progress petition to another department (or handler), with a
    reason shown on the timeline. Intake staff, or the head of its current department."""
    petition = _lock(petition)
    _require(permissions.can_reassign(actor, petition), _("민원을 재배정할 권한이 없습니다."))
    _require_status(
        petition,
        (Status.ASSIGNED, Status.IN_PROGRESS),
        _("배정되었거나 처리 중인 민원만 재배정할 수 있습니다."),
    )
    clean_reason = _reason(reason)
    _check_target(petition, department, handler)
    if department.pk == petition.department_id and (
        handler is None or handler.pk == petition.handler_id
    ):
        raise ValidationError({"department": _("지금과 다른 부서나 담당자를 고르세요.")})
    before = _state(petition)
    petition.department = department
    petition.handler = handler
    petition.status = Status.ASSIGNED
    petition.save(update_fields=["department", "handler", "status", "updated_at"])
    # A draft written by the old department is not the new one's answer.
    Answer.objects.filter(petition=petition).exclude(state=Answer.State.APPROVED).delete()
    _event(petition, Stage.REASSIGNED, actor, note=clean_reason)
    _notify_staff("petitions.assigned", petition, f"assigned:{petition.events.count()}")
    _audit(
        actor,
        "petitions.petition.reassign",
        petition,
        before=before,
        after=_state(petition),
        reason=clean_reason,
    )
    return petition


def _receiving_board(organization: Organization, kind: str) -> Board | None:
    for board in Board.objects.filter(organization=organization, active=True).order_by(
        "order", "pk"
    ):
        if not board.kinds or kind in board.kinds:
            return board
    return None


@transaction.atomic
def petition_transfer(
    *, actor: User, petition: Petition, to_organization: Organization, reason: str
) -> Petition:
    """이송: the petition belongs to another organisation. Terminal here (it leaves our counts);
    when the receiving organisation has a board for its kind, a new petition is received there,
    its period running from that receipt (민원처리법 제16조)."""
    petition = _lock(petition)
    _require(permissions.can_transfer(actor, petition), _("민원을 이송할 권한이 없습니다."))
    _require_status(
        petition,
        (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS),
        _("처리가 끝나지 않은 민원만 이송할 수 있습니다."),
    )
    clean_reason = _reason(reason)
    if to_organization.pk == petition.organization_id:
        raise ValidationError(
            {"to_organization": _("같은 기관 안에서는 이송하지 않고 재배정합니다.")}
        )
    before = _state(petition)
    petition.status = Status.TRANSFERRED
    petition.transferred_to = to_organization
    petition.save(update_fields=["status", "transferred_to", "updated_at"])
    _event(
        petition,
        Stage.TRANSFERRED,
        actor,
        note=_("%(org)s(으)로 이송: %(reason)s")
        % {"org": to_organization.name, "reason": clean_reason},
    )
    Answer.objects.filter(petition=petition).exclude(state=Answer.State.APPROVED).delete()
    received = None
    board = _receiving_board(to_organization, petition.kind)
    if board is not None:
        data = {
            "title": petition.title,
            "body": petition.body,
            "is_public": petition.is_public if board.allow_private else True,
            "address": petition.address,
            "latitude": petition.latitude,
            "longitude": petition.longitude,
            "petitioner_name": petition.petitioner_name,
            "contact_email": petition.contact_email,
            "contact_phone": petition.contact_phone,
        }
        received = _create(
            actor=None,
            board=board,
            kind=petition.kind,
            data=data,
            category=None,
            channel=petition.channel,
            user=petition.user,
            entered_by=None,
            received_at=_now(),
            idempotency_key=None,
            receipt_note=_("%(org)s에서 이송된 민원") % {"org": petition.organization.name},
        )
        received.transferred_from = petition
        received.save(update_fields=["transferred_from"])
        if received.department_id is not None:
            _notify_staff("petitions.assigned", received, "assigned:0")
    _notify(
        "petitions.transferred",
        _petitioner(petition),
        petition,
        "transferred",
        to_organization=to_organization.name,
        reason=public_text(clean_reason)[:200],  # as on the public timeline
    )
    _audit(
        actor,
        "petitions.petition.transfer",
        petition,
        before=before,
        after={
            **_state(petition),
            "transferred_to": to_organization.pk,
            "received_as": received.pk if received else None,
        },
        reason=clean_reason,
    )
    return petition


# --- handling ---------------------------------------------------------------------------------


@transaction.atomic
def petition_accept(*, actor: User, petition: Petition) -> Petition:
    """The handler takes the petition: in_progress, with `actor` as handler."""
    petition = _lock(petition)
    _require(permissions.can_work(actor, petition))
    _require_status(petition, (Status.ASSIGNED,), _("배정된 민원만 처리를 시작할 수 있습니다."))
    staff = _staff(actor, petition)
    before = _state(petition)
    petition.handler = staff
    petition.status = Status.IN_PROGRESS
    petition.save(update_fields=["handler", "status", "updated_at"])
    _event(petition, Stage.ACCEPTED, actor)
    _audit(actor, "petitions.petition.accept", petition, before=before, after=_state(petition))
    return petition


@transaction.atomic
def petition_extend(*, actor: User, petition: Petition, reason: str) -> Petition:
    """The one extension: the same period again from the old deadline, with a reason shown on
    the timeline and a notice to the petitioner."""
    petition = _lock(petition)
    _require(permissions.can_work(actor, petition))
    _require_status(
        petition,
        (Status.ASSIGNED, Status.IN_PROGRESS, Status.APPROVAL),
        _("처리 중인 민원만 처리 기한을 연장할 수 있습니다."),
    )
    if petition.extended_at is not None:
        raise ValidationError({"reason": _("처리 기한은 한 번만 연장할 수 있습니다.")})
    clean_reason = _reason(reason)
    before = _state(petition)
    petition.due_at = deadlines.extended_due(
        petition.due_at,
        petition.period or deadlines.period_text_for(petition.organization_id, petition.kind),
        closed=deadlines.closed_days(petition.organization_id),
    )
    petition.extended_at = _now()
    petition.extension_reason = clean_reason
    petition.save(update_fields=["due_at", "extended_at", "extension_reason", "updated_at"])
    _event(petition, Stage.EXTENDED, actor, note=clean_reason)
    _notify("petitions.extended", _petitioner(petition), petition, "extended")
    _audit(
        actor,
        "petitions.petition.extend",
        petition,
        before=before,
        after=_state(petition),
        reason=clean_reason,
    )
    return petition


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
    answer.submitted_at = _now()
    answer.save()
    petition.status = Status.APPROVAL
    petition.save(update_fields=["status", "updated_at"])
    _event(petition, Stage.SUBMITTED, actor)
    _notify(
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


def _send_answer(petition: Petition, answer: Answer, actor: Any, *, stage: str) -> None:
    now = _now()
    answer.state = Answer.State.APPROVED
    answer.decided_at = now
    answer.save()
    petition.status = Status.ANSWERED
    petition.answered_at = now
    petition.save(update_fields=["status", "answered_at", "updated_at"])
    _event(petition, stage, actor, at=now)
    _event(petition, Stage.ANSWERED, actor, at=now)
    _notify("petitions.answered", _petitioner(petition), petition, "answered")


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
    answer.decided_at = _now()
    answer.save()
    petition.status = Status.IN_PROGRESS
    petition.save(update_fields=["status", "updated_at"])
    _event(petition, Stage.RETURNED, actor, internal_note=clean_comment)
    drafter = answer.drafted_by
    if drafter.active and drafter.user.is_active:
        _notify(
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
    answer.submitted_at = _now()
    _send_answer(petition, answer, actor, stage=Stage.SELF_APPROVED)
    _audit(
        actor,
        "petitions.answer.self_approve",
        petition,
        before=before,
        after=_state(petition),
    )
    return answer


# --- after the answer ----------------------------------------------------------------------------


@transaction.atomic
def petition_close(*, actor: User | None, petition: Petition) -> Petition:
    """Close an answered petition (the system when the reopen period ended, or staff)."""
    petition = _lock(petition)
    if actor is not None:
        _require(permissions.can_close(actor, petition))
    _require_status(petition, (Status.ANSWERED,), _("답변이 끝난 민원만 종결할 수 있습니다."))
    before = _state(petition)
    petition.status = Status.CLOSED
    petition.closed_at = _now()
    petition.save(update_fields=["status", "closed_at", "updated_at"])
    _event(petition, Stage.CLOSED, actor)
    _audit(actor, "petitions.petition.close", petition, before=before, after=_state(petition))
    return petition


def _rating(value: Any, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if str(value).strip() != str(number) or not 1 <= number <= 5:
        raise ValidationError({field: _("1부터 5까지의 점수를 고르세요.")})
    return number


@transaction.atomic
def petition_rate(
    *,
    actor: User,
    petition: Petition,
    speed: int,
    completeness: int,
    comment: str = "",
    token: str = "",
) -> Petition:
    """The petitioner rates speed and completeness (1–5) once, after the answer; the petition
    is then closed. A petitioner without an account passes the petition's follow-up `token`."""
    petition = _lock(petition)
    _require(
        permissions.can_rate(actor, petition, token=token),
        _("민원을 신청한 분만 평가할 수 있습니다."),
    )
    _require_status(
        petition, (Status.ANSWERED, Status.CLOSED), _("답변을 받은 뒤에 평가할 수 있습니다.")
    )
    if petition.rated_at is not None:
        raise ValidationError(_("이미 만족도를 평가하셨습니다."))
    errors: dict[str, Any] = {}
    values = {}
    for field, value in (("speed", speed), ("completeness", completeness)):
        try:
            values[field] = _rating(value, field)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    clean_comment = _safe_text(comment)
    if len(clean_comment) > MAX_NOTE:
        errors["comment"] = [_("의견은 %(max)s자 이내로 입력하세요.") % {"max": MAX_NOTE}]
    if errors:
        raise ValidationError(errors)
    before = _state(petition)
    petition.speed_rating = values["speed"]
    petition.completeness_rating = values["completeness"]
    petition.rating_comment = clean_comment
    petition.rated_at = _now()
    fields = ["speed_rating", "completeness_rating", "rating_comment", "rated_at", "updated_at"]
    _event(petition, Stage.RATED, actor)
    if petition.status == Status.ANSWERED:
        petition.status = Status.CLOSED
        petition.closed_at = petition.rated_at
        fields += ["status", "closed_at"]
        _event(petition, Stage.CLOSED, actor)
    petition.save(update_fields=fields)
    _audit(
        actor,
        "petitions.petition.rate",
        petition,
        before=before,
        after={
            **_state(petition),
            "speed": values["speed"],
            "completeness": values["completeness"],
        },
    )
    return petition


def reopen_deadline(petition: Petition) -> datetime | None:
    """Until when the petitioner may reopen the petition (None before the answer)."""
    if petition.answered_at is None:
        return None
    return petition.answered_at + timedelta(days=petition.board.reopen_days)


@transaction.atomic
def petition_reopen(
    *, actor: User | None, petition: Petition, body: str, token: str = ""
) -> Petition:
    """재민원: within the board's reopen period the petitioner asks again. A NEW petition
    (`follow_up_of` the first) is received and goes to the same department; the first closes.
    A petitioner without an account passes the petition's follow-up `token`."""
    petition = _lock(petition)
    _require(
        permissions.can_reopen(actor, petition, token=token),
        _("민원을 신청한 분만 다시 신청할 수 있습니다."),
    )
    _require_status(
        petition, (Status.ANSWERED, Status.CLOSED), _("답변을 받은 민원만 다시 신청할 수 있습니다.")
    )
    deadline = reopen_deadline(petition)
    if deadline is None or _now() > deadline:
        raise ValidationError(
            {
                "body": _("재민원 신청 기간(답변 후 %(days)s일)이 지났습니다.")
                % {"days": petition.board.reopen_days}
            }
        )
    if petition.follow_ups.exists():
        raise ValidationError({"body": _("이 민원에는 이미 재민원을 신청하셨습니다.")})
    text = _body(body, "body")
    board = petition.board
    title = clean_text(f"[재민원] {petition.title}")[:MAX_TITLE]
    data = {
        "title": title,
        "body": text,
        "is_public": petition.is_public,
        "address": petition.address,
        "latitude": petition.latitude,
        "longitude": petition.longitude,
        "petitioner_name": petition.petitioner_name,
        "contact_email": petition.contact_email,
        "contact_phone": petition.contact_phone,
    }
    follow_up = _create(
        actor=actor,
        board=board,
        kind=petition.kind,
        data=data,
        category=petition.category,
        channel=Channel.WEB,
        user=petition.user,
        entered_by=None,
        received_at=_now(),
        idempotency_key=None,
        follow_up_of=petition,
        department=petition.department,
    )
    _event(
        petition,
        Stage.REOPENED,
        actor,
        note=_("재민원 #%(number)s 접수") % {"number": follow_up.pk},
    )
    if petition.status == Status.ANSWERED:
        petition.status = Status.CLOSED
        petition.closed_at = _now()
        petition.save(update_fields=["status", "closed_at", "updated_at"])
        _event(petition, Stage.CLOSED, actor)
    _after_create(follow_up)
    _audit(
        actor,
        "petitions.petition.reopen",
        follow_up,
        after={**_state(follow_up), "follow_up_of": petition.pk},
    )
    return follow_up


# --- groups of repeated and many-person petitions -------------------------------------------------


@transaction.atomic
def group_create(*, actor: User, petitions: Iterable[Petition], title: str) -> PetitionGroup:
    """Group near-duplicate open petitions of one organisation so they are answered once."""
    ids = sorted({p.pk for p in petitions})
    if len(ids) < 2:
        raise ValidationError({"petitions": _("두 건 이상의 민원을 고르세요.")})
    rows = list(Petition.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    organizations = {p.organization_id for p in rows}
    if len(rows) != len(ids) or len(organizations) != 1:
        raise ValidationError({"petitions": _("같은 기관의 민원만 묶을 수 있습니다.")})
    organization_id = organizations.pop()
    _require(permissions.can_group(actor, organization_id), _("민원을 묶을 권한이 없습니다."))
    for petition in rows:
        # Only petitions the actor may open (the case page's rule): a head of one department
        # must not bundle, and so read, private petitions of another.
        _require(
            permissions.can_handle(actor, petition),
            _("#%(number)s을(를) 묶을 권한이 없습니다.") % {"number": petition.pk},
        )
    # Shown on staff lists of the whole group: kept free of personal data like a public text.
    clean_title = public_text(_safe_text(title))
    if not clean_title:
        raise ValidationError({"title": _("제목을 입력하세요.")})
    if len(clean_title) > MAX_TITLE:
        raise ValidationError(
            {"title": _("제목은 %(max)s자 이내로 입력하세요.") % {"max": MAX_TITLE}}
        )
    for petition in rows:
        if petition.status not in OPEN_STATUSES or petition.status == Status.APPROVAL:
            raise ValidationError(
                {
                    "petitions": _(
                        "#%(number)s은(는) 처리가 끝났거나 결재 중이라 묶을 수 없습니다."
                    )
                    % {"number": petition.pk}
                }
            )
        if petition.group_id is not None:
            raise ValidationError(
                {
                    "petitions": _("#%(number)s은(는) 이미 다른 묶음에 있습니다.")
                    % {"number": petition.pk}
                }
            )
    categories = {p.category_id for p in rows}
    group = PetitionGroup.objects.create(
        organization_id=organization_id,
        title=clean_title,
        category_id=categories.pop() if len(categories) == 1 else None,
        created_by=actor,
    )
    for petition in rows:
        petition.group = group
        petition.save(update_fields=["group", "updated_at"])
        _event(petition, Stage.GROUPED, actor, internal_note=clean_title)
    audit_record(
        actor=actor,
        action="petitions.group.create",
        obj=group,
        organization=group.organization,
        after={"petitions": ids, "category": group.category_id},
    )
    return group


@transaction.atomic
def group_answer(
    *, actor: User, group: PetitionGroup, body: str, checklist: Sequence[str]
) -> list[Petition]:
    """One answer for every open petition of the group: each gets its own Answer, timeline and
    notifications. Where the kind allows 담당전결 the answer is sent at once; otherwise each goes
    to its approver."""
    petitions = list(
        Petition.objects.select_for_update()
        .filter(group=group, status__in=(Status.ASSIGNED, Status.IN_PROGRESS))
        .order_by("pk")
    )
    if not petitions:
        raise ValidationError(_("답변할 수 있는 민원이 이 묶음에 없습니다."))
    for petition in petitions:
        _require(
            permissions.can_work(actor, petition),
            _("#%(number)s을(를) 처리할 권한이 없습니다.") % {"number": petition.pk},
        )
    text = _answer_text(body)
    done = []
    for petition in petitions:
        answer_save(actor=actor, petition=petition, body=text)
        if permissions.self_approval_allowed(petition):
            answer_self_approve(actor=actor, petition=petition, checklist=checklist)
        else:
            answer_submit(actor=actor, petition=petition, checklist=checklist)
        petition.refresh_from_db()
        done.append(petition)
    audit_record(
        actor=actor,
        action="petitions.group.answer",
        obj=group,
        organization=group.organization,
        after={"petitions": [p.pk for p in done]},
    )
    return done


# --- the place ------------------------------------------------------------------------------


@transaction.atomic
def petition_place_publish(*, actor: User, petition: Petition, public: bool) -> Petition:
    """Whether public surfaces show the exact place (`public`: a street light, a road) or only
    the street and a point rounded to about 100 m (the default, and the rule for homes). Staff
    who may work on the petition, or intake staff."""
    petition = _lock(petition)
    _require(
        permissions.can_publish_place(actor, petition),
        _("이 민원의 위치 공개를 정할 권한이 없습니다."),
    )
    public = bool(public)
    if petition.place_public == public:
        return petition
    before = {**_state(petition), "place_public": petition.place_public}
    petition.place_public = public
    petition.save(update_fields=["place_public", "updated_at"])
    _audit(
        actor,
        "petitions.petition.place_publish",
        petition,
        before=before,
        after={**_state(petition), "place_public": public},
    )
    return petition


# --- contact data ----------------------------------------------------------------------------


@transaction.atomic
def contact_view(
    *, actor: User, petition: Petition, reason: str = "", request=None
) -> dict[str, str]:
    """The petitioner's name, e-mail and phone for staff who may handle the petition; every
    read is logged (`personal_data_access_record` for an account, the audit trail always)."""
    petition = Petition.objects.select_related("user", "organization").get(pk=petition.pk)
    _require(
        permissions.can_view_contact(actor, petition),
        _("이 민원인의 연락처를 볼 권한이 없습니다."),
    )
    purpose = clean_text(reason) or _("민원 처리")
    contact = {
        "name": petition.petitioner_name,
        "email": petition.contact_email,
        "phone": petition.contact_phone,
    }
    user = petition.user
    if user is not None:
        contact["name"] = contact["name"] or getattr(user, "display_name", "") or ""
        contact["email"] = contact["email"] or user.email or ""
        if not contact["phone"]:
            with contextlib.suppress(ObjectDoesNotExist):
                contact["phone"] = getattr(user.resident_profile, "phone", "") or ""
    from sotong.core.privacy.services import personal_data_access_record

    personal_data_access_record(
        actor=actor,
        subject=user,
        subject_label="" if user is not None else f"민원 #{petition.pk} 민원인",
        fields=[key for key, value in contact.items() if value] or ["name"],
        purpose=purpose[:200],
        obj=petition,
        request=request,
    )
    _audit(
        actor,
        "petitions.petition.contact_view",
        petition,
        after={"fields": [key for key, value in contact.items() if value]},
        reason=purpose[:200],
    )
    return contact


# --- settings (admin) -------------------------------------------------------------------------


def _settings_save(
    *, actor: User, obj: Any, organization_id: int, action: str, fields: Sequence[str]
) -> Any:
    if not permissions.can_manage_settings(actor, organization_id):
        raise PermissionDenied(_("이 기관의 민원 설정을 바꿀 권한이 없습니다."))
    before = None
    if obj.pk is not None:
        old = type(obj).objects.filter(pk=obj.pk).first()
        if old is not None:
            if not permissions.can_manage_settings(actor, old.organization_id):
                raise PermissionDenied(_("이 기관의 민원 설정을 바꿀 권한이 없습니다."))
            before = {name: _plain(getattr(old, name)) for name in fields}
    obj.full_clean()
    obj.save()
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        organization=obj.organization,
        before=before,
        after={name: _plain(getattr(obj, name)) for name in fields},
    )
    return obj


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    return value


BOARD_FIELDS = (
    "code",
    "name",
    "kinds",
    "posting",
    "public_by_default",
    "allow_private",
    "department",
    "chief_answers",
    "approver",
    "checklist",
    "reopen_days",
    "order",
    "active",
)
CATEGORY_FIELDS = ("code", "name", "keywords", "department", "order", "active")


def board_check(board: Board) -> None:
    """Rules of a board beyond its model fields (also used by the admin form)."""
    unknown = [kind for kind in board.kinds or [] if kind not in Kind.values]
    if not isinstance(board.kinds, list) or unknown:
        raise ValidationError(
            {"kinds": _("받는 종류는 질의·제안·고충·신고·상담·기타 중에서 고르세요.")}
        )
    if not isinstance(board.checklist, list) or not all(
        isinstance(item, str) and item.strip() for item in board.checklist
    ):
        raise ValidationError({"checklist": _("점검 항목은 글자로 된 목록이어야 합니다.")})
    if board.department_id and board.department.organization_id != board.organization_id:
        raise ValidationError({"department": _("접수 부서는 같은 기관의 부서여야 합니다.")})


@transaction.atomic
def board_save(*, actor: User, board: Board) -> Board:
    """Create or change a board (org managers)."""
    board_check(board)
    return _settings_save(
        actor=actor,
        obj=board,
        organization_id=board.organization_id,
        action="petitions.board.save",
        fields=BOARD_FIELDS,
    )


def category_check(category: Category) -> None:
    if category.department_id and category.department.organization_id != category.organization_id:
        raise ValidationError({"department": _("주 담당 부서는 같은 기관의 부서여야 합니다.")})


def kind_policy_check(kind_policy: KindPolicy) -> None:
    from sotong.core.calendar import Period

    try:
        Period.parse(kind_policy.period or "")
    except ValueError as exc:
        raise ValidationError(
            {"period": _("처리 기간은 '즉시', '3일', '14일', '2주', '1개월'처럼 입력하세요.")}
        ) from exc


@transaction.atomic
def category_save(*, actor: User, category: Category) -> Category:
    category_check(category)
    return _settings_save(
        actor=actor,
        obj=category,
        organization_id=category.organization_id,
        action="petitions.category.save",
        fields=CATEGORY_FIELDS,
    )


@transaction.atomic
def kind_policy_save(*, actor: User, kind_policy: KindPolicy) -> KindPolicy:
    kind_policy_check(kind_policy)
    return _settings_save(
        actor=actor,
        obj=kind_policy,
        organization_id=kind_policy.organization_id,
        action="petitions.kind_policy.save",
        fields=("kind", "period", "self_approval"),
    )


@transaction.atomic
def policy_save(*, actor: User, policy: Policy) -> Policy:
    return _settings_save(
        actor=actor,
        obj=policy,
        organization_id=policy.organization_id,
        action="petitions.policy.save",
        fields=("retention_days",),
    )


__all__ = [
    "MAX_BODY",
    "answer_approve",
    "answer_return",
    "answer_save",
    "answer_self_approve",
    "answer_submit",
    "approver_for",
    "board_check",
    "board_save",
    "category_check",
    "category_save",
    "contact_view",
    "group_answer",
    "group_create",
    "kind_policy_check",
    "kind_policy_save",
    "petition_accept",
    "petition_assign",
    "petition_close",
    "petition_extend",
    "petition_place_publish",
    "petition_rate",
    "petition_reassign",
    "petition_reopen",
    "petition_submit",
    "petition_transfer",
    "policy_save",
    "reopen_deadline",
]
