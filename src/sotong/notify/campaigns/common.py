"""What the template and campaign services share: the editable fields, the limits, the permission
checks, collecting per-field errors and the `Preview` of a message."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from .. import permissions, sms
from ..models import Campaign
from ..templating import Compiled, render_compiled, template_compile

if TYPE_CHECKING:
    from sotong.accounts.models import User


# The package's name, as when this was one module (log configuration and filters use it).
logger = logging.getLogger("sotong.notify.campaigns")

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
