"""Korean phone numbers as Koreans write them, names and addresses."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sotong.accounts.validators import (
    normalize_phone,
    validate_address_text,
    validate_person_name,
)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("01012345678", "010-1234-5678"),
        ("010-1234-5678", "010-1234-5678"),
        ("010 1234 5678", "010-1234-5678"),
        ("010.1234.5678", "010-1234-5678"),
        ("(010) 1234-5678", "010-1234-5678"),
        ("+82 10-1234-5678", "010-1234-5678"),
        ("+82 (0)10 1234 5678", "010-1234-5678"),
        ("+821012345678", "010-1234-5678"),
        ("0082-10-1234-5678", "010-1234-5678"),
        ("０１０－１２３４－５６７８", "010-1234-5678"),  # full-width, as some keyboards type
        (" 010-1234-5678 ", "010-1234-5678"),
        ("011-123-4567", "011-123-4567"),
        ("0161234567", "016-123-4567"),
        ("019-1234-5678", "019-1234-5678"),
        ("02-123-4567", "02-123-4567"),
        ("0212345678", "02-1234-5678"),
        ("+82 2 1234 5678", "02-1234-5678"),
        ("031-123-4567", "031-123-4567"),
        ("03112345678", "031-1234-5678"),
        ("064-712-3456", "064-712-3456"),
        ("070-1234-5678", "070-1234-5678"),
    ],
)
def test_phone_numbers_are_normalised(raw, normalized):
    assert normalize_phone(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "010-1234-567",  # one digit short
        "010-1234-56789",  # one too many
        "1588-1234",  # a company's representative number, not a person's
        "080-123-4567",  # toll-free
        "039-123-4567",  # no such area code
        "010-1234-567a",
        "010–1234–5678x",
        "٠١٠١٢٣٤٥٦٧٨",  # Arabic-Indic digits
        "+1 202 555 0143",
        "010 1234 5678; DROP TABLE",
        "010\x001234\x005678",
    ],
)
def test_anything_else_is_refused_with_the_korean_message(raw):
    with pytest.raises(ValidationError) as error:
        normalize_phone(raw)
    assert "전화번호 형식이 올바르지 않습니다" in str(error.value)


@pytest.mark.parametrize(
    "name", ["홍길동", "남궁 민수", "Kim Min-jun", "O'Brien", "바트·심슨", "Zoë"]
)
def test_names_of_any_script_are_accepted(name):
    validate_person_name(name)


@pytest.mark.parametrize("name", ["홍길동1", "😀", "홍\n길동", "<script>", "---", "홍\u200b길동"])
def test_names_with_digits_symbols_or_controls_are_refused(name):
    with pytest.raises(ValidationError):
        validate_person_name(name)


@pytest.mark.parametrize(
    "address",
    ["서울특별시 중구 세종대로 110, 3층 (태평로1가)", "연희로 123-4 101동 1203호", "A-1 ~ B-2"],
)
def test_ordinary_addresses_are_accepted(address):
    validate_address_text(address)


@pytest.mark.parametrize("address", ["소통로 1 🏠", "소통로\x001", "소통로\u202e1", "a\tb"])
def test_addresses_with_pictographs_or_controls_are_refused(address):
    with pytest.raises(ValidationError):
        validate_address_text(address)
