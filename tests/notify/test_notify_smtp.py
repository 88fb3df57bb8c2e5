"""The SMTP transport against a real SMTP server (aiosmtpd): stable Message-ID, list headers,
HTML alternative, refused recipients, one outcome per message as the server answers."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from sotong.notify import transports
from sotong.notify.testing import free_port, running_smtp_server
from sotong.notify.transports.base import Outgoing, TransportError
from sotong.notify.transports.smtp import SmtpTransport, message_id

UNSUBSCRIBE = {
    "List-Unsubscribe": "<https://sotong.example/notify/unsubscribe/abc>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def mail(i: int, to: str | None = None, **extra) -> Outgoing:
    values = {
        "delivery_id": i,
        "key": f"d{i}",
        "channel": "email",
        "to": to or f"sub{i}@example.kr",
        "subject": "[시험구] 이번 주 소식",
        "body": "안녕하세요. 이번 주 소식입니다.",
        "headers": dict(UNSUBSCRIBE),
    }
    values.update(extra)
    return Outgoing(**values)


@pytest.fixture
def smtp():
    with running_smtp_server() as sink, override_settings(**sink.settings()):
        yield sink


def test_message_id_is_stable_and_keyed():
    first = message_id("d123", "sotong.local")
    assert re.fullmatch(r"<d123\.[0-9a-f]{12}@sotong\.local>", first)
    assert message_id("d123", "sotong.local") == first
    assert message_id("d124", "sotong.local") != first
    with override_settings(SECRET_KEY="another-secret-key-for-this-test-only-0123456789"):
        assert message_id("d123", "sotong.local") != first


def test_sends_with_headers_and_alternative(smtp):
    transport = transports.transport_for("email")
    assert isinstance(transport, SmtpTransport) and not transport.reconcilable
    outcomes = transport.send([mail(1), mail(2, html="<p>안녕하세요.</p>")])
    assert [(o.delivery_id, o.status) for o in outcomes] == [(1, "sent"), (2, "sent")]
    received = smtp.wait_for_messages(2)
    first, second = received
    assert first["Message-ID"] == message_id("d1") == outcomes[0].provider_message_id
    assert first["Message-ID"].endswith("@sotong.local>")
    assert first["Subject"] == "[시험구] 이번 주 소식"
    assert first["To"] == "sub1@example.kr"
    assert first["List-Unsubscribe"] == UNSUBSCRIBE["List-Unsubscribe"]
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert first.get_content_type() == "text/plain"
    assert "이번 주 소식입니다" in first.get_content()
    assert second.get_content_type() == "multipart/alternative"
    assert second.get_body(("html",)).get_content().strip() == "<p>안녕하세요.</p>"
    # A retry carries the same Message-ID, so a receiver can drop the repeat.
    transport.send([mail(1)])
    assert smtp.wait_for_messages(3)[2]["Message-ID"] == first["Message-ID"]
    assert [rcpts for _, rcpts in smtp.envelopes()] == [
        ["sub1@example.kr"],
        ["sub2@example.kr"],
        ["sub1@example.kr"],
    ]


def test_refused_recipients(smtp):
    smtp.refuse("gone@example.kr", 550)
    smtp.refuse("full@example.kr", 452)
    outcomes = transports.transport_for("email").send(
        [mail(1, to="gone@example.kr"), mail(2), mail(3, to="full@example.kr"), mail(4)]
    )
    result = {o.delivery_id: (o.status, o.code) for o in outcomes}
    assert result == {
        1: ("permanent", "recipient_refused"),
        2: ("sent", ""),
        3: ("temporary", "recipient_deferred"),
        4: ("sent", ""),
    }
    assert "gone@example.kr" not in outcomes[0].detail
    assert len(smtp.messages()) == 2


def test_send_each_yields_after_each_acceptance(smtp):
    """The pipeline commits each e-mail right after the server's 250: the generator hands out
    an outcome when (and only when) that message is at the server."""
    stream = transports.transport_for("email").send_each([mail(1), mail(2), mail(3)])
    first = next(stream)
    assert first.delivery_id == 1 and first.status == "sent"
    assert len(smtp.messages()) == 1
    assert next(stream).delivery_id == 2
    assert len(smtp.messages()) == 2
    stream.close()  # the caller stops (e.g. its time is up): the third is never sent
    assert len(smtp.messages()) == 2


def test_no_server_is_a_transport_error():
    port = free_port()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_TIMEOUT=2,
    ):
        transport = transports.transport_for("email")
        with pytest.raises(TransportError) as caught:
            transport.send([mail(1)])
        assert caught.value.code == "connection_error"
        with pytest.raises(TransportError):
            list(transport.send_each([mail(1)]))


def test_connection_lost_midway_keeps_what_was_sent(smtp, monkeypatch):
    transport = transports.transport_for("email")
    original = transport._send_one
    calls = {"n": 0}

    def flaky(connection, item):
        calls["n"] += 1
        if calls["n"] == 2:
            raise TransportError("connection_error", "SMTPServerDisconnected")
        return original(connection, item)

    monkeypatch.setattr(transport, "_send_one", flaky)
    outcomes = transport.send([mail(1), mail(2), mail(3)])
    assert [(o.delivery_id, o.status) for o in outcomes] == [
        (1, "sent"),
        (2, "temporary"),
        (3, "temporary"),
    ]
