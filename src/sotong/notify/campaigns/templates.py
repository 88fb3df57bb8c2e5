"""Templates: create, update, delete and preview (staff of the organisation; platform templates
superusers only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sotong.core.audit import audit_record, changes_apply, diff, snapshot

from .. import messages, permissions
from ..models import Campaign, Channel, Template
from .common import (
    KEY_RE,
    TEMPLATE_EDITABLE,
    TEMPLATE_FIELDS,
    Preview,
    _check_fields,
    _check_sms_text,
    _clean_context,
    _compile_into,
    _preview_render,
    _require,
    _sms_preview,
)

if TYPE_CHECKING:
    from sotong.accounts.models import User
    from sotong.org.models import Organization


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
        from ..transactional import _EVENTS

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
    # Not `audited_update`: what changed is judged on the cleaned record (`_validate_template`
    # normalises), a clash of key and channel is its own message, and `full_clean` is not run.
    changes_apply(
        row,
        {
            name: value.strip() if isinstance(value, str) and name != "body" else value
            for name, value in changes.items()
        },
    )
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


def template_preview(*, template: Template, context: Mapping[str, Any] | None = None) -> Preview:
    """The template rendered with its sample values (and the event's, and `context`). Missing
    variables are listed, not raised."""
    values: dict[str, Any] = {}
    organization_name = template.organization.name if template.organization_id else ""
    if template.kind == Template.Kind.TRANSACTIONAL:
        from ..transactional import _EVENTS

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
