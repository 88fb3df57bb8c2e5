"""The provider's webhooks: delivery reports (signed, idempotent, never backwards) and inbound
SMS replies that withdraw consent."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.test import override_settings
from django.utils import timezone

from sotong.notify import transports
from sotong.notify.models import Channel, Consent, Delivery, Notification, Subscriber
from sotong.notify.testing import running_fake_provider, wait_until
from sotong.notify.transports.base import Outgoing
from sotong.notify.transports.solapi import webhook_headers
from sotong.notify.webhooks import DeliveryReport, delivery_reports_apply, is_opt_out

REPORT_URL = "/notify/hooks/solapi/report"
INBOUND_URL = "/notify/hooks/solapi/inbound"
SECRET = "test-webhook-secret"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.SOLAPI_WEBHOOK_SECRET = SECRET


def make_delivery(status=Delivery.Status.SENT, message_id="", **extra) -> Delivery:
    notification = Notification.objects.create(event="test.event", to_phone="01012345678")
    values = {
        "notification": notification,
        "channel": Channel.SMS,
        "priority": 10,
        "status": status,
        "transport": "solapi",
        "provider_message_id": message_id,
    }
    values.update(extra)
    return Delivery.objects.create(**values)


def event(message_id: str, code: str = "4000", key: str = "", received: str | None = None):
    return {
        "eventDataId": f"e-{message_id}-{code}",
        "data": {
            "messageId": message_id,
            "statusCode": code,
            "statusMessage": "시험",
            "to": "01012345678",
            "customFields": {"sotongKey": key} if key else {},
            "dateReceived": received or "2025-03-04T05:06:07.123Z",
        },
    }


def post(client, url, payload, *, secret=SECRET, timestamp=None, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = webhook_headers(secret, body, timestamp=timestamp)
    return client.post(
        url,
        data=body,
        content_type=headers.pop("Content-Type"),
        headers=headers,
    )


@pytest.mark.django_db
def test_report_marks_delivered_idempotently(client):
    delivery = make_delivery(message_id="M1")
    other = make_delivery(message_id="M2")
    response = post(client, REPORT_URL, [event("M1"), event("M2", "3018"), event("UNKNOWN")])
    assert response.status_code == 200
    assert response.json() == {"ok": True, "received": 3, "applied": 2}
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
    assert delivery.delivered_at == dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    other.refresh_from_db()
    assert (other.status, other.failure_code) == (Delivery.Status.FAILED, "unreachable")
    assert other.failure_detail.startswith("3018")
    # The same reports again change nothing.
    again = post(client, REPORT_URL, [event("M1"), event("M2", "3018")])
    assert again.json()["applied"] == 0


@pytest.mark.django_db
def test_report_never_moves_backwards(client):
    delivered = make_delivery(Delivery.Status.DELIVERED, "M1", delivered_at=timezone.now())
    failed = make_delivery(Delivery.Status.FAILED, "M2", failure_code="invalid_number")
    queued = make_delivery(Delivery.Status.QUEUED, "M3")
    response = post(client, REPORT_URL, [event("M1", "3018"), event("M2"), event("M3")])
    assert response.json()["applied"] == 0
    for row, status in ((delivered, "delivered"), (failed, "failed"), (queued, "queued")):
        row.refresh_from_db()
        assert row.status == status
    # Progress codes are not final: nothing changes.
    sent = make_delivery(message_id="M4")
    assert post(client, REPORT_URL, [event("M4", "3000")]).json()["applied"] == 0
    sent.refresh_from_db()
    assert sent.status == Delivery.Status.SENT


@pytest.mark.django_db
def test_report_before_the_pipeline_committed_is_found_by_key(client):
    """The report can overtake the worker's commit of the provider id: the key finds the row."""
    sending = make_delivery(Delivery.Status.SENDING, "")
    response = post(client, REPORT_URL, [event("M9", key=f"d{sending.pk}")])
    assert response.json()["applied"] == 1
    sending.refresh_from_db()
    assert sending.status == Delivery.Status.DELIVERED
    assert sending.provider_message_id == "M9"
    # A key never wins over another provider id already recorded.
    other = make_delivery(message_id="M10")
    assert post(client, REPORT_URL, [event("M11", key=f"d{other.pk}")]).json()["applied"] == 0
    # Nor over another transport's row.
    email = make_delivery(Delivery.Status.SENDING, "", channel=Channel.EMAIL, transport="smtp")
    assert post(client, REPORT_URL, [event("M12", key=f"d{email.pk}")]).json()["applied"] == 0


