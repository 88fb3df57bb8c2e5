"""The anonymous petitioner's contact confirmation (`petitions/confirm.py`) on notify's kernel:
codes and links issued before the kernel still verify, and the limits are the same. The clock is
`confirm._now_ts`, patched."""

from __future__ import annotations

import hmac
import secrets
from importlib import import_module

import pytest
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from sotong.petitions import confirm

NOW = 1_780_000_000.0


@pytest.fixture
def clock(monkeypatch):
    now = {"ts": NOW}
    monkeypatch.setattr(confirm, "_now_ts", lambda: now["ts"])
    return now


@pytest.fixture
def request_():
    request = RequestFactory().post("/petitions/confirm")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    return request


def _old_hash(nonce: str, code: str) -> str:
    # How petitions hashed codes before the kernel.
    key = settings.FIELD_LOOKUP_KEY.encode("utf-8")
    return hmac.new(key, f"petitions.code\x00{nonce}\x00{code}".encode(), "sha256").hexdigest()


def _pending(**fields) -> dict:
    pending = {
        "method": "sms",
        "phone": f"010{secrets.randbelow(10**8):08d}",
        "email": "",
        "nonce": "n-" + secrets.token_urlsafe(8),
        "code_hash": "",
        "code_expires": 0.0,
        "tries": 0,
        "sent_at": 0.0,
        "arguments": {},
    }
    pending.update(fields)
    if pending["method"] == "sms" and not pending["code_hash"]:
        pending["code_hash"] = _old_hash(pending["nonce"], "246810")
        pending["code_expires"] = NOW + 600
    return pending


def test_a_code_sent_before_the_kernel_still_verifies(clock, request_):
    pending = _pending()
    confirm.check_code(request_, pending, "２４６ ８１０")
    assert pending["tries"] == 1
    assert request_.session[confirm.SESSION_KEY]["tries"] == 1


def test_wrong_codes_count_down_then_too_many(clock, request_):
    pending = _pending()
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationError) as info:
            confirm.check_code(request_, pending, "111111")
        assert info.value.message_dict["code"] == [
            f"인증번호가 맞지 않습니다. (남은 횟수 {left}번)"
        ]
    for _try in range(2):  # the fifth wrong one, then even the right one
        with pytest.raises(ValidationError) as info:
            confirm.check_code(request_, pending, "246810" if _try else "111111")
        assert "5번 잘못 입력했습니다" in info.value.message_dict["code"][0]
    assert pending["tries"] == 5


def test_expired_and_malformed_codes_use_no_try(clock, request_):
    pending = _pending()
    with pytest.raises(ValidationError) as info:
        confirm.check_code(request_, pending, "12 34")
    assert info.value.message_dict["code"] == ["인증번호 6자리 숫자를 입력하세요."]
    clock["ts"] = NOW + 600
    with pytest.raises(ValidationError) as info:
        confirm.check_code(request_, pending, "246810")
    assert "10분" in info.value.message_dict["code"][0]
    assert pending["tries"] == 0
    clock["ts"] = NOW + 599.5
    confirm.check_code(request_, pending, "246810")


def test_no_code_waiting(clock, request_):
    with pytest.raises(ValidationError) as info:
        confirm.check_code(request_, _pending(method="email", code_hash=""), "246810")
    assert "확인할 인증번호가 없습니다" in info.value.message_dict["code"][0]


@pytest.mark.django_db  # the hourly count is in the cache
def test_resend_once_a_minute_and_five_an_hour_per_address(clock):
    pending = _pending(sent_at=NOW - 59.9)
    with pytest.raises(ValidationError) as info:
        confirm._throttle(pending)
    assert info.value.code == "throttled" and "1분 이상 지나서" in info.value.message
    pending["sent_at"] = NOW - 60
    for _send in range(5):
        confirm._throttle(pending)
    with pytest.raises(ValidationError) as info:
        confirm._throttle(pending)
    assert info.value.code == "throttled"
    assert info.value.message == (
        "이 연락처로 한 시간에 5번까지 보낼 수 있습니다. 잠시 뒤 다시 시도하세요."
    )


def test_a_link_sent_before_the_kernel_still_opens(monkeypatch):
    pending = _pending(method="email", email="hong@example.kr", code_hash="")
    token = signing.dumps({"n": pending["nonce"]}, salt="sotong.petitions.confirm_email")
    confirm.check_email_token(pending, token)
    with pytest.raises(ValidationError) as info:
        confirm.check_email_token(pending, token[:-2] + ("xx" if token[-2:] != "xx" else "yy"))
    assert info.value.code == "invalid"
    with pytest.raises(ValidationError) as info:
        confirm.check_email_token(_pending(method="email", code_hash=""), token)
    assert info.value.code == "other_browser"
    signed_at = signing.time.time()
    monkeypatch.setattr(signing.time, "time", lambda: signed_at + 24 * 3600 + 1)
    with pytest.raises(ValidationError) as info:
        confirm.check_email_token(pending, token)
    assert info.value.code == "expired" and "24시간" in info.value.message
