"""Staff services of notify: templates and campaigns (compose, preview, count, schedule, send,
cancel), and the two system steps the scheduler and the pipeline drive
(`campaign_start_due`, `campaign_finish_check`).

Every change is keyword-only, transactional, permission-checked (`permissions.py`: campaigns
and templates need `notify.send_campaign` in the organisation; an emergency alert needs
`notify.send_emergency`) and audited. Errors people can fix are Korean `ValidationError`s, per
field where there is one.

A campaign's life: DRAFT (`campaign_create`, `campaign_update`) → SCHEDULED (`campaign_schedule`)
→ SENDING (`campaign_start_due` when its time comes, or `campaign_send_now`: planned — one
`Delivery` per recipient and channel — and handed to the workers) → SENT
(`campaign_finish_check`, when no delivery is left to send). DRAFT, SCHEDULED and SENDING may be
CANCELLED (`campaign_cancel`: deliveries not yet claimed by a worker are cancelled)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sotong.core.audit import audit_record, diff, snapshot
from sotong.core.vocab import Interest

from . import conversions, messages, permissions, sms
from .models import Campaign, Channel, Delivery, Template, channel_mask, channels_of
from .templating import Compiled, render_compiled, template_compile

if TYPE_CHECKING:
    from sotong.accounts.models import User
    from sotong.org.models import Organization

logger = logging.getLogger(__name__)

TEMPLATE_FIELDS = (
    "organization",
    "key",
    "kind",
    "channel",
    "name",
    "subject",
    "body",
    "kakao_template_code",
    "sample_context",
    "promotional",
    "active",
)
TEMPLATE_EDITABLE = (
    "name",
    "subject",
    "body",
    "kakao_template_code",
    "sample_context",
    "promotional",
    "active",
)
# What staff may change on a draft; the audit snapshot is these and the states the services set.
# (One list, so that a newly editable field is always saved and audited.)
CAMPAIGN_EDITABLE = (
    "kind",
    "title",
    "segment",
    "channels",
    "subject",
    "body",
    "sms_body",
    "kakao_template",
    "kakao_variables",
    "promotional",
    "conversion_action",
    "conversion_days",
    "digest_since",
    "digest_until",
    "digest_items",
)
CAMPAIGN_FIELDS = (
    *CAMPAIGN_EDITABLE,
    "status",
    "scheduled_at",
    "planned_count",
    "planned_at",
    "finished_at",
)
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
CONVERSION_DAYS_MAX = 365
# When a newsletter names no period, it carries the week before it starts.
DIGEST_DEFAULT_DAYS = 7
# Room left in an LMS for "(광고)[기관]" and the opt-out line of promotional messages.
PROMO_SMS_OVERHEAD = 60


# --- helpers --------------------------------------------------------------------------------


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("이 기관의 알림을 관리할 권한이 없습니다."))


def _require_campaign_rights(actor: User, organization_id: int, kind: str) -> None:
    if kind == Campaign.Kind.EMERGENCY:
        _require(
            permissions.can_send_emergency(actor, organization_id),
            _("긴급 알림을 보낼 권한이 없습니다."),
        )
    else:
        _require(permissions.can_manage_campaigns(actor, organization_id))


def _check_fields(changes: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")


def _merge(errors: dict[str, list[str]], exc: ValidationError, field_name: str) -> None:
    if hasattr(exc, "error_dict"):
        for key, values in exc.message_dict.items():
            errors.setdefault(key, []).extend(values)
    else:
        errors.setdefault(field_name, []).extend(exc.messages)


def _compile_into(text: str, field_name: str, errors: dict[str, list[str]]) -> Compiled | None:
    try:
        return template_compile(text)
    except ValidationError as exc:
        _merge(errors, exc, field_name)
        return None


def _check_sms_text(text: str, field_name: str, errors: dict, *, promotional: bool) -> None:
    try:
        sms.check_characters(text)
    except ValidationError as exc:
        _merge(errors, exc, field_name)
        return
    limit = sms.LMS_MAX_BYTES - (PROMO_SMS_OVERHEAD if promotional else 0)
    # The text as written (variables as their names): values usually are no longer.
    length = sms.byte_length(text)
    if length > limit:
        errors.setdefault(field_name, []).append(
            _(
                "문자는 %(max)d바이트(한글 약 %(half)d자)까지 보낼 수 있습니다. 지금 %(length)d바이트입니다."
            )
            % {"max": limit, "half": limit // 2, "length": length}
        )


def _clean_context(value: Any, field_name: str, errors: dict) -> dict:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        errors.setdefault(field_name, []).append(_("값은 이름과 값의 짝이어야 합니다."))
        return {}
    return {str(k): v for k, v in value.items()}


# --- templates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """A message as a recipient would see it, rendered with sample values. `missing` lists the
    variables without a value (shown as "[name]"); for SMS, `sms_bytes` and `sms_type`
    ("SMS"/"LMS", or "" when too long: then `error` says so)."""

    channel: str
    subject: str
    body: str
    missing: list[str] = field(default_factory=list)
    sms_bytes: int = 0
    sms_type: str = ""
    error: str = ""
    kakao_template_code: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def _template_record(template: Template) -> dict[str, Any]:
    return snapshot(template, TEMPLATE_FIELDS)


def _require_template_rights(actor: User, organization: Organization | int | None) -> None:
    if organization is None:
        # Platform templates (the defaults of every organisation): superusers only.
        _require(
            actor.is_authenticated and actor.is_active and actor.is_superuser,
            _("플랫폼 공통 틀은 관리자만 바꿀 수 있습니다."),
        )
    else:
        _require(permissions.can_manage_campaigns(actor, organization))


def _validate_template(template: Template) -> None:
    errors: dict[str, list[str]] = {}
    if not KEY_RE.match(template.key or ""):
        errors["key"] = [_("키는 영문 소문자, 숫자, 점(.), _, -로 80자까지 씁니다.")]
    if template.kind not in Template.Kind.values:
        errors["kind"] = [_("알 수 없는 종류입니다.")]
    if template.channel not in Channel.values:
        errors["channel"] = [_("알 수 없는 채널입니다.")]
    if not (template.name or "").strip():
        errors["name"] = [_("알림 틀 이름을 입력하세요.")]
    if not (template.body or "").strip():
        errors["body"] = [_("본문을 입력하세요.")]
    template.sample_context = _clean_context(template.sample_context, "sample_context", errors)
    if template.kind == Template.Kind.TRANSACTIONAL and "key" not in errors:
        from .transactional import _EVENTS

        if template.key not in _EVENTS:
            errors["key"] = [_("등록되지 않은 알림 종류입니다: %(key)s") % {"key": template.key}]
    _compile_into(template.subject or "", "subject", errors)
    body = _compile_into(template.body or "", "body", errors)
    if template.channel == Channel.EMAIL and not (template.subject or "").strip():
        errors.setdefault("subject", []).append(_("이메일 틀에는 제목이 필요합니다."))
    if template.channel in (Channel.SMS, Channel.KAKAO) and body is not None:
        _check_sms_text(template.body, "body", errors, promotional=template.promotional)
    if template.channel == Channel.KAKAO:
        if not (template.kakao_template_code or "").strip():
            errors.setdefault("kakao_template_code", []).append(
                _("알림톡 틀에는 승인받은 템플릿 코드가 필요합니다.")
            )
        if template.promotional:
            errors.setdefault("promotional", []).append(
                _("알림톡으로는 광고성 정보를 보낼 수 없습니다.")
            )
    if errors:
        raise ValidationError(errors)


def _save_template(template: Template) -> None:
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise ValidationError(
            {"key": [_("같은 키와 채널의 틀이 이미 있습니다.")]}, code="unique"
        ) from None


@transaction.atomic
def template_create(
    *,
    actor: User,
    organization: Organization | None,
    key: str,
    kind: str,
    channel: str,
    name: str,
    subject: str = "",
    body: str,
    kakao_template_code: str = "",
    sample_context: Mapping[str, Any] | None = None,
    promotional: bool = False,
) -> Template:
    _require_template_rights(actor, organization)
    template = Template(
        organization=organization,
        key=(key or "").strip(),
        kind=kind,
        channel=channel,
        name=(name or "").strip(),
        subject=(subject or "").strip(),
        body=body or "",
        kakao_template_code=(kakao_template_code or "").strip(),
        sample_context=dict(sample_context or {}),
        promotional=promotional,
    )
    _validate_template(template)
    _save_template(template)
    messages.clear_caches()
    audit_record(
        actor=actor,
        action="notify.template.create",
        obj=template,
        organization=organization,
        after=_template_record(template),
    )
    return template


@transaction.atomic
def template_update(*, actor: User, template: Template, **changes: Any) -> Template:
    _check_fields(changes, TEMPLATE_EDITABLE)
    _require_template_rights(actor, template.organization_id)
    row = Template.objects.select_for_update().get(pk=template.pk)
    before = _template_record(row)
    for name, value in changes.items():
        if isinstance(value, str) and name != "body":
            value = value.strip()
        setattr(row, name, value)
    _validate_template(row)
    after = _template_record(row)
    if before == after:
        return row
    _save_template(row)
    messages.clear_caches()
    old, new = diff(before, after)
    audit_record(
        actor=actor,
        action="notify.template.update",
        obj=row,
        organization=row.organization,
        before=old,
        after=new,
    )
    return row


@transaction.atomic
def template_delete(*, actor: User, template: Template) -> None:
    """Delete a template no campaign uses (a used one can be switched off: `active=False`)."""
    _require_template_rights(actor, template.organization_id)
    if Campaign.objects.filter(kakao_template_id=template.pk).exists():
        raise ValidationError(
            _("발송에 쓰인 틀은 지울 수 없습니다. 대신 사용하지 않음으로 바꾸세요."), code="in_use"
        )
    record = _template_record(template)
    audit_record(
        actor=actor,
        action="notify.template.delete",
        obj=template,
        organization=template.organization,
        before=record,
    )
    Template.objects.filter(pk=template.pk).delete()
    messages.clear_caches()


def _sms_preview(channel: str, subject: str, text: str, missing: list[str], **extra) -> Preview:
    length = sms.byte_length(text)
    try:
        kind = sms.message_type(text)
        error = ""
    except ValidationError as exc:
        kind, error = "", exc.messages[0]
    return Preview(
        channel=channel,
        subject=subject,
        body=text,
        missing=missing,
        sms_bytes=length,
        sms_type=kind,
        error=error,
        **extra,
    )


def _preview_render(text: str, context: Mapping[str, Any]) -> tuple[str, set[str]]:
    return render_compiled(template_compile(text), context, placeholder=True)


def template_preview(*, template: Template, context: Mapping[str, Any] | None = None) -> Preview:
    """The template rendered with its sample values (and the event's, and `context`). Missing
    variables are listed, not raised."""
    values: dict[str, Any] = {}
    organization_name = template.organization.name if template.organization_id else ""
    if template.kind == Template.Kind.TRANSACTIONAL:
        from .transactional import _EVENTS

        event = _EVENTS.get(template.key)
        if event is not None:
            values.update(event.sample_context)
        values.setdefault("organization", organization_name or _("시험구"))
    else:
        values.update(messages.sample_subscriber_context(organization_name or _("시험구")))
    values.update(template.sample_context or {})
    values.update(context or {})
    subject, missing_subject = _preview_render(template.subject or "", values)
    body, missing_body = _preview_render(template.body, values)
    missing = sorted(missing_subject | missing_body)
    if template.channel == Channel.EMAIL:
        if template.promotional:
            subject = messages.promotional_subject(subject)
        return Preview(channel=template.channel, subject=subject, body=body, missing=missing)
    if template.promotional:
        body = messages.promotional_sms(body, organization_name)
    return _sms_preview(
        template.channel,
        subject,
        body,
        missing,
        kakao_template_code=template.kakao_template_code,
    )


# --- campaigns: validation --------------------------------------------------------------------


def _allowed_variables(kind: str) -> frozenset[str]:
    if kind == Campaign.Kind.NEWSLETTER:
        return messages.NEWSLETTER_VARIABLES
    return messages.SUBSCRIBER_VARIABLES


def _check_variables(
    compiled: Compiled | None, allowed: Iterable[str], field_name: str, errors: dict
) -> None:
    if compiled is None:
        return
    unknown = sorted(compiled.variables - set(allowed))
    if unknown:
        errors.setdefault(field_name, []).append(
            _("알 수 없는 변수입니다: %(names)s. 쓸 수 있는 변수: %(allowed)s")
            % {"names": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}
        )


def _campaign_channels(campaign: Campaign) -> list[str]:
    """The channels a campaign's content must cover: its own, or for an emergency every one
    (an alert goes to every confirmed address)."""
    if campaign.kind == Campaign.Kind.EMERGENCY:
        chosen = channels_of(campaign.channels)
        channels = [Channel.EMAIL.value, Channel.SMS.value]
        if Channel.KAKAO in chosen or campaign.kakao_template_id:
            channels.append(Channel.KAKAO.value)
        return channels
    return channels_of(campaign.channels)


def _validate_campaign(campaign: Campaign) -> None:
    """Every rule of a campaign's content that does not depend on its recipients."""
    from .segments import Segment

    errors: dict[str, list[str]] = {}
    if campaign.kind not in Campaign.Kind.values:
        raise ValidationError({"kind": [_("알 수 없는 발송 종류입니다.")]})
    newsletter = campaign.kind == Campaign.Kind.NEWSLETTER
    emergency = campaign.kind == Campaign.Kind.EMERGENCY
    campaign.title = (campaign.title or "").strip()
    if not campaign.title:
        errors["title"] = [_("제목을 입력하세요.")]
    try:
        campaign.segment = Segment.from_json(
            campaign.segment, organization=campaign.organization
        ).to_json()
    except ValidationError as exc:
        _merge(errors, exc, "segment")
    chosen = channels_of(campaign.channels)
    if not chosen and not emergency:
        errors["channels"] = [_("보낼 채널을 하나 이상 고르세요.")]
    if campaign.promotional and emergency:
        errors["promotional"] = [_("긴급 알림은 광고성 정보일 수 없습니다.")]
    if campaign.promotional and Channel.KAKAO in chosen:
        errors.setdefault("channels", []).append(
            _("알림톡으로는 광고성 정보를 보낼 수 없습니다. 문자나 이메일을 고르세요.")
        )

    allowed = _allowed_variables(campaign.kind)
    subject = _compile_into(campaign.subject or "", "subject", errors)
    body = _compile_into(campaign.body or "", "body", errors)
    sms_body = _compile_into(campaign.sms_body or "", "sms_body", errors)
    _check_variables(subject, allowed - {"digest"}, "subject", errors)
    _check_variables(body, allowed, "body", errors)
    _check_variables(sms_body, allowed, "sms_body", errors)
    if campaign.sms_body and sms_body is not None:
        _check_sms_text(campaign.sms_body, "sms_body", errors, promotional=campaign.promotional)

    needs = _campaign_channels(campaign)
    has_body = bool((campaign.body or "").strip())
    has_sms = bool((campaign.sms_body or "").strip())
    if emergency and not has_sms:
        errors.setdefault("sms_body", []).append(
            _("긴급 알림에는 문자 본문이 필요합니다(모든 휴대전화로 갑니다).")
        )
    elif not newsletter:
        if Channel.EMAIL in needs and not has_body and not has_sms:
            errors.setdefault("body", []).append(_("이메일 본문을 입력하세요."))
        if Channel.SMS in needs and not has_sms:
            errors.setdefault("sms_body", []).append(_("문자 본문을 입력하세요."))

    campaign.kakao_variables = _clean_context(campaign.kakao_variables, "kakao_variables", errors)
    if campaign.kakao_template_id:
        template = campaign.kakao_template
        if (
            template.channel != Channel.KAKAO
            or template.kind != Template.Kind.CAMPAIGN
            or template.organization_id not in (None, campaign.organization_id)
            or not template.active
        ):
            errors.setdefault("kakao_template", []).append(
                _("이 기관에서 쓸 수 있는 발송용 알림톡 틀을 고르세요.")
            )
        else:
            compiled = _compile_into(template.body, "kakao_template", errors)
            if compiled is not None:
                given = set(campaign.kakao_variables)
                unknown = sorted(compiled.variables - allowed - given)
                if unknown:
                    errors.setdefault("kakao_variables", []).append(
                        _("알림톡 변수의 값을 입력하세요: %(names)s")
                        % {"names": ", ".join(unknown)}
                    )
    elif Channel.KAKAO in chosen:
        errors.setdefault("kakao_template", []).append(
            _("알림톡으로 보내려면 알림톡 틀을 고르세요.")
        )

    if campaign.conversion_action and not conversions.is_registered(campaign.conversion_action):
        errors["conversion_action"] = [_("등록되지 않은 성과 행동입니다.")]
    if not 1 <= (campaign.conversion_days or 0) <= CONVERSION_DAYS_MAX:
        errors["conversion_days"] = [
            _("성과 집계 기간은 1일부터 %(max)d일 사이입니다.") % {"max": CONVERSION_DAYS_MAX}
        ]
    campaign.digest_items = _clean_digest_items(campaign.digest_items, errors)
    if not newsletter and campaign.digest_items:
        errors["digest_items"] = [_("소식 모음은 소식지에만 담습니다.")]
    if not newsletter and (campaign.digest_since or campaign.digest_until):
        errors["digest_since"] = [_("소식 모음 기간은 소식지에만 정합니다.")]
    since, until = campaign.digest_since, campaign.digest_until
    if since and until and since >= until:
        errors["digest_until"] = [_("소식 모음 끝은 시작보다 뒤여야 합니다.")]
    if errors:
        raise ValidationError(errors)


DIGEST_ITEM_KEYS = {"title", "summary", "url", "interests", "published_at"}


def _clean_digest_items(items: Any, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Items staff chose for a newsletter: the shape `digest.DigestItem.to_json()` gives, with a
    title, an http(s) link and known interests; anything else is refused, not stored."""
    if not items:
        return []
    message = _("소식 모음 항목의 형식이 올바르지 않습니다.")
    if not isinstance(items, list):
        errors["digest_items"] = [message]
        return []
    cleaned = []
    for item in items:
        if (
            not isinstance(item, Mapping)
            or set(item) - DIGEST_ITEM_KEYS
            or not str(item.get("title") or "").strip()
            or not str(item.get("url") or "").startswith(("http://", "https://", "/"))
            or not set(item.get("interests") or ()) <= set(Interest.values)
        ):
            errors["digest_items"] = [message]
            return []
        cleaned.append(dict(item))
    return cleaned


def _worst_context(campaign: Campaign) -> dict[str, Any]:
    """The values every recipient is sure to have: the 동 only when the segment names 동s."""
    context: dict[str, Any] = {
        "organization": campaign.organization.name,
        "title": campaign.title,
        "unsubscribe_url": "https://x",
        "manage_url": "https://x",
        "digest": "…",
    }
    if (campaign.segment or {}).get("dongs"):
        context["dong"] = "…"
    return context


def _check_ready(campaign: Campaign) -> None:
    """Before a campaign may be scheduled or sent: its content is valid, every printed variable
    has a value for every recipient, and someone would receive it."""
    _validate_campaign(campaign)
    context = _worst_context(campaign)
    missing: set[str] = set()
    texts = [campaign.subject or campaign.title, campaign.body, campaign.sms_body]
    for text in texts:
        if text:
            missing |= render_compiled(template_compile(text), context)[1]
    if campaign.kakao_template_id:
        values = {**context, **campaign.kakao_variables}
        missing |= render_compiled(template_compile(campaign.kakao_template.body), values)[1]
    if missing:
        names = ", ".join(sorted(missing))
        message = _("값이 없는 변수가 있습니다: %(names)s") % {"names": names}
        if "dong" in missing:
            message += " " + _(
                "(행정동을 정하지 않은 구독자도 있습니다. {% if dong %}…{% endif %}로 감싸거나 "
                "대상을 행정동으로 좁히세요.)"
            )
        raise ValidationError(message, code="missing_variables")
    counts = _count(campaign)
    if not counts.get("subscribers"):
        raise ValidationError(_("받는 사람이 없습니다."), code="empty_segment")


def _count(campaign: Campaign) -> dict[str, int]:
    from .segments import segment_count

    return segment_count(
        campaign.organization,
        campaign.segment,
        kind=campaign.kind,
        channels=campaign.channels or None,
        promotional=campaign.promotional,
    )


def _campaign_record(campaign: Campaign) -> dict[str, Any]:
    return snapshot(campaign, CAMPAIGN_FIELDS)


# --- campaigns: staff services ------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    organization: Organization,
    kind: str,
    title: str,
    segment: Mapping[str, Any],
    channels: Iterable[str],
    subject: str = "",
    body: str = "",
    sms_body: str = "",
    kakao_template: Template | None = None,
    kakao_variables: Mapping[str, Any] | None = None,
    promotional: bool = False,
    conversion_action: str = "",
    conversion_days: int = 30,
    digest_since: datetime | None = None,
    digest_until: datetime | None = None,
    digest_items: list[Mapping[str, Any]] | None = None,
) -> Campaign:
    _require_campaign_rights(actor, organization.pk, kind)
    try:
        mask = channel_mask(channels or ())
    except ValueError:
        raise ValidationError({"channels": [_("알 수 없는 채널입니다.")]}) from None
    campaign = Campaign(
        organization=organization,
        kind=kind,
        title=title,
        segment=dict(segment or {}),
        channels=mask,
        subject=(subject or "").strip(),
        body=body or "",
        sms_body=(sms_body or "").strip(),
        kakao_template=kakao_template,
        kakao_variables=dict(kakao_variables or {}),
        promotional=promotional,
        conversion_action=conversion_action or "",
        conversion_days=conversion_days,
        digest_since=digest_since,
        digest_until=digest_until,
        digest_items=list(digest_items or []),
        created_by=actor,
    )
    _validate_campaign(campaign)
    campaign.save()
    audit_record(
        actor=actor,
        action="notify.campaign.create",
        obj=campaign,
        organization=organization,
        after=_campaign_record(campaign),
    )
    return campaign


def _locked(campaign: Campaign) -> Campaign:
    return (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("organization", "kakao_template")
        .get(pk=campaign.pk)
    )


@transaction.atomic
def campaign_update(*, actor: User, campaign: Campaign, **changes: Any) -> Campaign:
    """Change a draft. `channels` may be given as channel names."""
    _check_fields(changes, CAMPAIGN_EDITABLE)
    row = _locked(campaign)
    _require_campaign_rights(actor, row.organization_id, row.kind)
    if row.status != Campaign.Status.DRAFT:
        raise ValidationError(_("작성 중인 발송만 고칠 수 있습니다."), code="not_draft")
    if "kind" in changes:
        _require_campaign_rights(actor, row.organization_id, changes["kind"])
    before = _campaign_record(row)
    for name, value in changes.items():
        if name == "channels" and not isinstance(value, int):
            try:
                value = channel_mask(value or ())
            except ValueError:
                raise ValidationError({"channels": [_("알 수 없는 채널입니다.")]}) from None
        setattr(row, name, value)
    _validate_campaign(row)
    after = _campaign_record(row)
    if before == after:
        return row
    row.save()
    old, new = diff(before, after)
    audit_record(
        actor=actor,
        action="notify.campaign.update",
        obj=row,
        organization=row.organization,
        before=old,
        after=new,
    )
    return row


def _preview_digest(campaign: Campaign, now: datetime) -> list[dict[str, Any]]:
    if campaign.digest_items:
        return list(campaign.digest_items)
    from .digest import collect_items

    until = campaign.digest_until or now
    since = campaign.digest_since or until - timedelta(days=DIGEST_DEFAULT_DAYS)
    return collect_items(campaign.organization, since, until)


def campaign_preview(*, campaign: Campaign, now: datetime | None = None) -> dict[str, Preview]:
    """Each channel's message as a sample subscriber would get it (placeholders for missing
    values, listed in `missing`). A newsletter without collected items previews the items its
    period would collect now."""
    now = now or timezone.now()
    organization_name = campaign.organization.name
    context: dict[str, Any] = messages.sample_subscriber_context(organization_name, campaign.title)
    entries = None
    if campaign.kind == Campaign.Kind.NEWSLETTER:
        entries = messages._digest_entries(_preview_digest(campaign, now))
    previews: dict[str, Preview] = {}
    for channel in _campaign_channels(campaign):
        if channel == Channel.EMAIL:
            values = dict(context)
            if entries is not None:
                values["digest"] = messages.digest_text(entries)
            subject, missing_subject = _preview_render(campaign.subject or campaign.title, values)
            body_text = campaign.body or campaign.sms_body
            body, missing_body = _preview_render(body_text, values) if body_text else ("", set())
            if entries is not None and "digest" not in template_compile(body_text).variables:
                body = f"{body.rstrip()}\n\n{values['digest']}".strip()
            if campaign.promotional:
                subject = messages.promotional_subject(subject)
            body += messages.email_footer(
                organization_name=organization_name,
                unsubscribe_url=context["unsubscribe_url"],
                manage_url=context["manage_url"],
            )
            previews[channel] = Preview(
                channel=channel,
                subject=subject,
                body=body,
                missing=sorted(missing_subject | missing_body),
                headers=messages.list_headers(context["unsubscribe_url"]),
            )
            continue
        values = dict(context)
        if entries is not None:
            values["digest"] = messages._digest_sms(entries, sms.LMS_MAX_BYTES // 2)
        sms_source = campaign.sms_body or campaign.body
        text, missing = _preview_render(sms_source, values) if sms_source else ("", set())
        if entries is not None and "digest" not in template_compile(sms_source).variables:
            text = f"{(text or campaign.title).rstrip()}\n\n{values['digest']}"
        if channel == Channel.KAKAO and campaign.kakao_template_id and not campaign.promotional:
            template = campaign.kakao_template
            kakao_text, kakao_missing = _preview_render(
                template.body, {**values, **campaign.kakao_variables}
            )
            previews[channel] = _sms_preview(
                channel,
                campaign.title,
                kakao_text,
                sorted(kakao_missing | missing),
                kakao_template_code=template.kakao_template_code,
            )
            continue
        if campaign.promotional:
            text = messages.promotional_sms(text, organization_name)
        previews[channel] = _sms_preview(channel, campaign.title, text, sorted(missing))
    return previews


def campaign_count(*, actor: User, campaign: Campaign) -> dict[str, int]:
    """The exact number of recipients (`subscribers`) and messages per channel the campaign
    would make now (`segments.segment_count`)."""
    _require_campaign_rights(actor, campaign.organization_id, campaign.kind)
    return _count(campaign)


@transaction.atomic
def campaign_schedule(
    *, actor: User, campaign: Campaign, at: datetime, now: datetime | None = None
) -> Campaign:
    """Schedule a draft (or move a scheduled campaign) to `at`, after checking it is ready."""
    now = now or timezone.now()
    row = _locked(campaign)
    _require_campaign_rights(actor, row.organization_id, row.kind)
    if row.status not in (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED):
        raise ValidationError(_("이미 보냈거나 취소한 발송입니다."), code="not_draft")
    if at is None or at <= now:
        raise ValidationError(
            {"scheduled_at": [_("발송 예약 시각은 지금보다 뒤여야 합니다.")]}, code="past"
        )
    _check_ready(row)
    before = _campaign_record(row)
    row.status = Campaign.Status.SCHEDULED
    row.scheduled_at = at
    row.sent_by = actor
    row.save(update_fields=["status", "scheduled_at", "sent_by", "segment", "updated_at"])
    old, new = diff(before, _campaign_record(row))
    audit_record(
        actor=actor,
        action="notify.campaign.schedule",
        obj=row,
        organization=row.organization,
        before=old,
        after=new,
    )
    return row


def _collect_digest(campaign: Campaign, now: datetime) -> None:
    if campaign.kind != Campaign.Kind.NEWSLETTER or campaign.digest_items:
        return
    from .digest import collect_items

    until = campaign.digest_until or now
    since = campaign.digest_since or until - timedelta(days=DIGEST_DEFAULT_DAYS)
    campaign.digest_items = collect_items(campaign.organization, since, until)
    campaign.digest_since, campaign.digest_until = since, until


def _start(campaign: Campaign, *, actor: User | None, now: datetime) -> Campaign:
    """Plan and hand over a locked campaign (the caller checked it may start)."""
    from . import pipeline, planning

    before = _campaign_record(campaign)
    _collect_digest(campaign, now)
    if campaign.scheduled_at is None or campaign.scheduled_at > now:
        campaign.scheduled_at = now
    campaign.status = Campaign.Status.SENDING
    campaign.planned_at = now
    if actor is not None:
        campaign.sent_by = actor
    # Saved before planning: the deliveries render the campaign as it is now.
    campaign.save()
    campaign.planned_count = planning.campaign_plan(campaign, now=now)
    campaign.save(update_fields=["planned_count", "updated_at"])
    old, new = diff(before, _campaign_record(campaign))
    audit_record(
        actor=actor,
        action="notify.campaign.send",
        obj=campaign,
        organization=campaign.organization,
        before=old,
        after=new,
    )
    pipeline.wake_workers(urgent=campaign.kind == Campaign.Kind.EMERGENCY)
    return campaign


@transaction.atomic
def campaign_send_now(*, actor: User, campaign: Campaign, now: datetime | None = None) -> Campaign:
    """Check, plan and start sending at once (an emergency alert goes ahead of everything)."""
    now = now or timezone.now()
    row = _locked(campaign)
    _require_campaign_rights(actor, row.organization_id, row.kind)
    if row.status not in (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED):
        raise ValidationError(_("이미 보냈거나 취소한 발송입니다."), code="not_draft")
    _check_ready(row)
    if row.kind == Campaign.Kind.NEWSLETTER:
        _collect_digest(row, now)
        if not row.digest_items and not (row.body or row.sms_body).strip():
            raise ValidationError(_("이번 소식지에 실을 소식이 없습니다."), code="no_items")
    row.scheduled_at = now
    return _start(row, actor=actor, now=now)


@transaction.atomic
def campaign_cancel(
    *, actor: User, campaign: Campaign, reason: str, now: datetime | None = None
) -> Campaign:
    """Cancel a draft, a scheduled campaign, or the rest of one being sent: deliveries no worker
    has claimed yet are cancelled; those in a worker's hands finish."""
    now = now or timezone.now()
    row = _locked(campaign)
    _require_campaign_rights(actor, row.organization_id, row.kind)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("취소 사유를 입력하세요.")]})
    if row.status not in (
        Campaign.Status.DRAFT,
        Campaign.Status.SCHEDULED,
        Campaign.Status.SENDING,
    ):
        raise ValidationError(_("이미 끝났거나 취소한 발송입니다."), code="finished")
    before = _campaign_record(row)
    cancelled = 0
    if row.status == Campaign.Status.SENDING:
        cancelled = Delivery.objects.filter(
            campaign_id=row.pk, status=Delivery.Status.QUEUED
        ).update(
            status=Delivery.Status.CANCELLED,
            failure_code="cancelled",
            failure_detail="campaign cancelled",
        )
    row.status = Campaign.Status.CANCELLED
    row.finished_at = now
    row.save(update_fields=["status", "finished_at", "updated_at"])
    old, new = diff(before, _campaign_record(row))
    new["cancelled_deliveries"] = cancelled
    audit_record(
        actor=actor,
        action="notify.campaign.cancel",
        obj=row,
        organization=row.organization,
        before=old,
        after=new,
        reason=reason,
    )
    return row


