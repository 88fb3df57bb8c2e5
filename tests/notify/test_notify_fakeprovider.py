"""The fake SMS/KakaoTalk provider speaks the solapi-modelled protocol: HMAC authentication (and
refuses what a real provider refuses), send-many, the message list with its filters, signed
delivery reports, the inbox page and the state file."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from sotong.notify.fakeprovider import mask_number
from sotong.notify.testing import running_fake_provider, wait_until
from sotong.notify.transports.solapi import (
    LIST_PATH,
    SEND_PATH,
    auth_header,
    parse_auth_header,
    signature,
    webhook_signature,
)

KEY, SECRET = "NCSDEMOKEY0000000", "demo-secret"


def test_signature_known_vector():
    # Byte-exact: HMAC-SHA256(secret, date + salt), lower-case hex.
    date, salt = "2019-07-01T00:41:48Z", "jqsba2jxjnrjor"
    expected = "c33537ad625e1608cb5edae6740093ccbeb49bf43b395855390e338e6db76fdc"
    assert signature(SECRET, date, salt) == expected
    assert auth_header(KEY, SECRET, date=date, salt=salt) == (
        f"HMAC-SHA256 apiKey={KEY}, date={date}, salt={salt}, signature={expected}"
    )
    assert webhook_signature("demo-webhook-secret", "1700000000", b"[]") == (
        "325e3c782d9be900c30a3ea5abed018b6f23390b7ed9fab1dcb95dbd6df94334"
    )
    fields = parse_auth_header(auth_header(KEY, SECRET))
    assert fields["apikey"] == KEY and len(fields["salt"]) == 32


def _now_iso(delta: float = 0) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delta)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _post(url: str, header: str | None, messages: list[dict]):
    headers = {"Authorization": header} if header else {}
    return requests.post(url + SEND_PATH, json={"messages": messages}, headers=headers, timeout=5)


SMS = {"to": "01012345678", "from": "0212345678", "text": "안녕하세요", "type": "SMS"}


def test_refuses_bad_authentication():
    with running_fake_provider() as provider:
        url = provider.url
        bad = [
            (None, "InvalidAuthorization"),
            ("Bearer x", "InvalidAuthorization"),
            (auth_header("NCSOTHER", SECRET), "InvalidAPIKey"),
            (auth_header(KEY, "wrong-secret"), "SignatureDoesNotMatch"),
            (auth_header(KEY, SECRET, date=_now_iso(-20 * 60)), "RequestTimeTooSkewed"),
            (auth_header(KEY, SECRET, date="yesterday"), "InvalidDate"),
        ]
        for header, code in bad:
            response = _post(url, header, [SMS])
            assert response.status_code == 401, code
            assert response.json()["errorCode"] == code
        # A salt is good once.
        header = auth_header(KEY, SECRET, salt="only-once-salt")
        assert _post(url, header, [SMS]).status_code == 200
        replay = _post(url, header, [SMS])
        assert replay.status_code == 401
        assert replay.json()["errorCode"] == "DuplicatedSignature"
        # The list is guarded the same way.
        assert requests.get(url + LIST_PATH, timeout=5).status_code == 401
        assert len(provider.messages()) == 1


def test_send_many_answer_and_validation():
    with running_fake_provider(fail={"blocked_numbers": ["01099990000"]}) as provider:
        messages = [
            {**SMS, "customFields": {"sotongKey": "d1"}},
            {**SMS, "to": "0212345678", "customFields": {"sotongKey": "d2"}},  # landline
            {**SMS, "to": "01099990000", "customFields": {"sotongKey": "d3"}},
            {**SMS, "text": "가" * 46, "customFields": {"sotongKey": "d4"}},  # 92 bytes as SMS
            {
                "to": "01012345679",
                "from": "0212345678",
                "type": "ATA",
                "text": "접수되었습니다",
                "kakaoOptions": {"pfId": "KA01", "templateId": "", "disableSms": False},
                "customFields": {"sotongKey": "d5"},
            },
        ]
        answer = _post(provider.url, auth_header(KEY, SECRET), messages).json()
        assert answer["groupInfo"]["count"]["registeredSuccess"] == 1
        assert answer["groupInfo"]["count"]["registeredFailed"] == 4
        assert [m["customFields"]["sotongKey"] for m in answer["messageList"]] == ["d1"]
        assert answer["messageList"][0]["statusCode"] == "2000"
        assert answer["messageList"][0]["messageId"].startswith("M4V")
        failed = {
            m["customFields"]["sotongKey"]: m["statusCode"] for m in answer["failedMessageList"]
        }
        assert failed == {"d2": "1020", "d3": "1024", "d4": "1040", "d5": "1030"}
        # Malformed requests.
        header = auth_header(KEY, SECRET)
        empty = requests.post(
            provider.url + SEND_PATH,
            json={"messages": []},
            headers={"Authorization": header},
            timeout=5,
        )
        assert empty.status_code == 400


def test_message_list_filters_and_pages():
    with running_fake_provider() as provider:
        header = lambda: {"Authorization": auth_header(KEY, SECRET)}  # noqa: E731
        messages = [
            {**SMS, "to": f"0101234567{i % 2}", "customFields": {"sotongKey": f"d{i}"}}
            for i in range(7)
        ]
        _post(provider.url, auth_header(KEY, SECRET), messages)

        def listed(**params):
            found, params = [], dict(params)
            while True:
                page = requests.get(
                    provider.url + LIST_PATH, params=params, headers=header(), timeout=5
                ).json()
                found += [m["customFields"]["sotongKey"] for m in page["messageList"].values()]
                if not page["nextKey"]:
                    return found
                params["startKey"] = page["nextKey"]

        assert listed(to="01012345670", limit=2) == ["d0", "d2", "d4", "d6"]
        assert listed(criteria="to", cond="eq", value="01012345671") == ["d1", "d3", "d5"]
        assert listed(startDate=_now_iso(60), dateType="CREATED") == []
        assert listed(startDate=_now_iso(-60), to="01012345671") == ["d1", "d3", "d5"]
        assert len(listed(limit=3)) == 7


class _Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        return


@pytest.fixture
def receiver():
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Receiver.received
    server.shutdown()
    server.server_close()


def test_delivery_reports_are_signed_and_batched(receiver):
    url, received = receiver
    fail = {"undeliverable_numbers": ["01055550000"], "no_kakao_numbers": ["01066660000"]}
    with running_fake_provider(report_url=url, report_delay=0.05, fail=fail) as provider:
        messages = [
            {**SMS, "to": f"0101234{i:04d}", "customFields": {"sotongKey": f"d{i}"}}
            for i in range(5)
        ]
        messages.append({**SMS, "to": "01055550000", "customFields": {"sotongKey": "d5"}})
        messages.append(
            {
                "to": "01066660000",
                "from": "0212345678",
                "type": "ATA",
                "text": "알림톡 대체 문자",
                "kakaoOptions": {"pfId": "KA01", "templateId": "TPL1", "disableSms": False},
                "customFields": {"sotongKey": "d6"},
            }
        )
        _post(provider.url, auth_header(KEY, SECRET), messages)
        provider.wait_for_reports(7)
        reports = []
        for headers, body in received:
            ts = headers["X-Solapi-Timestamp"]
            assert headers["X-Solapi-Signature"] == webhook_signature(
                provider.webhook_secret, ts, body
            )
            reports += json.loads(body)
        assert len(received) <= 2  # batched, not one POST per message
        codes = {r["data"]["customFields"]["sotongKey"]: r["data"]["statusCode"] for r in reports}
        assert codes == {f"d{i}": "4000" for i in range(5)} | {"d5": "3018", "d6": "4000"}
        replaced = next(r for r in reports if r["data"]["customFields"]["sotongKey"] == "d6")
        assert replaced["data"]["replacement"] is True and replaced["data"]["type"] == "SMS"
        statuses = {m["key"]: m["status"] for m in provider.messages()}
        assert statuses["d0"] == "delivered" and statuses["d5"] == "failed"


def test_inbox_page_masks_numbers():
    with running_fake_provider() as provider:
        _post(provider.url, auth_header(KEY, SECRET), [{**SMS, "text": "<b>폭염 주의</b>"}])
        page = requests.get(provider.url + "/", timeout=5)
        assert page.status_code == 200
        text = page.text
        assert '<html lang="ko">' in text
        assert "010-****-5678" in text
        assert "01012345678" not in text
        assert "&lt;b&gt;폭염 주의&lt;/b&gt;" in text
        assert '<th scope="col">' in text and '<label for="from">' in text
    assert mask_number("010-1234-5678") == "010-****-5678"


def test_inbound_reply_form_and_json(receiver):
    url, received = receiver
    with running_fake_provider(inbound_url=url) as provider:
        assert provider.send_inbound(phone="010-1234-5678", text="수신거부") == 200
        form = requests.post(
            provider.url + "/_fake/inbound",
            data={"from": "01012345678", "text": "중지"},
            allow_redirects=False,
            timeout=5,
        )
        assert form.status_code == 303
    events = [json.loads(body)[0]["data"] for _, body in received]
    assert [(e["from"], e["text"]) for e in events] == [
        ("01012345678", "수신거부"),
        ("01012345678", "중지"),
    ]


def test_state_file_survives_restart(tmp_path):
    state = tmp_path / "fake.json"
    with running_fake_provider(state_file=str(state)) as provider:
        _post(
            provider.url, auth_header(KEY, SECRET), [{**SMS, "customFields": {"sotongKey": "d9"}}]
        )
    assert state.exists()
    with running_fake_provider(state_file=str(state)) as provider:
        assert [m["key"] for m in provider.messages()] == ["d9"]
        _post(
            provider.url, auth_header(KEY, SECRET), [{**SMS, "customFields": {"sotongKey": "d10"}}]
        )
        keys = [m["key"] for m in provider.messages()]
        assert keys == ["d9", "d10"]
        ids = [m["message_id"] for m in provider.messages()]
        assert len(set(ids)) == 2


# The process checks the signed date of a request against its own, real clock.
@pytest.mark.real_clock
def test_runs_as_its_own_process():
    with running_fake_provider(process=True, fail={"status": 503, "times": 1}) as provider:
        assert _post(provider.url, auth_header(KEY, SECRET), [SMS]).status_code == 503
        assert _post(provider.url, auth_header(KEY, SECRET), [SMS]).status_code == 200
        wait_until(lambda: provider.messages()[0]["status"] == "delivered", timeout=5)
        provider.clear()
        assert provider.messages() == []


def test_keeps_only_the_newest_when_bounded():
    with running_fake_provider(max_messages=3) as provider:
        messages = [
            {**SMS, "to": f"0101234{i % 2:04d}", "customFields": {"sotongKey": f"d{i}"}}
            for i in range(5)
        ]
        answer = _post(provider.url, auth_header(KEY, SECRET), messages).json()
        assert answer["groupInfo"]["count"]["registeredSuccess"] == 5
        assert [m["key"] for m in provider.messages()] == ["d2", "d3", "d4"]
        page = requests.get(
            provider.url + LIST_PATH,
            params={"to": "01012340000"},
            headers={"Authorization": auth_header(KEY, SECRET)},
            timeout=5,
        ).json()
        assert [m["customFields"]["sotongKey"] for m in page["messageList"].values()] == [
            "d2",
            "d4",
        ]
