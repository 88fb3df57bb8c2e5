"""The test doubles other notify tests rely on: `running_smtp_server` and
`running_fake_provider` (their handles, settings and failure switches)."""

from __future__ import annotations

import pytest
from django.core.mail import send_mail
from django.test import override_settings

from sotong.notify import transports
from sotong.notify.testing import running_fake_provider, running_smtp_server, wait_until
from sotong.notify.transports.base import Outgoing, TransportError


def test_smtp_server_receives_django_mail():
    with running_smtp_server() as smtp, override_settings(**smtp.settings()):
        send_mail("제목", "본문입니다.", "소통 <no-reply@sotong.local>", ["a@example.kr"])
        [message] = smtp.wait_for_messages(1)
        assert message["Subject"] == "제목"
        assert message.get_content().strip() == "본문입니다."
        assert smtp.envelopes() == [("no-reply@sotong.local", ["a@example.kr"])]
        smtp.clear()
        assert smtp.messages() == []


def test_fake_provider_handle():
    with running_fake_provider() as provider, override_settings(**provider.settings()):
        assert provider.url.startswith("http://127.0.0.1:")
        transport = transports.transport_for("sms")
        assert transport.url == provider.url  # the settings change reset the cache
        item = Outgoing(delivery_id=7, key="d7", channel="sms", to="01012345678", body="안녕")
        transport.send([item])
        [message] = provider.wait_for_messages(1)
        assert {k: message[k] for k in ("to", "text", "type", "key", "status")} == {
            "to": "01012345678",
            "text": "안녕",
            "type": "SMS",
            "key": "d7",
            "status": "accepted",
        }
        wait_until(lambda: provider.messages(key="d7")[0]["status"] == "delivered", timeout=5)
        assert provider.messages(key="d8") == []

        provider.set_failure(status=503, times=2)
        for _ in range(2):
            with pytest.raises(TransportError):
                transport.send([item])
        transport.send(
            [Outgoing(delivery_id=8, key="d8", channel="sms", to="01012345678", body="둘째")]
        )
        provider.set_failure(invalid_numbers={"01099999999"})
        [outcome] = transport.send(
            [Outgoing(delivery_id=9, key="d9", channel="sms", to="01099999999", body="셋째")]
        )
        assert outcome.code == "invalid_number"
        provider.set_failure()
        provider.clear()
        assert provider.messages() == []
        assert provider.health()["messages"] == 0
