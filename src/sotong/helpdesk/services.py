"""Every state change of helpers (민원도우미): a resident's request, its assignment by a
coordinator, the helper's contacts and result, the resident's satisfaction survey, and the
management of helpers. Keyword-only, transactional, permission-checked and audited
(`services.help.<verb>`; never personal data in before/after).

    requested ──assign──▶ assigned ──first contact──▶ in_progress ──complete──▶ done ─▶ survey
        └────────────── cancel (resident, while requested or assigned) ──────────▶ cancelled

Errors people can fix are `ValidationError` with Korean messages per field; a missing right is
`PermissionDenied`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sotong.accounts.types import Actor
from sotong.accounts.validators import normalize_phone
from sotong.core.audit import audit_record, changes_apply
from sotong.core.text import clean_text
from sotong.guide.models import Service
from sotong.helpdesk import permissions as perms
from sotong.helpdesk.models import HelpContact, Helper, HelpRequest, HelpSurvey
from sotong.notify.services import notification_send
from sotong.org.models import Organization, Staff

if TYPE_CHECKING:
    from sotong.accounts.models import User

__all__ = [
    "help_assign",
    "help_complete",
    "help_contact_add",
    "help_phone_view",
    "help_request_cancel",
    "help_request_create",
    "help_survey_submit",
    "helper_create",
    "helper_set_active",
    "helper_update",
]

Status = HelpRequest.Status
OPEN_STATUSES = (Status.REQUESTED, Status.ASSIGNED, Status.IN_PROGRESS)
MESSAGE_MAX = 2000
NOTE_MAX = 2000
RESULT_MAX = 2000
COMMENT_MAX = 1000
INTRODUCTION_MAX = Helper._meta.get_field("introduction").max_length
CAPACITY_MAX = 100


# --- small helpers ---------------------------------------------------------------------------


def _actor(actor: Actor) -> Actor:
    return actor if getattr(actor, "is_authenticated", False) else None


def _state(request: HelpRequest) -> dict[str, Any]:
    """What the audit trail keeps of a request: ids and states, never text nor the phone."""
    return {
        "status": request.status,
        "helper": request.helper_id,
        "outcome": request.outcome,
    }


def _audit(actor: Actor, verb: str, obj: Any, organization: Any, **kwargs: Any) -> None:
    audit_record(
        actor=_actor(actor),
        action=f"services.help.{verb}",
        obj=obj,
        organization=organization,
        **kwargs,
    )


def _locked(request: HelpRequest) -> HelpRequest:
    """The row again, locked for this transaction (two clicks do not both pass the checks)."""
    return (
        HelpRequest.objects.select_for_update(of=("self",))
        .select_related("organization", "helper__staff", "service")
        .get(pk=request.pk)
    )


def _link(name: str, pk: int) -> str:
    try:
        path = reverse(f"helpdesk:{name}", args=[pk])
    except NoReverseMatch:
        return ""
    return f"{getattr(settings, 'SITE_URL', '')}{path}"


def _subject(request: HelpRequest) -> str:
    if request.service_id is not None:
        return request.service.name[:60]
    if request.petition_id is not None:
        return _("민원 #%(number)s") % {"number": request.petition_id}
    return _("일반 도움")


def _context(request: HelpRequest, *, staff: bool, **extra: Any) -> dict[str, Any]:
    context = {
        "organization": request.organization.name,
        "number": request.pk,
        "subject": _subject(request),
        "url": _link("case" if staff else "detail", request.pk),
    }
    context.update(extra)
    return context


def _notify(event: str, recipient: Any, request: HelpRequest, key: str, **context: Any) -> None:
    if recipient is None or not recipient.is_active:
        return
    notification_send(
        event=event,
        recipient=recipient,
        context=context,
        organization=request.organization,
        ref=f"services.HelpRequest:{request.pk}",
        idempotency_key=f"services.help:{request.pk}:{key}"[:200],
    )


def coordinators(organization: Organization | int) -> list[Any]:
    """Users who coordinate helpers in `organization`: its active staff holding
    `helpdesk.coordinate_help` directly or through a group."""
    from django.contrib.auth.models import Permission

    org_id = organization if isinstance(organization, int) else organization.pk
    permission = Permission.objects.filter(
        content_type__app_label="helpdesk", codename="coordinate_help"
    ).first()
    if permission is None:
        return []
    staff = (
        Staff.objects.filter(organization_id=org_id, active=True, user__is_active=True)
        .filter(Q(user__user_permissions=permission) | Q(user__groups__permissions=permission))
        .select_related("user")
        .distinct()
        .order_by("pk")
    )
    return [member.user for member in staff]


def clean_phone(contact_method: str, contact_phone: str) -> str:
    """The normalised phone ('010-1234-5678'); required when the contact method is the phone."""
    raw = clean_text(contact_phone)
    if not raw:
        if contact_method == HelpRequest.ContactMethod.PHONE:
            raise ValidationError(
                {"contact_phone": _("전화로 연락받으려면 연락처(전화번호)를 입력하세요.")}
            )
        return ""
    try:
        return normalize_phone(raw)
    except ValidationError as error:
        raise ValidationError({"contact_phone": error.messages}) from error


# --- the resident ----------------------------------------------------------------------------


@transaction.atomic
def help_request_create(
    *,
    actor: User,
    organization: Organization | None,
    message: str,
    contact_method: str,
    contact_phone: str = "",
    service: Service | None = None,
    petition: Any = None,
) -> HelpRequest:
    """A resident asks for help with a service or a petition (their own), or in general. The
    organisation's coordinators are told."""
    if not perms.authenticated(actor):
        raise PermissionDenied(_("로그인한 주민만 도우미를 신청할 수 있습니다."))
    errors: dict[str, list[str]] = {}
    if petition is not None and petition.user_id != actor.pk:
        raise PermissionDenied(_("본인의 민원에 대해서만 도움을 신청할 수 있습니다."))
    if service is not None and not getattr(service, "published", True):
        errors.setdefault("service", []).append(_("공개되지 않은 서비스입니다."))
    if organization is None:
        organization = getattr(service, "organization", None) or getattr(
            petition, "organization", None
        )
    if organization is None:
        errors.setdefault("organization", []).append(_("도움을 받을 기관을 고르세요."))
    text = clean_text(message)
    if not text:
        errors.setdefault("message", []).append(_("도움 받고 싶은 내용을 입력하세요."))
    elif len(text) > MESSAGE_MAX:
        errors.setdefault("message", []).append(
            _("도움 받고 싶은 내용은 %(max)d자 이내로 입력하세요. (지금 %(count)d자)")
            % {"max": MESSAGE_MAX, "count": len(text)}
        )
    if contact_method not in HelpRequest.ContactMethod.values:
        errors.setdefault("contact_method", []).append(_("연락 방법을 고르세요."))
    phone = ""
    try:
        phone = clean_phone(contact_method, contact_phone)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    request = HelpRequest.objects.create(
        organization=organization,
        user=actor,
        service=service,
        petition=petition,
        message=text,
        contact_method=contact_method,
        contact_phone=phone,
    )
    _audit(
        actor,
        "create",
        request,
        organization,
        after={
            "status": request.status,
            "service": request.service_id,
            "petition": request.petition_id,
            "contact_method": contact_method,
            "has_phone": bool(phone),
        },
    )
    context = _context(request, staff=True)
    for user in coordinators(organization):
        _notify("services.help.requested", user, request, f"requested:u{user.pk}", **context)
    return request