@pytest.mark.django_db
def test_delivery_reports_apply_directly():
    rows = [make_delivery(message_id=f"M{i}") for i in range(3)]
    at = timezone.now()
    reports = [DeliveryReport(f"M{i}", True, at) for i in range(3)]
    reports.append(DeliveryReport("M0", False, at, failure_code="expired"))  # late duplicate
    assert delivery_reports_apply(transport="solapi", reports=reports) == 3
    assert {r.status for r in Delivery.objects.filter(pk__in=[r.pk for r in rows])} == {"delivered"}
    assert delivery_reports_apply(transport="solapi", reports=[]) == 0


@pytest.mark.django_db
def test_bad_requests_are_refused_with_json(client):
    make_delivery(message_id="M1")
    wrong = post(client, REPORT_URL, [event("M1")], secret="not-it")
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "bad_signature"
    stale = post(client, REPORT_URL, [event("M1")], timestamp=str(int(time.time()) - 3600))
    assert stale.status_code == 403
    unsigned = client.post(REPORT_URL, data=b"[]", content_type="application/json")
    assert unsigned.status_code == 403
    bad_json = post(client, REPORT_URL, None, raw=b"{not json")
    assert (bad_json.status_code, bad_json.json()["error"]["code"]) == (400, "bad_json")
    bad_shape = post(client, REPORT_URL, [1, 2])
    assert (bad_shape.status_code, bad_shape.json()["error"]["code"]) == (400, "bad_payload")
    assert client.get(REPORT_URL).status_code == 405
    assert Delivery.objects.get().status == Delivery.Status.SENT
    inbound = post(client, INBOUND_URL, [], secret="not-it")
    assert inbound.status_code == 403


@pytest.mark.parametrize(
    "text",
    [
        "수신거부",
        "수신 거부",
        " 거부 ",
        "중지!",
        "해지",
        "STOP",
        "Unsubscribe",
        "문자 수신거부합니다",
    ],
)
def test_opt_out_keywords(text):
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["", "감사합니다", "거부하지 않아요 좋아요", "stop by"])
def test_not_opt_out(text):
    assert not is_opt_out(text)


def inbound(phone: str, text: str) -> list[dict]:
    return [{"eventDataId": "e1", "data": {"from": phone, "to": "0212345678", "text": text}}]


@pytest.mark.django_db
def test_inbound_reply_withdraws_phone_channels(client, subscriber_factory):
    subscriber = subscriber_factory(phone="01012345678", channels=("email", "sms", "kakao"))
    keep = subscriber_factory(phone="01087654321", channels=("sms",))
    assert post(client, INBOUND_URL, inbound("01087654321", "고맙습니다")).json()["withdrawn"] == 0
    response = post(client, INBOUND_URL, inbound("010-1234-5678", "수신 거부"))
    assert response.status_code == 200
    assert response.json() == {"ok": True, "received": 1, "withdrawn": 1}
    subscriber.refresh_from_db()
    assert subscriber.channels == 1  # e-mail only
    assert subscriber.status == Subscriber.Status.ACTIVE
    withdrawals = Consent.objects.filter(subscriber=subscriber, granted=False)
    assert {(c.channel, c.source) for c in withdrawals} == {
        ("sms", "sms_reply"),
        ("kakao", "sms_reply"),
    }
    keep.refresh_from_db()
    assert keep.channels == 2
    # Unknown or unreadable numbers are nobody.
    assert post(client, INBOUND_URL, inbound("01000000000", "stop")).json()["withdrawn"] == 0
    assert post(client, INBOUND_URL, inbound("+1 555 0100", "stop")).json()["withdrawn"] == 0


@pytest.mark.django_db(transaction=True)
def test_reports_from_the_fake_provider_reach_the_deliveries(live_server):
    """End to end: the fake provider's signed report webhook settles real rows."""
    rows = [make_delivery(Delivery.Status.SENDING, "") for _ in range(3)]
    with (
        running_fake_provider(
            report_url=live_server.url + REPORT_URL, report_delay=0.05
        ) as provider,
        override_settings(**provider.settings()),
    ):
        transport = transports.transport_for("sms")
        batch = [
            Outgoing(delivery_id=r.pk, key=f"d{r.pk}", channel="sms", to="01012345678", body="안녕")
            for r in rows
        ]
        outcomes = transport.send(batch)
        # The worker's commit, possibly after some reports already arrived.
        for outcome in outcomes:
            Delivery.objects.filter(pk=outcome.delivery_id, status="sending").update(
                status="sent", provider_message_id=outcome.provider_message_id
            )
        provider.wait_for_reports(3)
        wait_until(
            lambda: Delivery.objects.filter(status="delivered").count() == 3,
            timeout=10,
            message="reports did not settle the deliveries",
        )
    ids = {o.delivery_id: o.provider_message_id for o in outcomes}
    for row in Delivery.objects.all():
        assert row.provider_message_id == ids[row.pk]
