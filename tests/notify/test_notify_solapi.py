"""The solapi-modelled transport against the fake provider: payloads, outcomes, failures mapped
to temporary/permanent, and reconciliation by our idempotency key after a crash."""

from __future__ import annotations

import pytest
from django.test import override_settings

from sotong.notify import transports
from sotong.notify.testing import free_port, running_fake_provider
from sotong.notify.transports.base import KakaoMessage, Outgoing, TransportError
from sotong.notify.transports.solapi import SolapiTransport, provider_code


def sms(i: int, to: str | None = None, body: str = "[시험구] 폭염 특보입니다.") -> Outgoing:
    return Outgoing(delivery_id=i, key=f"d{i}", channel="sms", to=to or f"0109{i:07d}", body=body)


def kakao(i: int, template: str = "TPL_ANSWERED") -> Outgoing:
    return Outgoing(
        delivery_id=i,
        key=f"d{i}",
        channel="kakao",
        to=f"0108{i:07d}",
        body="홍길동님, 민원에 답변했습니다.",
        kakao=KakaoMessage(
            template_code=template,
            variables={"name": "홍길동"},
            fallback_text="[시험구] 홍길동님, 민원에 답변했습니다.",
        ),
    )


@pytest.fixture
def provider():
    with running_fake_provider(report_delay=0.05) as fake, override_settings(**fake.settings()):
        yield fake


def by_id(outcomes):
    return {o.delivery_id: o for o in outcomes}


def test_payloads():
    transport = SolapiTransport(url="http://x", sender="0212345678", pf_id="KA01PF")
    short = transport.message_payload(sms(1))
    assert short == {
        "to": "01090000001",
        "from": "0212345678",
        "customFields": {"sotongKey": "d1"},
        "type": "SMS",
        "text": "[시험구] 폭염 특보입니다.",
    }
    long = transport.message_payload(
        Outgoing(
            delivery_id=2, key="d2", channel="sms", to="01012345678", body="가" * 50, subject="안내"
        )
    )
    assert long["type"] == "LMS" and long["subject"] == "안내"
    ata = transport.message_payload(kakao(3))
    assert ata["type"] == "ATA"
    assert ata["text"] == "[시험구] 홍길동님, 민원에 답변했습니다."
    assert ata["kakaoOptions"] == {
        "pfId": "KA01PF",
        "templateId": "TPL_ANSWERED",
        "variables": {"#{name}": "홍길동"},
        "disableSms": False,
    }


def test_transport_for_is_cached_per_class(provider):
    transports.reset()
    sms_transport = transports.transport_for("sms")
    assert sms_transport is transports.transport_for("kakao")
    assert sms_transport.url == provider.url
    assert sms_transport.reconcilable and sms_transport.max_batch == 1000
    with override_settings(SOLAPI_RATE_PER_SECOND=250):
        assert transports.transport_for("sms").rate_per_second() == 250
    assert transports.transport_for("sms").rate_per_second() == 0


def test_send_accepts_and_reports(provider):
    transport = transports.transport_for("sms")
    outcomes = by_id(transport.send([sms(1), sms(2), kakao(3)]))
    assert {o.status for o in outcomes.values()} == {"sent"}
    assert all(o.provider_message_id.startswith("M4V") for o in outcomes.values())
    received = {m["key"]: m for m in provider.messages()}
    assert received["d1"]["type"] == "SMS" and received["d1"]["to"] == "01090000001"
    assert received["d3"]["type"] == "ATA" and received["d3"]["template"] == "TPL_ANSWERED"
    assert received["d3"]["variables"] == {"#{name}": "홍길동"}


def test_refusals_are_permanent_with_stable_codes(provider):
    provider.set_failure(
        invalid_numbers=["01090000002"], blocked_numbers=["01090000003"], bad_templates=["BAD"]
    )
    transport = transports.transport_for("sms")
    outcomes = by_id(
        transport.send([sms(1), sms(2), sms(3), kakao(4, template="BAD"), sms(5, body="가" * 1001)])
    )
    assert outcomes[1].status == "sent"
    assert (outcomes[2].status, outcomes[2].code) == ("permanent", "invalid_number")
    assert (outcomes[3].status, outcomes[3].code) == ("permanent", "blocked")
    assert (outcomes[4].status, outcomes[4].code) == ("permanent", "template_mismatch")
    assert (outcomes[5].status, outcomes[5].code) == ("permanent", "too_long")
    assert "01090000002" not in outcomes[2].detail  # no personal data in details
    assert provider_code("9999") == "provider_9999"