@transaction.atomic
def help_request_cancel(*, actor: User, request: HelpRequest, reason: str = "") -> HelpRequest:
    """The resident withdraws a request that no helper has started on."""
    request = _locked(request)
    if not perms.is_owner(actor, request):
        raise PermissionDenied(_("본인의 신청만 취소할 수 있습니다."))
    if request.status not in (Status.REQUESTED, Status.ASSIGNED):
        raise ValidationError({"status": _("신청 또는 배정 상태인 요청만 취소할 수 있습니다.")})
    before = _state(request)
    request.status = Status.CANCELLED
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_at", "updated_at"])
    _audit(
        actor,
        "cancel",
        request,
        request.organization,
        before=before,
        after=_state(request),
        reason=clean_text(reason)[:200],
    )
    return request


@transaction.atomic
def help_survey_submit(
    *, actor: User, request: HelpRequest, satisfaction: int, kindness: int, comment: str = ""
) -> HelpSurvey:
    """The resident rates a finished request, once."""
    request = _locked(request)
    if not perms.is_owner(actor, request):
        raise PermissionDenied(_("본인의 신청만 평가할 수 있습니다."))
    if request.status != Status.DONE:
        raise ValidationError({"status": _("도움이 끝난 뒤에 만족도를 평가할 수 있습니다.")})
    if HelpSurvey.objects.filter(request=request).exists():
        raise ValidationError({"status": _("이미 만족도를 평가했습니다.")})
    errors: dict[str, list[str]] = {}
    scores = {}
    for field, value, label in (
        ("satisfaction", satisfaction, _("만족도")),
        ("kindness", kindness, _("친절도")),
    ):
        try:
            score = int(value)
        except (TypeError, ValueError):
            score = 0
        if not 1 <= score <= 5:
            errors[field] = [_("%(label)s는 1에서 5 사이로 고르세요.") % {"label": label}]
        scores[field] = score
    text = clean_text(comment)
    if len(text) > COMMENT_MAX:
        errors["comment"] = [_("의견은 %(max)d자 이내로 입력하세요.") % {"max": COMMENT_MAX}]
    if errors:
        raise ValidationError(errors)
    survey = HelpSurvey.objects.create(request=request, comment=text, **scores)
    _audit(
        actor,
        "survey",
        request,
        request.organization,
        after={**scores, "has_comment": bool(text)},
    )
    return survey


