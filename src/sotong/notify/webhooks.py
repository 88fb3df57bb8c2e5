"""The SMS/KakaoTalk provider calls us back here (URLs under /notify/):

- ``hooks/solapi/report`` — delivery reports: a JSON list of ``{"eventDataId", "data":
  {"messageId", "statusCode", "dateReceived", "customFields": {"sotongKey": "d123"}, …}}``.
  "4000" (received) marks the delivery delivered, a 1xxx/3xxx code failed with our stable code
  (`transports.solapi.PROVIDER_CODES`); progress codes (2000, 3000) change nothing.
- ``hooks/solapi/inbound`` — text messages residents send to our number: a JSON list of
  ``{"eventDataId", "data": {"from", "to", "text", "dateReceived"}}``. A reply that says
  "수신거부" (or 거부, 중지, 해지, stop, unsubscribe) withdraws SMS and KakaoTalk from every
  subscription of that number (`subscriptions.subscriber_withdraw_phone`).

Both are authenticated by a shared secret (settings.SOLAPI_WEBHOOK_SECRET):
``X-Solapi-Timestamp`` (Unix seconds, at most `WEBHOOK_MAX_AGE_SECONDS` away) and
``X-Solapi-Signature`` = hex(HMAC-SHA256(secret, timestamp + "." + raw body)), as the fake
provider sends them. A wrong or stale signature is refused with 403 and
``{"error": {"code": "bad_signature", ...}}``; a body that is not JSON with 400 ``bad_json``, a
JSON of the wrong shape with 400 ``bad_payload``. Answers never contain personal data."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import re
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Delivery
from .transports.solapi import (
    ACCEPTED_CODES,
    DELIVERED_CODE,
    KEY_FIELD,
    provider_code,
    webhook_signature,
)

log = logging.getLogger(__name__)

WEBHOOK_MAX_AGE_SECONDS = 300
OPT_OUT_KEYWORDS = frozenset({"수신거부", "거부", "중지", "해지", "stop", "unsubscribe"})
_FINAL_FAILURE = re.compile(r"^[13]\d{3}$")


@dataclass(frozen=True)
class DeliveryReport:
    """What the provider finally knows of one message."""

    provider_message_id: str
    delivered: bool
    at: dt.datetime
    key: str = ""  # our idempotency key "d<id>", when the provider echoed it
    failure_code: str = ""
    detail: str = ""


def report_from_provider(event: dict[str, Any]) -> DeliveryReport | None:
    """A `DeliveryReport` from one event of the provider's report webhook, or None when the
    event is only progress (2000/3000) or unusable."""
    data = event.get("data") if isinstance(event.get("data"), dict) else event
    message_id = str(data.get("messageId") or "")
    code = str(data.get("statusCode") or "")
    if not message_id or not code or code in ACCEPTED_CODES:
        return None
    fields = data.get("customFields") if isinstance(data.get("customFields"), dict) else {}
    at = _parse_time(data.get("dateReceived") or data.get("dateReported")) or timezone.now()
    if code == DELIVERED_CODE:
        return DeliveryReport(message_id, True, at, key=str(fields.get(KEY_FIELD, "")))
    if _FINAL_FAILURE.match(code):
        return DeliveryReport(
            message_id,
            False,
            at,
            key=str(fields.get(KEY_FIELD, "")),
            failure_code=provider_code(code),
            detail=f"{code} {data.get('statusMessage') or ''}".strip()[:300],
        )
    return None


def _parse_time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else timezone.make_aware(parsed, dt.UTC)


def _delivery_id(key: str) -> int | None:
    if key.startswith("d") and key[1:].isdigit():
        return int(key[1:])
    return None


@transaction.atomic
def delivery_reports_apply(*, transport: str, reports: Iterable[DeliveryReport]) -> int:
    """Record the provider's delivery reports on the deliveries they are about; the number of
    deliveries changed.

    A delivery is found by its provider message id, or — when the report arrives before the
    pipeline committed that id — by our key echoed in customFields (and then only if it has no
    other provider id). Only deliveries still in flight (sending, sent) change: reports are
    idempotent, a delivered or failed row never moves back, and unknown ids are ignored.

    No audit record per message: a report is the provider's statement, not an actor's
    decision, and the delivery row itself (status, delivered_at, failure_code) is the record. A
    batch of reports is one transaction of a few UPDATEs, so thousands per second are fine."""
    reports = list(reports)
    if not reports:
        return 0
    in_flight = [Delivery.Status.SENDING, Delivery.Status.SENT]
    # The first final report of a message wins, within a batch as across batches.
    by_message: dict[str, DeliveryReport] = {}
    by_id: dict[int, DeliveryReport] = {}
    for report in reports:
        if report.provider_message_id:
            by_message.setdefault(report.provider_message_id, report)
        if (delivery_id := _delivery_id(report.key)) is not None:
            by_id.setdefault(delivery_id, report)
    rows = Delivery.objects.filter(
        Q(provider_message_id__in=list(by_message)) | Q(id__in=list(by_id)),
        status__in=in_flight,
    ).values_list("id", "provider_message_id", "transport")
    groups: dict[tuple, list[int]] = defaultdict(list)
    adopt: list[tuple[int, DeliveryReport]] = []
    for row_id, message_id, row_transport in rows:
        if row_transport and row_transport != transport:
            continue
        report = by_message.get(message_id) if message_id else None
        if report is None:
            report = by_id.get(row_id)
            if report is None or (message_id and message_id != report.provider_message_id):
                continue
        if not message_id:
            adopt.append((row_id, report))
            continue
        # One UPDATE per distinct outcome: reports of a batch share their second.
        at = report.at.replace(microsecond=0)
        groups[(report.delivered, at, report.failure_code, report.detail)].append(row_id)

    changed = 0
    for (delivered, at, code, detail), ids in groups.items():
        changed += _settle(
            Delivery.objects.filter(id__in=ids, status__in=in_flight), delivered, at, code, detail
        )
    for row_id, report in adopt:
        changed += _settle(
            Delivery.objects.filter(id=row_id, status__in=in_flight, provider_message_id=""),
            report.delivered,
            report.at,
            report.failure_code,
            report.detail,
            provider_message_id=report.provider_message_id,
        )
    return changed


def _settle(rows, delivered: bool, at, code: str, detail: str, **extra) -> int:
    if delivered:
        return rows.update(
            status=Delivery.Status.DELIVERED, delivered_at=at, lease_until=None, **extra
        )
    return rows.update(
        status=Delivery.Status.FAILED,
        failure_code=code[:40],
        failure_detail=detail[:300],
        lease_until=None,
        **extra,
    )


# --- views ----------------------------------------------------------------------------------


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _verified_events(request: HttpRequest) -> list[dict[str, Any]] | JsonResponse:
    """The events of a signed webhook body, or the error response to answer."""
    timestamp = request.headers.get("X-Solapi-Timestamp", "")
    signature = request.headers.get("X-Solapi-Signature", "")
    body = request.body
    try:
        fresh = abs(time.time() - int(timestamp)) <= WEBHOOK_MAX_AGE_SECONDS
    except ValueError:
        fresh = False
    expected = webhook_signature(settings.SOLAPI_WEBHOOK_SECRET, timestamp, body)
    if not fresh or not hmac.compare_digest(expected, signature.lower()):
        return _error(403, "bad_signature", _("서명이 맞지 않거나 오래된 요청입니다."))
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "bad_json", _("요청 본문이 JSON 형식이 아닙니다."))
    if isinstance(payload, dict):
        payload = [payload]
    if not isinstance(payload, list) or not all(isinstance(e, dict) for e in payload):
        return _error(400, "bad_payload", _("요청 본문은 사건 목록이어야 합니다."))
    return payload


@csrf_exempt
@require_POST
def solapi_report(request: HttpRequest) -> JsonResponse:
    events = _verified_events(request)
    if isinstance(events, JsonResponse):
        return events
    reports = [r for e in events if (r := report_from_provider(e)) is not None]
    applied = delivery_reports_apply(transport="solapi", reports=reports)
    return JsonResponse({"ok": True, "received": len(events), "applied": applied})


def is_opt_out(text: str) -> bool:
    """Whether a resident's reply asks to stop messages: the whole reply is one of the
    keywords once spaces and punctuation are gone ("수신 거부!", "STOP"), or it contains
    "수신거부" ("문자 수신거부합니다")."""
    normalized = unicodedata.normalize("NFKC", text or "").casefold()
    normalized = "".join(ch for ch in normalized if ch.isalnum())
    return normalized in OPT_OUT_KEYWORDS or "수신거부" in normalized


@csrf_exempt
@require_POST
def solapi_inbound(request: HttpRequest) -> JsonResponse:
    events = _verified_events(request)
    if isinstance(events, JsonResponse):
        return events
    from . import subscriptions

    withdrawn = 0
    for event in events:
        data = event.get("data") if isinstance(event.get("data"), dict) else event
        phone = str(data.get("from") or "")
        if not phone or not is_opt_out(str(data.get("text") or "")):
            continue
        try:
            withdrawn += subscriptions.subscriber_withdraw_phone(phone=phone, source="sms_reply")
        except ValidationError:
            continue  # a number we cannot read is nobody on our lists
    return JsonResponse({"ok": True, "received": len(events), "withdrawn": withdrawn})


urlpatterns = [
    path("hooks/solapi/report", solapi_report, name="hook_solapi_report"),
    path("hooks/solapi/inbound", solapi_inbound, name="hook_solapi_inbound"),
]
