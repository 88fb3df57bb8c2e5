"""Staff pages of notify: a campaign's report (numbers, per channel, over time, failures by reason,
the funnel chart) and the same as CSV. Aggregates only, never a person. Access rules and shared
helpers are in `views_staff`."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import queries, reports
from .models import Channel, Delivery
from .views_staff import _campaign_crumbs, staff_page

# Korean labels of the failure codes a report may show (`messages.Unsendable`, transports,
# provider reports). An unknown code is shown as it is.
FAILURE_LABELS = {
    # messages.Unsendable
    "unsubscribed": gettext_lazy("구독 해지"),
    "channel_withdrawn": gettext_lazy("받는 방법 철회"),
    "no_address": gettext_lazy("확인된 연락처 없음"),
    "no_promo_consent": gettext_lazy("광고성 정보 수신 동의 없음"),
    "cancelled": gettext_lazy("발송 취소"),
    "missing_variable": gettext_lazy("값이 없는 자리(변수)"),
    "missing_variables": gettext_lazy("값이 없는 자리(변수)"),
    "too_long": gettext_lazy("문자 길이 초과"),
    "no_content": gettext_lazy("보낼 내용 없음"),
    "no_items": gettext_lazy("소식 모음에 실을 소식 없음"),
    "template_error": gettext_lazy("알림 틀 오류"),
    "unknown_event": gettext_lazy("알 수 없는 알림 종류"),
    "build_error": gettext_lazy("메시지 작성 오류"),
    # transports and provider reports
    "invalid_number": gettext_lazy("잘못된 번호"),
    "not_kakao_user": gettext_lazy("카카오톡 미사용자"),
    "template_mismatch": gettext_lazy("알림톡 틀 불일치"),
    "sender_unregistered": gettext_lazy("등록되지 않은 발신번호"),
    "sender_refused": gettext_lazy("발신자 거부"),
    "recipient_refused": gettext_lazy("받는 주소 거부"),
    "recipient_deferred": gettext_lazy("받는 서버가 보류함"),
    "data_refused": gettext_lazy("메일 서버가 거부함"),
    "bad_message": gettext_lazy("잘못된 메시지"),
    "retries_exhausted": gettext_lazy("재시도 횟수 초과"),
    "timeout": gettext_lazy("응답 시간 초과"),
    "connection_error": gettext_lazy("연결 오류"),
    "transport_down": gettext_lazy("발송 업체 장애"),
    "transport_error": gettext_lazy("발송 업체 오류"),
    "no_transport": gettext_lazy("발송 수단 없음"),
    "reconcile_failed": gettext_lazy("발송 확인 실패"),
    "lost_lease": gettext_lazy("작업 중단"),
    "no_outcome": gettext_lazy("결과 없음"),
}


def failure_label(code: str) -> str:
    label = FAILURE_LABELS.get(code)
    if label is not None:
        return str(label)
    if code.startswith("http_"):
        return _("발송 업체 응답 오류 (%(status)s)") % {"status": code[5:]}
    return code or _("알 수 없음")


@staff_page
def campaign_report(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = queries.campaign_for_user(request.user, pk)
    report = reports.campaign_report(campaign)
    pending = report.by_status.get(Delivery.Status.QUEUED, 0) + report.by_status.get(
        Delivery.Status.SENDING, 0
    )
    numbers = {
        "recipients": report.recipients,
        "deliveries": report.deliveries,
        "sent": report.sent,
        "delivered": report.delivered,
        "failed": report.failed,
        "skipped": report.by_status.get(Delivery.Status.SKIPPED, 0),
        "cancelled": report.by_status.get(Delivery.Status.CANCELLED, 0),
        "pending": pending,
        "clicks": report.clicks,
        "clicked_deliveries": report.clicked_deliveries,
        "told": report.told,
        "conversion_action": report.conversion_action,
        "conversion_label": report.conversion_label,
        "conversion_days": report.conversion_days,
        "conversions": report.converted,
        "rate": report.conversion_percent or 0,
    }
    by_channel = []
    for channel in Channel.values:
        statuses = report.by_channel.get(channel)
        if not statuses:
            continue
        by_channel.append(
            {
                "label": Channel(channel).label,
                "total": sum(statuses.values()),
                "sent": statuses.get(Delivery.Status.SENT, 0)
                + statuses.get(Delivery.Status.DELIVERED, 0),
                "delivered": statuses.get(Delivery.Status.DELIVERED, 0),
                "failed": statuses.get(Delivery.Status.FAILED, 0),
            }
        )
    context = {
        "campaign": campaign,
        "numbers": numbers,
        "by_channel": by_channel,
        "series": report.series,
        "failures": [(failure_label(code), n) for code, n in report.failed_by_code.items()],
        "chart": funnel_chart(numbers),
        "current_organization": campaign.organization,
        "crumbs": _campaign_crumbs(campaign, (_("결과"), "")),
    }
    return render(request, "notify/staff/campaign_report.html", context)


def funnel_chart(numbers: dict[str, Any]) -> dict[str, Any]:
    """Geometry of the funnel bar chart (messages → sent → delivered → clicked, then people
    told → acted when the campaign has a goal), for a server-rendered SVG."""
    steps = [
        (_("메시지"), numbers["deliveries"]),
        (_("발송됨"), numbers["sent"]),
        (_("도달"), numbers["delivered"]),
        (_("링크를 연 메시지"), numbers["clicked_deliveries"]),
    ]
    if numbers["conversion_action"]:
        steps += [
            (_("알린 사람"), numbers["told"]),
            (_("행동한 사람"), numbers["conversions"]),
        ]
    top = max((value for _label, value in steps), default=0) or 1
    bar_height, gap, label_width, width = 28, 12, 150, 640
    usable = width - label_width - 70
    bars = []
    for index, (label, value) in enumerate(steps):
        bar_width = round(usable * value / top, 1)
        y = index * (bar_height + gap)
        bars.append(
            {
                "label": label,
                "value": value,
                "y": y,
                "text_y": y + bar_height / 2 + 5,
                "width": bar_width,
                "value_x": label_width + bar_width + 8,
            }
        )
    return {
        "bars": bars,
        "width": width,
        "height": len(steps) * (bar_height + gap),
        "bar_height": bar_height,
        "label_width": label_width,
    }


@staff_page
def campaign_report_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as CSV: UTF-8 with a BOM (so Excel opens Korean), aggregates only."""
    campaign = queries.campaign_for_user(request.user, pk)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for index, row in enumerate(reports.campaign_report_rows(campaign)):
        if index and row[2]:
            # Failure codes as staff read them on the page.
            row = [*row[:2], failure_label(str(row[2])), *row[3:]]
        writer.writerow(row)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-report.csv"'
    return response


urlpatterns = [
    path("staff/campaigns/<int:pk>/report", campaign_report, name="staff_campaign_report"),
    path(
        "staff/campaigns/<int:pk>/report.csv", campaign_report_csv, name="staff_campaign_report_csv"
    ),
]