# --- the coordinator -------------------------------------------------------------------------


@transaction.atomic
def help_assign(*, actor: User, request: HelpRequest, helper: Helper) -> HelpRequest:
    """Assigns (or reassigns) an active helper of the request's organisation. Over the helper's
    capacity is allowed (the page warns: `queries_help.over_capacity`). The resident and the
    helper are told."""
    request = _locked(request)
    if not perms.can_coordinate(actor, request.organization_id):
        raise PermissionDenied(_("이 기관의 도우미를 배정할 권한이 없습니다."))
    if request.status not in OPEN_STATUSES:
        raise ValidationError(
            {"helper": _("끝나거나 취소된 요청에는 도우미를 배정할 수 없습니다.")}
        )
    helper = Helper.objects.select_related("staff__user").get(pk=helper.pk)
    if helper.organization_id != request.organization_id:
        raise ValidationError({"helper": _("이 기관의 도우미를 고르세요.")})
    if not helper.active or not helper.staff.active:
        raise ValidationError({"helper": _("활동 중인 도우미를 고르세요.")})
    if helper.pk == request.helper_id:
        raise ValidationError({"helper": _("이미 이 도우미가 맡고 있습니다.")})
    before = _state(request)
    reassign = request.helper_id is not None
    request.helper = helper
    request.assigned_by = perms.staff_of(actor)
    request.assigned_at = timezone.now()
    if request.status == Status.REQUESTED:
        request.status = Status.ASSIGNED
    request.save(update_fields=["helper", "assigned_by", "assigned_at", "status", "updated_at"])
    _audit(
        actor,
        "reassign" if reassign else "assign",
        request,
        request.organization,
        before=before,
        after=_state(request),
    )
    stamp = f"h{helper.pk}:{request.assigned_at:%Y%m%d%H%M%S%f}"
    _notify(
        "services.help.assigned_helper",
        helper.staff.user,
        request,
        f"assigned_helper:{stamp}",
        **_context(request, staff=True, helper=helper.staff.name),
    )
    if request.user_id is not None:
        _notify(
            "services.help.assigned",
            request.user,
            request,
            f"assigned:{stamp}",
            **_context(request, staff=False, helper=helper.staff.name),
        )
    return request


# --- the helper ------------------------------------------------------------------------------


