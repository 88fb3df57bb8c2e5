"""Composing a campaign: create and change a draft, count its recipients."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sotong.core.audit import audit_record, changes_apply, diff

from ..models import Campaign, Template, channel_mask
from .common import CAMPAIGN_EDITABLE, _check_fields, _require_campaign_rights
from .validation import _campaign_record, _count, _validate_campaign

if TYPE_CHECKING:
    from sotong.accounts.models import User
    from sotong.org.models import Organization


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
    if "channels" in changes and not isinstance(changes["channels"], int):
        try:
            changes = {**changes, "channels": channel_mask(changes["channels"] or ())}
        except ValueError:
            raise ValidationError({"channels": [_("알 수 없는 채널입니다.")]}) from None
    # Not `audited_update`: `_validate_campaign` normalises (title, segment, variables), so what
    # changed is judged on the cleaned record, and the whole row is saved.
    changes_apply(row, changes)
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


def campaign_count(*, actor: User, campaign: Campaign) -> dict[str, int]:
    """The exact number of recipients (`subscribers`) and messages per channel the campaign
    would make now (`segments.segment_count`)."""
    _require_campaign_rights(actor, campaign.organization_id, campaign.kind)
    return _count(campaign)
