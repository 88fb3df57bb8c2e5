"""The confirmation kernel (`notify.confirmation`): codes, links and the resend rule shared by
notify's subscriptions and petitions' anonymous contact. Time is always passed in."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError

from sotong.notify import confirmation as kernel

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PURPOSE = "notify.code"


def _counter(used: int | None = 0):
    calls = []

    def count_try():
        calls.append(used)
        return used

    return count_try, calls


def _check(code: str, stored: str, *, expires_at=NOW + timedelta(minutes=1), used=0):
    count_try, calls = _counter(used)
    kernel.code_check(
        stored_hash=stored,
        purpose=PURPOSE,
        key="s1",
        typed=kernel.code_typed(code),
        expires_at=expires_at,
        now=NOW,
        count_try=count_try,
    )
    return calls


# --- codes --------------------------------------------------------------------------------------


def test_code_new_is_six_ascii_digits():
    codes = {kernel.code_new() for _ in range(200)}
    assert all(len(code) == 6 and code.isascii() and code.isdigit() for code in codes)
    assert len(codes) > 150  # random, not a counter


@pytest.mark.parametrize(
    ("purpose", "key"), [("notify.code", "s17"), ("notify.code", "e3"), ("petitions.code", "abc")]
)
def test_code_hash_keeps_the_construction_of_codes_already_sent(purpose, key):
    # The hash both apps stored before the kernel existed: a code sent then still verifies.
    before = hmac.new(
        settings.FIELD_LOOKUP_KEY.encode(), f"{purpose}\x00{key}\x00123456".encode(), "sha256"
    ).hexdigest()
    assert kernel.code_hash(purpose, key, "123456") == before


def test_code_hash_depends_on_purpose_key_and_code():
    base = kernel.code_hash("notify.code", "s1", "123456")
    assert "123456" not in base
    assert kernel.code_hash("petitions.code", "s1", "123456") != base
    assert kernel.code_hash("notify.code", "s2", "123456") != base
    assert kernel.code_hash("notify.code", "s1", "123457") != base


def test_code_matches():
    stored = kernel.code_hash(PURPOSE, "s1", "012345")
    assert kernel.code_matches(stored, purpose=PURPOSE, key="s1", code="012345")
    assert not kernel.code_matches(stored, purpose=PURPOSE, key="s1", code="012346")
    assert not kernel.code_matches(stored, purpose="petitions.code", key="s1", code="012345")


@pytest.mark.parametrize(
    "typed", ["012345", " 012 345 ", "012-345", "０１２３４５", "０ １ ２ ３ ４ ５", "01\t23\n45"]
)
def test_code_typed_normalises_full_width_digits_spaces_and_hyphens(typed):
    assert kernel.code_typed(typed) == "012345"


@pytest.mark.parametrize("typed", ["", None, "12345", "1234567", "abcdef", "12345a", "١٢٣٤٥٦"])
def test_code_typed_refuses_anything_but_six_digits(typed):
    with pytest.raises(ValidationError) as info:
        kernel.code_typed(typed)
    assert info.value.message_dict["code"] == ["인증번호 6자리 숫자를 입력하세요."]


def test_right_code_typed_full_width_with_spaces_is_accepted_and_counted():
    stored = kernel.code_hash(PURPOSE, "s1", "987654")
    assert _check("９８７ ６５４", stored) == [0]


def test_wrong_code_says_how_many_tries_are_left():
    stored = kernel.code_hash(PURPOSE, "s1", "987654")
    for used, left in ((0, 4), (1, 3), (3, 1)):
        with pytest.raises(ValidationError) as info:
            _check("111111", stored, used=used)
        assert info.value.message_dict["code"] == [
            f"인증번호가 맞지 않습니다. (남은 횟수 {left}번)"
        ]
    with pytest.raises(ValidationError) as info:  # the fifth wrong try
        _check("111111", stored, used=4)
    assert "5번 잘못 입력했습니다" in info.value.message_dict["code"][0]


def test_too_many_tries_refuses_even_the_right_code():
    stored = kernel.code_hash(PURPOSE, "s1", "987654")
    with pytest.raises(ValidationError) as info:
        _check("987654", stored, used=None)
    assert info.value.message_dict["code"] == [
        "인증번호를 5번 잘못 입력했습니다. 인증번호를 다시 받으세요."
    ]


def test_expired_code_is_refused_without_using_a_try():
    stored = kernel.code_hash(PURPOSE, "s1", "987654")
    for expires_at in (NOW, NOW - timedelta(seconds=1)):
        count_try, calls = _counter()
        with pytest.raises(ValidationError) as info:
            kernel.code_check(
                stored_hash=stored,
                purpose=PURPOSE,
                key="s1",
                typed="987654",
                expires_at=expires_at,
                now=NOW,
                count_try=count_try,
            )
        assert calls == []
        assert "10분" in info.value.message_dict["code"][0]
    assert _check("987654", stored, expires_at=NOW + timedelta(microseconds=1)) == [0]


def test_code_missing_error():
    error = kernel.code_missing_error()
    assert error.message_dict["code"] == ["확인할 인증번호가 없습니다. 인증번호를 다시 받으세요."]


# --- links --------------------------------------------------------------------------------------

SALT = "sotong.test.confirm"


def test_link_round_trip():
    token = kernel.link_token({"c": 3, "n": "nonce"}, salt=SALT)
    assert kernel.link_payload(token, salt=SALT, max_age=timedelta(hours=1)) == {
        "c": 3,
        "n": "nonce",
    }
    # The same signing as before: links already sent still open.
    assert signing.loads(token, salt=SALT) == {"c": 3, "n": "nonce"}


@pytest.mark.parametrize("tamper", ["", "garbage", "cut", "other salt", "edited"])
def test_tampered_link_is_invalid(tamper):
    token = kernel.link_token({"n": "nonce"}, salt=SALT)
    bad = {
        "": "",
        "garbage": "garbage",
        "cut": token[:-2],
        "other salt": kernel.link_token({"n": "nonce"}, salt="sotong.other"),
        "edited": token[:-2] + ("xx" if not token.endswith("xx") else "yy"),
    }[tamper]
    with pytest.raises(kernel.LinkInvalid):
        kernel.link_payload(bad, salt=SALT, max_age=timedelta(hours=1))


def test_expired_link(monkeypatch):
    token = kernel.link_token({"n": "nonce"}, salt=SALT)
    signed_at = signing.time.time()
    monkeypatch.setattr(signing.time, "time", lambda: signed_at + 3601)
    with pytest.raises(kernel.LinkExpired):
        kernel.link_payload(token, salt=SALT, max_age=timedelta(hours=1))
    assert issubclass(kernel.LinkExpired, kernel.LinkError)
    monkeypatch.setattr(signing.time, "time", lambda: signed_at + 3500)
    assert kernel.link_payload(token, salt=SALT, max_age=timedelta(hours=1)) == {"n": "nonce"}


def test_link_invalid_error():
    error = kernel.link_invalid_error()
    assert error.code == "invalid" and "올바르지 않습니다" in error.message


# --- resending ----------------------------------------------------------------------------------


def _never():
    raise AssertionError("the hourly count is not needed when the send is too soon")


def test_resend_too_soon_within_a_minute():
    for seconds in (0, 1, 59, 59.999999):
        last = NOW - timedelta(seconds=seconds)
        assert kernel.resend_refusal(last_sent=last, now=NOW, earlier_sends=_never) == (
            kernel.TOO_SOON
        )
    for seconds in (60, 61, 3600):
        last = NOW - timedelta(seconds=seconds)
        assert kernel.resend_refusal(last_sent=last, now=NOW, earlier_sends=lambda: 0) is None
    assert kernel.resend_refusal(last_sent=None, now=NOW, earlier_sends=lambda: 0) is None


def test_resend_at_most_five_an_hour():
    last = NOW - timedelta(minutes=5)
    for earlier in range(5):
        answer = kernel.resend_refusal(last_sent=last, now=NOW, earlier_sends=lambda n=earlier: n)
        assert answer is None
    for earlier in (5, 6):
        answer = kernel.resend_refusal(last_sent=last, now=NOW, earlier_sends=lambda n=earlier: n)
        assert answer == kernel.TOO_MANY


def test_resend_errors():
    soon = kernel.resend_error(kernel.TOO_SOON)
    assert soon.code == "throttled" and "1분 이상 지나서" in soon.message
    many = kernel.resend_error(kernel.TOO_MANY)
    assert many.code == "throttled"
    assert many.message == (
        "이 연락처로 한 시간에 5번까지 보낼 수 있습니다. 잠시 뒤 다시 시도하세요."
    )


def test_each_code_error_keeps_its_stable_code():
    c = kernel

    def code_of(error):
        return error.error_dict["code"][0].code

    with pytest.raises(ValidationError) as info:
        c.code_typed("12")
    assert code_of(info.value) == "format"
    assert code_of(c.code_missing_error()) == "missing"
    now = datetime(2026, 12, 8, tzinfo=UTC)
    stored = c.code_hash("t.code", "k", "123456")
    arguments = {"stored_hash": stored, "purpose": "t.code", "key": "k", "now": now}
    with pytest.raises(ValidationError) as info:
        c.code_check(typed="123456", expires_at=now, count_try=lambda: 0, **arguments)
    assert code_of(info.value) == "expired"
    later = now + timedelta(minutes=5)
    with pytest.raises(ValidationError) as info:
        c.code_check(typed="123456", expires_at=later, count_try=lambda: None, **arguments)
    assert code_of(info.value) == "too_many"
    with pytest.raises(ValidationError) as info:
        c.code_check(typed="654321", expires_at=later, count_try=lambda: 0, **arguments)
    assert code_of(info.value) == "wrong"