@transaction.atomic
def help_contact_add(
    *, actor: User, request: HelpRequest, at: datetime, channel: str, note: str
) -> HelpContact:
    """The assigned helper records a contact; the first one moves assigned → in_progress."""
    request = _locked(request)
    if not perms.can_work(actor, request):
        raise PermissionDenied(_("이 요청을 맡은 도우미만 연락 기록을 남길 수 있습니다."))
    if request.status not in (Status.ASSIGNED, Status.IN_PROGRESS):
        raise ValidationError({"at": _("진행 중인 요청에만 연락 기록을 남길 수 있습니다.")})
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    if at is None:
        errors["at"] = [_("연락한 일시를 입력하세요.")]
    else:
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        if at > now + timedelta(minutes=5):
            errors["at"] = [_("연락한 일시는 미래일 수 없습니다.")]
        elif at < request.created_at - timedelta(minutes=5):
            errors["at"] = [_("연락한 일시는 신청일 이후여야 합니다.")]
    if channel not in HelpContact.Channel.values:
        errors["channel"] = [_("연락 방법을 고르세요.")]
    text = clean_text(note)
    if not text:
        errors["note"] = [_("연락한 내용을 입력하세요.")]
    elif len(text) > NOTE_MAX:
        errors["note"] = [_("내용은 %(max)d자 이내로 입력하세요.") % {"max": NOTE_MAX}]
    if errors:
        raise ValidationError(errors)
    contact = HelpContact.objects.create(
        request=request, at=at, channel=channel, note=text, by=perms.staff_of(actor)
    )
    before = _state(request)
    if request.status == Status.ASSIGNED:
        request.status = Status.IN_PROGRESS
        request.save(update_fields=["status", "updated_at"])
    _audit(
        actor,
        "contact",
        request,
        request.organization,
        before=before,
        after={**_state(request), "contact": contact.pk, "channel": channel},
    )
    return contact


@transaction.atomic
def help_complete(*, actor: User, request: HelpRequest, outcome: str, result: str) -> HelpRequest:
    """The assigned helper closes the request with its outcome and what was done (the resident
    reads the result); the resident is told, with the link to the survey."""
    request = _locked(request)
    if not perms.can_work(actor, request):
        raise PermissionDenied(_("이 요청을 맡은 도우미만 완료할 수 있습니다."))
    if request.status not in (Status.ASSIGNED, Status.IN_PROGRESS):
        raise ValidationError({"outcome": _("진행 중인 요청만 완료할 수 있습니다.")})
    errors: dict[str, list[str]] = {}
    if outcome not in HelpRequest.Outcome.values:
        errors["outcome"] = [_("결과를 고르세요.")]
    text = clean_text(result)
    if not text:
        errors["result"] = [_("신청인에게 알릴 결과 내용을 입력하세요.")]
    elif len(text) > RESULT_MAX:
        errors["result"] = [_("결과 내용은 %(max)d자 이내로 입력하세요.") % {"max": RESULT_MAX}]
    if (
        outcome
        and outcome != HelpRequest.Outcome.UNREACHABLE
        and not HelpContact.objects.filter(request=request).exists()
    ):
        errors.setdefault("outcome", []).append(
            _("연락 기록을 먼저 남기세요. 연락이 닿지 않았다면 결과를 '연락 안 됨'으로 고르세요.")
        )
    if errors:
        raise ValidationError(errors)
    before = _state(request)
    request.status = Status.DONE
    request.outcome = outcome
    request.result = text
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "outcome", "result", "closed_at", "updated_at"])
    _audit(actor, "complete", request, request.organization, before=before, after=_state(request))
    if request.user_id is not None:
        _notify(
            "services.help.done", request.user, request, "done", **_context(request, staff=False)
        )
    return request


