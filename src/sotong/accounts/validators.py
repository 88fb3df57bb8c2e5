"""Input rules for what residents type about themselves: Korean phone numbers as Koreans write
them, names and addresses without control characters or pictographs."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_PHONE_SEPARATORS = re.compile(r"[\s\-.()/]")
# (pattern on digits, group sizes). Mobile 010 is always 3-4-4; the old 011/016–019 numbers
# also come as 3-3-4; Seoul (02) is 2-3/4-4; other area codes and 070 are 3-3/4-4.
_PHONE_SHAPES = [
    (re.compile(r"^010\d{8}$"), (3, 4, 4)),
    (re.compile(r"^01[16789]\d{7}$"), (3, 3, 4)),
    (re.compile(r"^01[16789]\d{8}$"), (3, 4, 4)),
    (re.compile(r"^02\d{7}$"), (2, 3, 4)),
    (re.compile(r"^02\d{8}$"), (2, 4, 4)),
    (re.compile(r"^0(?:3[1-3]|4[1-4]|5[1-5]|6[1-4])\d{7}$"), (3, 3, 4)),
    (re.compile(r"^0(?:3[1-3]|4[1-4]|5[1-5]|6[1-4])\d{8}$"), (3, 4, 4)),
    (re.compile(r"^070\d{8}$"), (3, 4, 4)),
]
PHONE_ERROR = _("전화번호 형식이 올바르지 않습니다. 010-1234-5678 또는 02-123-4567처럼 입력하세요.")


def normalize_phone(raw: str) -> str:
    """'01012345678', '010 1234 5678', '+82 10-1234-5678', '０１０．１２３４．５６７８' → '010-1234-5678'.
    Raises ValidationError with a Korean message for anything that is not a Korean number."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    text = text.replace("(0)", "")
    digits = _PHONE_SEPARATORS.sub("", text)
    if digits.startswith("+82"):
        digits = "0" + digits[3:].lstrip("0")
    elif digits.startswith("0082"):
        digits = "0" + digits[4:].lstrip("0")
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError(PHONE_ERROR, code="invalid_phone")
    for pattern, groups in _PHONE_SHAPES:
        if pattern.match(digits):
            parts, start = [], 0
            for size in groups:
                parts.append(digits[start : start + size])
                start += size
            return "-".join(parts)
    raise ValidationError(PHONE_ERROR, code="invalid_phone")


_NAME_MARKS = {" ", "·", "-", "'", "."}
_ADDRESS_CATEGORIES = ("L", "M", "N", "P")


def normalize_spaces(value: str) -> str:
    return " ".join(value.split())


def validate_person_name(value: str) -> None:
    """Letters of any script (한글, 영문 …), with spaces, 가운뎃점, hyphens, apostrophes, dots."""
    if not any(unicodedata.category(ch).startswith("L") for ch in value):
        raise ValidationError(_("이름에는 글자가 하나 이상 있어야 합니다."), code="invalid_name")
    for ch in value:
        if ch in _NAME_MARKS or unicodedata.category(ch)[0] in {"L", "M"}:
            continue
        raise ValidationError(
            _("이름에는 글자, 공백, 가운뎃점(·), 하이픈(-)만 쓸 수 있습니다."), code="invalid_name"
        )


def validate_address_text(value: str) -> None:
    """Letters, digits, spaces and punctuation: what a Korean address needs (서울특별시 중구 세종대로
    110, 3층 (태평로1가)), and no control characters, emoji or other symbols."""
    for ch in value:
        if ch == " " or ch in "~+" or unicodedata.category(ch)[0] in _ADDRESS_CATEGORIES:
            continue
        raise ValidationError(
            _("주소에는 글자, 숫자, 공백과 기본 문장부호만 쓸 수 있습니다."), code="invalid_address"
        )
