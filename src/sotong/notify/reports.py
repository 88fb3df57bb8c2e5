"""What a campaign achieved: recipients, sent, delivered, failed by reason, clicks on tracked
links and conversions — "told 207, acted 29 (14%)" — plus a time series for a chart and rows for
a CSV export. Counts only: no address, name or subscriber id leaves this module.

Everything is computed in the database with a fixed number of queries, whatever the size of the
campaign. A **conversion** is a recipient told (a delivery of theirs was sent) who performed the
campaign's `conversion_action` — as the same subscriber, or as the account the subscription
belongs to — between the moment their message was sent and `conversion_days` later. Each
recipient counts once, however many channels reached them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    Max,
    Min,
    OuterRef,
    Q,
    Value,
)
from django.db.models.functions import TruncDay, TruncHour
from django.utils.translation import gettext as _

from .conversions import action_label
from .models import Campaign, Channel, Click, ConversionEvent, Delivery

SEOUL = ZoneInfo("Asia/Seoul")
TOLD = (Delivery.Status.SENT, Delivery.Status.DELIVERED)
HOURLY_SPAN = timedelta(hours=48)


@dataclass(frozen=True)
class CampaignReport:
    campaign_id: int
    recipients: int  # distinct subscribers with a delivery
    deliveries: int
    by_status: dict[str, int]
    by_channel: dict[str, dict[str, int]]  # channel → status → count
    sent: int  # left the platform (sent or delivered)
    delivered: int
    failed: int
    failed_by_code: dict[str, int]
    clicks: int
    clicked_deliveries: int
    told: int  # distinct recipients with a sent message
    conversion_action: str = ""
    conversion_label: str = ""
    conversion_days: int = 0
    converted: int = 0
    series: list[dict[str, Any]] = field(default_factory=list)

    @property
    def conversion_rate(self) -> float | None:
        """Share of recipients told who acted (0–1), None without a goal or anyone told."""
        if not self.conversion_action or not self.told:
            return None
        return self.converted / self.told

    @property
    def conversion_percent(self) -> int | None:
        rate = self.conversion_rate
        return None if rate is None else round(rate * 100)


def _deliveries(campaign: Campaign):
    return Delivery.objects.filter(campaign_id=campaign.pk)


def conversions_count(campaign: Campaign) -> tuple[int, int]:
    """(told, converted) for the campaign's goal, in two queries."""
    told_rows = _deliveries(campaign).filter(
        status__in=TOLD, sent_at__isnull=False, subscriber__isnull=False
    )
    told = told_rows.values("subscriber_id").distinct().count()
    if not campaign.conversion_action or not told:
        return told, 0
    window_end = ExpressionWrapper(
        OuterRef("sent_at") + Value(timedelta(days=campaign.conversion_days)),
        output_field=DateTimeField(),
    )
    acted = ConversionEvent.objects.filter(
        Q(subscriber_id=OuterRef("subscriber_id"))
        | Q(user_id=OuterRef("subscriber__user_id"), user_id__isnull=False),
        action=campaign.conversion_action,
        at__gte=OuterRef("sent_at"),
        at__lte=window_end,
    )
    converted = told_rows.filter(Exists(acted)).values("subscriber_id").distinct().count()
    return told, converted