@transaction.atomic
def help_phone_view(*, actor: User, request: HelpRequest, http_request=None) -> str:
    """The resident's phone for the assigned helper; every read is logged (개인정보 열람 기록
    and the audit trail)."""
    from sotong.core.privacy.services import personal_data_access_record

    request = HelpRequest.objects.select_related("helper__staff", "organization", "user").get(
        pk=request.pk
    )
    if not perms.can_view_phone(actor, request):
        raise PermissionDenied(_("이 신청인의 연락처를 볼 권한이 없습니다."))
    phone = request.contact_phone
    personal_data_access_record(
        actor=actor,
        subject=request.user,
        subject_label="" if request.user_id else f"도우미 신청 #{request.pk} 신청인",
        fields=["phone"],
        purpose=_("민원도우미 연락"),
        obj=request,
        request=http_request,
    )
    _audit(actor, "phone_view", request, request.organization, after={"fields": ["phone"]})
    return phone


# --- helpers (the people) --------------------------------------------------------------------


def _helper_fields(capacity: Any, introduction: Any) -> tuple[int, str]:
    errors: dict[str, list[str]] = {}
    try:
        number = int(capacity)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= CAPACITY_MAX:
        errors["capacity"] = [
            _("동시 담당 한도는 1에서 %(max)d 사이의 수로 입력하세요.") % {"max": CAPACITY_MAX}
        ]
    text = " ".join(clean_text(introduction).split())
    if len(text) > INTRODUCTION_MAX:
        errors["introduction"] = [
            _("소개는 %(max)d자 이내로 입력하세요.") % {"max": INTRODUCTION_MAX}
        ]
    if errors:
        raise ValidationError(errors)
    return number, text


@transaction.atomic
def helper_create(
    *, actor: User | None, staff: Staff, capacity: int = 10, introduction: str = ""
) -> Helper:
    """Makes an active member of staff a helper of their organisation (`actor=None`: the
    system, for the demo)."""
    if actor is not None and not perms.can_coordinate(actor, staff.organization_id):
        raise PermissionDenied(_("이 기관의 도우미를 관리할 권한이 없습니다."))
    if not staff.active:
        raise ValidationError({"staff": _("재직 중인 직원만 도우미로 지정할 수 있습니다.")})
    if Helper.objects.filter(staff=staff).exists():
        raise ValidationError({"staff": _("이미 도우미로 지정된 직원입니다.")})
    number, text = _helper_fields(capacity, introduction)
    helper = Helper.objects.create(
        staff=staff, organization_id=staff.organization_id, capacity=number, introduction=text
    )
    _audit(
        actor,
        "helper_create",
        helper,
        staff.organization,
        after={"staff": staff.pk, "capacity": number, "active": True},
    )
    return helper


@transaction.atomic
def helper_update(
    *,
    actor: User | None,
    helper: Helper,
    capacity: int | None = None,
    introduction: str | None = None,
    active: bool | None = None,
) -> Helper:
    """Changes a helper's capacity, introduction or activity (deactivate: `active=False`; their
    open requests stay theirs until a coordinator reassigns them)."""
    helper = (
        Helper.objects.select_for_update(of=("self",)).select_related("staff").get(pk=helper.pk)
    )
    if actor is not None and not perms.can_coordinate(actor, helper.organization_id):
        raise PermissionDenied(_("이 기관의 도우미를 관리할 권한이 없습니다."))
    number, text = _helper_fields(
        helper.capacity if capacity is None else capacity,
        helper.introduction if introduction is None else introduction,
    )
    if active and not helper.staff.active:
        raise ValidationError({"active": _("재직 중이 아닌 직원은 다시 활동하게 할 수 없습니다.")})
    before = {"capacity": helper.capacity, "active": helper.active, "introduction": "…"}
    # Not `audited_update`: the record hides the introduction as "…", not as diff's "***".
    changes: dict[str, Any] = {"capacity": number, "introduction": text}
    if active is not None:
        changes["active"] = bool(active)
    changed = changes_apply(helper, changes)
    if not changed:
        return helper
    helper.save(update_fields=changed)
    after = {"capacity": helper.capacity, "active": helper.active, "introduction": "…"}
    _audit(
        actor,
        "helper_update",
        helper,
        helper.organization,
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
    )
    return helper


def helper_set_active(*, actor: User | None, helper: Helper, active: bool) -> Helper:
    return helper_update(actor=actor, helper=helper, active=active)
