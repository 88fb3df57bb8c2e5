"""The rules of a campaign's content, and the check before it may be scheduled or sent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sotong.core.audit import snapshot
from sotong.core.vocab import Interest

from .. import conversions, messages
from ..models import Campaign, Channel, Template, channels_of
from ..templating import Compiled, render_compiled, template_compile
from .common import (
    CAMPAIGN_FIELDS,
    CONVERSION_DAYS_MAX,
    _check_sms_text,
    _clean_context,
    _compile_into,
    _merge,
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
    errors: dict[str, list[str]] = {}
    if campaign.kind not in Campaign.Kind.values:
        raise ValidationError({"kind": [_("알 수 없는 발송 종류입니다.")]})
    _check_title_segment_channels(campaign, errors)
    allowed = _allowed_variables(campaign.kind)
    _check_texts(campaign, allowed, errors)
    _check_bodies(campaign, errors)
    campaign.kakao_variables = _clean_context(campaign.kakao_variables, "kakao_variables", errors)
    _check_kakao(campaign, allowed, errors)
    _check_conversion_and_digest(campaign, errors)
    if errors:
        raise ValidationError(errors)


def _check_title_segment_channels(campaign: Campaign, errors: dict[str, list[str]]) -> None:
    from ..segments import Segment

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


def _check_texts(campaign: Campaign, allowed: frozenset[str], errors: dict) -> None:
    """The subject and bodies compile, print only known variables, and the SMS text fits."""
    subject = _compile_into(campaign.subject or "", "subject", errors)
    body = _compile_into(campaign.body or "", "body", errors)
    sms_body = _compile_into(campaign.sms_body or "", "sms_body", errors)
    _check_variables(subject, allowed - {"digest"}, "subject", errors)
    _check_variables(body, allowed, "body", errors)
    _check_variables(sms_body, allowed, "sms_body", errors)
    if campaign.sms_body and sms_body is not None:
        _check_sms_text(campaign.sms_body, "sms_body", errors, promotional=campaign.promotional)


def _check_bodies(campaign: Campaign, errors: dict[str, list[str]]) -> None:
    """Each channel the campaign covers has a text to send (a newsletter may bring only its
    digest)."""
    needs = _campaign_channels(campaign)
    has_body = bool((campaign.body or "").strip())
    has_sms = bool((campaign.sms_body or "").strip())
    if campaign.kind == Campaign.Kind.EMERGENCY and not has_sms:
        errors.setdefault("sms_body", []).append(
            _("긴급 알림에는 문자 본문이 필요합니다(모든 휴대전화로 갑니다).")
        )
    elif campaign.kind != Campaign.Kind.NEWSLETTER:
        if Channel.EMAIL in needs and not has_body and not has_sms:
            errors.setdefault("body", []).append(_("이메일 본문을 입력하세요."))
        if Channel.SMS in needs and not has_sms:
            errors.setdefault("sms_body", []).append(_("문자 본문을 입력하세요."))


def _check_kakao(campaign: Campaign, allowed: frozenset[str], errors: dict) -> None:
    """An 알림톡 template usable by the organisation, with a value for each of its variables."""
    if not campaign.kakao_template_id:
        if Channel.KAKAO in channels_of(campaign.channels):
            errors.setdefault("kakao_template", []).append(
                _("알림톡으로 보내려면 알림톡 틀을 고르세요.")
            )
        return
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
        return
    compiled = _compile_into(template.body, "kakao_template", errors)
    if compiled is not None:
        given = set(campaign.kakao_variables)
        unknown = sorted(compiled.variables - allowed - given)
        if unknown:
            errors.setdefault("kakao_variables", []).append(
                _("알림톡 변수의 값을 입력하세요: %(names)s") % {"names": ", ".join(unknown)}
            )


def _check_conversion_and_digest(campaign: Campaign, errors: dict[str, list[str]]) -> None:
    newsletter = campaign.kind == Campaign.Kind.NEWSLETTER
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
    from ..segments import segment_count

    return segment_count(
        campaign.organization,
        campaign.segment,
        kind=campaign.kind,
        channels=campaign.channels or None,
        promotional=campaign.promotional,
    )


def _campaign_record(campaign: Campaign) -> dict[str, Any]:
    return snapshot(campaign, CAMPAIGN_FIELDS)
