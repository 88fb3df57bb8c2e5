"""Korean mobile numbers and e-mail addresses as people type them, and the clear Korean refusals
of everything else (issue 4, "Bad input")."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from sotong.notify.addresses import (
    email_hash,
    format_phone,
    masked_phone,
    normalize_email,
    normalize_phone,
    phone_hash,
)


@pytest.mark.parametrize(
    "raw",
    [
        "010-1234-5678",
        "01012345678",
        "010 1234 5678",
        "010.1234.5678",
        " 010-1234-5678 ",
        "(010) 1234-5678",
        "010–1234–5678",  # en dashes from a word processor
        "+82 10-1234-5678",
        "+82-10-1234-5678",
        "+821012345678",
        "+82 (0)10 1234 5678",
        "821012345678",
        "82-10-1234-5678",
        "0082 10 1234 5678",
        "10-1234-5678",
        "０１０－１２３４－５６７８",  # full-width, as typed on some Korean keyboards
        "０１０ １２３４ ５６７８",
        "010/1234/5678",
    ],
)
def test_mobile_numbers_as_people_write_them(raw):
    assert normalize_phone(raw) == "01012345678"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("011-123-4567", "0111234567"),
        ("016-1234-5678", "01612345678"),
        ("019 987 6543", "0199876543"),
    ],
)
def test_legacy_mobile_prefixes_still_work(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("+1 212 555 1234", "foreign_phone", "국내 휴대전화 번호만"),
        ("+81 90-1234-5678", "foreign_phone", "국내 휴대전화 번호만"),
        ("+86 138 0013 8000", "foreign_phone", "국내 휴대전화 번호만"),
        ("001-1-212-555-1234", "foreign_phone", "국내 휴대전화 번호만"),
        ("00700 81 90 1234 5678", "foreign_phone", "국내 휴대전화 번호만"),
        ("02-123-4567", "landline", "유선전화"),
        ("02-2133-1234", "landline", "유선전화"),
        ("031-123-4567", "landline", "유선전화"),
        ("+82 2 123 4567", "landline", "유선전화"),
        ("064-720-1234", "landline", "유선전화"),
        ("070-1234-5678", "landline", "070"),
        ("080-123-4567", "landline", "080"),
        ("0505-123-4567", "landline", "050"),
        ("1588-1234", "landline", "대표번호"),
        ("010-123-4567", "phone_length", "자릿수"),
        ("010-1234-56789", "phone_length", "자릿수"),
        ("0101234", "phone_length", "자릿수"),
        ("010-1234-567O", "invalid_phone", "숫자"),  # letter O
        ("전화번호", "invalid_phone", "숫자"),
        ("abc", "invalid_phone", "숫자"),
        ("010-1234-5678 ext 1", "invalid_phone", "숫자"),
        ("", "required", "입력"),
        ("   ", "required", "입력"),
        ("12345", "not_mobile", ""),
        ("0" * 60, "phone_length", "자릿수"),
    ],
)
def test_refusals_say_why_in_korean(raw, code, words):
    with pytest.raises(ValidationError) as info:
        normalize_phone(raw)
    assert info.value.code == code
    assert words in info.value.messages[0]


def test_none_is_required_not_a_crash():
    with pytest.raises(ValidationError) as info:
        normalize_phone(None)
    assert info.value.code == "required"


@given(st.integers(min_value=0, max_value=99_999_999), st.sampled_from(["-", " ", ".", ""]))
def test_every_010_number_in_any_layout(number, sep):
    digits = f"{number:08d}"
    raw = f"010{sep}{digits[:4]}{sep}{digits[4:]}"
    assert normalize_phone(raw) == f"010{digits}"
    assert normalize_phone(f"+82 10{sep}{digits[:4]}{sep}{digits[4:]}") == f"010{digits}"


@given(st.text(max_size=40))
def test_any_text_is_a_number_or_a_validation_error(raw):
    try:
        result = normalize_phone(raw)
    except ValidationError as exc:
        assert exc.messages and exc.code
    else:
        assert result.isdigit() and result.startswith("01") and len(result) in (10, 11)


def test_format_and_mask():
    assert format_phone("01012345678") == "010-1234-5678"
    assert format_phone("0111234567") == "011-123-4567"
    assert masked_phone("01012345678") == "010-****-5678"
    assert masked_phone("") == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hong@example.kr", "hong@example.kr"),
        ("  Hong@Example.KR ", "Hong@example.kr"),
        ("hong.gildong+news@mail.seoul.go.kr", "hong.gildong+news@mail.seoul.go.kr"),
        ("ｈｏｎｇ＠ｅｘａｍｐｌｅ．ｋｒ", "hong@example.kr"),
        ("hong@우리동네.한국", "hong@xn--950b94c1wh1up.xn--3e0b707e"),
        ("hong@EXAMPLE.kr.", "hong@example.kr"),
    ],
)
def test_email_normalized(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "hong",
        "hong@",
        "@example.kr",
        "hong@@example.kr",
        "hong@localhost",
        "hong gil@example.kr",
        "hong@exa mple.kr",
        "홍길동@example.kr",
        "hong@-bad-.kr",
        "a" * 250 + "@example.kr",
        "hong@example..kr",
        "<script>@example.kr",
    ],
)
def test_bad_email_refused_in_korean(raw):
    with pytest.raises(ValidationError) as info:
        normalize_email(raw)
    assert "이메일" in info.value.messages[0]


def test_empty_email_is_required():
    with pytest.raises(ValidationError) as info:
        normalize_email("  ")
    assert info.value.code == "required"


@given(st.text(max_size=80))
def test_any_text_is_an_email_or_a_validation_error(raw):
    try:
        result = normalize_email(raw)
    except ValidationError as exc:
        assert exc.messages
    else:
        assert "@" in result and result.isascii()


def test_hashes_ignore_case_of_email(settings):
    assert email_hash("Hong@example.kr") == email_hash("hong@example.kr")
    assert phone_hash("01012345678") != email_hash("01012345678")
