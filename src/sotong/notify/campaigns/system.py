"""The two system steps the scheduler and the pipeline drive: starting due campaigns and
finishing sent ones."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sotong.core.audit import audit_record

from ..models import Campaign, Delivery
from .common import logger
from .sending import _start

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
