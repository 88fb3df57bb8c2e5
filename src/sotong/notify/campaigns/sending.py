"""Scheduling, sending now and cancelling a campaign; `_start` plans it and hands it to the
workers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sotong.core.audit import audit_record, diff

from ..models import Campaign, Delivery
from .common import DIGEST_DEFAULT_DAYS, _require_campaign_rights
from .compose import _locked
from .validation import _campaign_record, _check_ready

if TYPE_CHECKING:
    from sotong.accounts.models import User


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
    from ..digest import collect_items

    until = campaign.digest_until or now
    since = campaign.digest_since or until - timedelta(days=DIGEST_DEFAULT_DAYS)
    campaign.digest_items = collect_items(campaign.organization, since, until)
    campaign.digest_since, campaign.digest_until = since, until


def _start(campaign: Campaign, *, actor: User | None, now: datetime) -> Campaign:
    """Plan and hand over a locked campaign (the caller checked it may start)."""
    from .. import pipeline, planning

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
