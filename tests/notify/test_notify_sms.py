"""SMS bytes as Korean carriers count them."""

import pytest
from django.core.exceptions import ValidationError

from sotong.notify import sms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("hello", 5),
        ("안녕", 4),
        ("똠방각하", 8),  # CP949-only syllables (not in EUC-KR's 2,350) are 2 bytes too
        ("A가\n", 4),
        ("·※", 4),
        ("😀", 2),  # not in CP949: counted as the most a carrier charges for one character
    ],
)
def test_byte_length(text, expected):
    assert sms.byte_length(text) == expected


def test_sms_up_to_90_bytes_then_lms():
    assert sms.message_type("가" * 45) == "SMS"
    assert sms.message_type("a" * 90) == "SMS"
    assert sms.message_type("가" * 45 + "a") == "LMS"
    assert sms.message_type("짧음", subject="제목") == "LMS"  # an SMS has no subject
    assert sms.message_type("가" * 1000) == "LMS"


def test_beyond_lms_is_refused_in_korean():
    with pytest.raises(ValidationError) as caught:
        sms.message_type("가" * 1000 + "a")
    assert "2000바이트" in caught.value.messages[0]
    assert caught.value.code == "sms_too_long"


def test_long_lms_subject_is_refused():
    with pytest.raises(ValidationError):
        sms.message_type("본문", subject="가" * 21)
    assert sms.message_type("본문", subject="가" * 20) == "LMS"


def test_emoji_refused_for_staff_text_and_replaced_at_send_time():
    assert sms.unsupported_characters("안녕 😀 🎉 😀") == ["😀", "🎉"]
    with pytest.raises(ValidationError) as caught:
        sms.check_characters("안녕 😀", field="sms_body")
    assert "sms_body" in caught.value.message_dict
    assert "이모지" in caught.value.message_dict["sms_body"][0]
    sms.check_characters("안녕하세요 (광고) ※")
    assert sms.sanitize("안녕 😀\r\n끝") == "안녕 ?\n끝"


def test_truncate_fits_the_budget():
    text = "가나다라마바사"
    cut = sms.truncate(text, 7)
    assert cut == "가나…"
    assert sms.byte_length(cut) <= 7
    assert sms.truncate("abc", 10) == "abc"