def campaign_series(campaign: Campaign, *, unit: str | None = None) -> list[dict[str, Any]]:
    """Messages sent and links clicked per hour (a campaign of up to two days) or per day, in
    Asia/Seoul time: `[{"at": datetime, "sent": n, "clicks": n}, …]` in time order."""
    sent_rows = _deliveries(campaign).filter(sent_at__isnull=False)
    if unit is None:
        bounds = sent_rows.aggregate(first=Min("sent_at"), last=Max("sent_at"))
        first, last = bounds["first"], bounds["last"]
        unit = "hour" if first is None or last - first <= HOURLY_SPAN else "day"
    trunc = TruncHour if unit == "hour" else TruncDay
    buckets: dict[datetime, dict[str, Any]] = {}
    for row in (
        sent_rows.annotate(bucket=trunc("sent_at", tzinfo=SEOUL))
        .values("bucket")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        buckets.setdefault(row["bucket"], {"at": row["bucket"], "sent": 0, "clicks": 0})
        buckets[row["bucket"]]["sent"] = row["n"]
    for row in (
        Click.objects.filter(delivery__campaign_id=campaign.pk)
        .annotate(bucket=trunc("at", tzinfo=SEOUL))
        .values("bucket")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        buckets.setdefault(row["bucket"], {"at": row["bucket"], "sent": 0, "clicks": 0})
        buckets[row["bucket"]]["clicks"] = row["n"]
    return [buckets[key] for key in sorted(buckets)]


def campaign_report(campaign: Campaign, *, series: bool = True) -> CampaignReport:
    """The report of one campaign (about ten queries, whatever its size)."""
    by_channel: dict[str, dict[str, int]] = {}
    by_status: dict[str, int] = {}
    for row in _deliveries(campaign).values("channel", "status").annotate(n=Count("pk")).order_by():
        by_channel.setdefault(row["channel"], {})[row["status"]] = row["n"]
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
    failed_by_code = {
        (row["failure_code"] or "unknown"): row["n"]
        for row in _deliveries(campaign)
        .filter(status=Delivery.Status.FAILED)
        .values("failure_code")
        .annotate(n=Count("pk"))
        .order_by("-n", "failure_code")
    }
    recipients = (
        _deliveries(campaign)
        .filter(subscriber__isnull=False)
        .values("subscriber_id")
        .distinct()
        .count()
    )
    clicks = Click.objects.filter(delivery__campaign_id=campaign.pk).aggregate(
        total=Count("pk"), deliveries=Count("delivery_id", distinct=True)
    )
    told, converted = conversions_count(campaign)
    sent = by_status.get(Delivery.Status.SENT, 0) + by_status.get(Delivery.Status.DELIVERED, 0)
    return CampaignReport(
        campaign_id=campaign.pk,
        recipients=recipients,
        deliveries=sum(by_status.values()),
        by_status=by_status,
        by_channel=by_channel,
        sent=sent,
        delivered=by_status.get(Delivery.Status.DELIVERED, 0),
        failed=by_status.get(Delivery.Status.FAILED, 0),
        failed_by_code=failed_by_code,
        clicks=clicks["total"] or 0,
        clicked_deliveries=clicks["deliveries"] or 0,
        told=told,
        conversion_action=campaign.conversion_action,
        conversion_label=action_label(campaign.conversion_action)
        if campaign.conversion_action
        else "",
        conversion_days=campaign.conversion_days if campaign.conversion_action else 0,
        converted=converted,
        series=campaign_series(campaign) if series else [],
    )


def campaign_report_rows(campaign: Campaign) -> list[list[str | int]]:
    """Rows for a CSV export: a header, then one row per channel, status and failure code with
    its count, then the totals (recipients, clicks, conversions). No personal data."""
    channel_names = dict(Channel.choices)
    status_names = dict(Delivery.Status.choices)
    rows: list[list[str | int]] = [
        [_("채널"), _("상태"), _("실패 사유"), _("건수")],
    ]
    for row in (
        _deliveries(campaign)
        .values("channel", "status", "failure_code")
        .annotate(n=Count("pk"))
        .order_by("channel", "status", "failure_code")
    ):
        rows.append(
            [
                str(channel_names.get(row["channel"], row["channel"])),
                str(status_names.get(row["status"], row["status"])),
                row["failure_code"] if row["status"] == Delivery.Status.FAILED else "",
                row["n"],
            ]
        )
    report = campaign_report(campaign, series=False)
    rows.append([_("합계"), _("받는 사람"), "", report.recipients])
    rows.append([_("합계"), _("링크 열람"), "", report.clicks])
    if report.conversion_action:
        rows.append([_("합계"), _("알린 사람"), "", report.told])
        rows.append([_("합계"), _("성과 행동"), report.conversion_label, report.converted])
    return rows