# --- system steps ---------------------------------------------------------------------------------


def campaign_start_due(*, now: datetime | None = None) -> int:
    """Start every scheduled campaign whose time has come (the scheduler calls this every few
    seconds). Each starts in its own transaction, so one failing campaign does not hold up the
    others; returns how many started."""
    now = now or timezone.now()
    due = list(
        Campaign.objects.filter(
            status=Campaign.Status.SCHEDULED, scheduled_at__lte=now
        ).values_list("pk", flat=True)
    )
    started = 0
    for pk in due:
        try:
            with transaction.atomic():
                queryset = Campaign.objects.select_related("organization", "kakao_template")
                queryset = queryset.select_for_update(skip_locked=True, of=("self",))
                row = queryset.filter(pk=pk, status=Campaign.Status.SCHEDULED).first()
                if row is None:  # another scheduler took it, or it was cancelled
                    continue
                _start(row, actor=None, now=now)
                started += 1
        except Exception:
            logger.exception("notify: starting campaign %s failed", pk)
    return started


def campaign_finish_check(campaign: Campaign, *, now: datetime | None = None) -> bool:
    """SENDING → SENT when none of the campaign's deliveries is waiting or in a worker's hands.
    Returns whether it finished now."""
    if campaign.status != Campaign.Status.SENDING:
        return False
    pending = Delivery.objects.filter(
        campaign_id=campaign.pk, status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]
    )
    if pending.exists():
        return False
    now = now or timezone.now()
    with transaction.atomic():
        updated = Campaign.objects.filter(
            Q(pk=campaign.pk), Q(status=Campaign.Status.SENDING)
        ).update(status=Campaign.Status.SENT, finished_at=now, updated_at=now)
        if not updated:
            return False
        campaign.status = Campaign.Status.SENT
        campaign.finished_at = now
        audit_record(
            actor=None,
            action="notify.campaign.finish",
            obj=campaign,
            organization=campaign.organization,
            after={"status": Campaign.Status.SENT, "finished_at": now},
        )
    return True