@pytest.mark.parametrize("status", [429, 500, 503])
def test_busy_or_broken_provider_is_temporary(provider, status):
    provider.set_failure(status=status, retry_after=7, times=1)
    transport = transports.transport_for("sms")
    with pytest.raises(TransportError) as caught:
        transport.send([sms(1), sms(2)])
    assert caught.value.code == f"http_{status}"
    assert caught.value.retry_after == 7
    assert provider.messages() == []
    assert {o.status for o in transport.send([sms(1), sms(2)])} == {"sent"}


def test_client_error_is_permanent_for_the_batch(provider):
    provider.set_failure(status=400, times=1)
    outcomes = transports.transport_for("sms").send([sms(1), sms(2)])
    assert {(o.status, o.code) for o in outcomes} == {("permanent", "http_400")}


def test_wrong_credentials_are_retried_not_dropped(provider):
    with (
        override_settings(SOLAPI_API_SECRET="not-the-secret"),
        pytest.raises(TransportError) as caught,
    ):
        transports.transport_for("sms").send([sms(1)])
    assert caught.value.code == "http_401"


def test_provider_down_is_a_transport_error():
    with override_settings(SOLAPI_URL=f"http://127.0.0.1:{free_port()}"):
        transport = transports.transport_for("sms")
        with pytest.raises(TransportError):
            transport.send([sms(1)])


def test_answer_lost_after_handover_is_settled_by_asking(provider):
    """The provider stored the messages but the connection died before the answer: the
    transport asks the provider by key instead of reporting a failure that would resend."""
    provider.set_failure(drop=True, times=1)
    transport = transports.transport_for("sms")
    outcomes = by_id(transport.send([sms(1), sms(2)]))
    assert {o.status for o in outcomes.values()} <= {"sent", "delivered"}
    assert outcomes[1].provider_message_id == provider.messages(key="d1")[0]["message_id"]
    assert len(provider.messages()) == 2


def test_timeout_while_provider_still_works_is_reconciled_on_retry(provider):
    """The provider is slower than our timeout and stores the message after we gave up. Asking
    at once finds nothing, so the item is a temporary failure with an ambiguous code; the retry
    reconciles first (as the pipeline does for rows with attempts) and finds it: no resend."""
    provider.set_failure(delay=0.6, times=1)
    with override_settings(SOLAPI_TIMEOUT_SECONDS=0.2):
        transport = transports.transport_for("sms")
        outcomes = by_id(transport.send([sms(1)]))
    assert (outcomes[1].status, outcomes[1].code) == ("temporary", "timeout")
    provider.wait_for_messages(1)
    found = transport.reconcile([sms(1)])
    assert found[1].status in {"sent", "delivered"}
    assert len(provider.messages()) == 1


def test_reconcile_after_crash_finds_by_key(provider):
    """A worker handed d1 and d2 over and died before committing; d3 never left. A new
    process reconciles: d1 and d2 are settled with the provider's ids, d3 is missing (send)."""
    batch = [sms(1), sms(2, to="01090000001"), sms(3)]
    transports.transport_for("sms").send(batch[:2])
    transports.reset()  # "another process"
    transport = transports.transport_for("sms")
    found = transport.reconcile(batch)
    assert set(found) == {1, 2}
    ids = {m["key"]: m["message_id"] for m in provider.messages()}
    assert found[1].provider_message_id == ids["d1"]
    assert found[2].provider_message_id == ids["d2"]
    assert found[1].status in {"sent", "delivered"}
    # After the carrier's report the provider knows the final state.
    provider.wait_for_messages(2)
    import time

    deadline = time.monotonic() + 5
    while transport.reconcile(batch[:1])[1].status != "delivered":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # Nothing was sent twice.
    assert sorted(m["key"] for m in provider.messages()) == ["d1", "d2"]


def test_reconcile_reports_final_failures(provider):
    provider.set_failure(undeliverable_numbers=["01090000001"], report_delay=0)
    transport = transports.transport_for("sms")
    transport.send([sms(1)])
    import time

    deadline = time.monotonic() + 5
    while (outcome := transport.reconcile([sms(1)])[1]).status == "sent":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert (outcome.status, outcome.code) == ("permanent", "unreachable")


def test_reconcile_pages_through_many_messages(provider):
    transport = transports.transport_for("sms")
    same = "01077778888"
    batch = [sms(i, to=same) for i in range(1, 1202)]
    transport.send(batch[:600])
    transport.send(batch[600:])
    found = transport.reconcile([batch[0], batch[-1]])
    assert set(found) == {1, 1201}
