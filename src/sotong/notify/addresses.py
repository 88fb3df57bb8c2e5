"""Addresses residents type when they subscribe: Korean mobile numbers and e-mail addresses, as
people write them, reduced to one stored form ("01012345678", "name@example.kr").

The phone rules are a short, explicit list rather than libphonenumber: notify accepts exactly one
kind of number (a Korean mobile that can receive SMS and 알림톡), and every refusal needs its own
Korean explanation (a landline, 070, 080, 050 safe numbers, 15xx service numbers, a foreign
number). The normalised value is also what `lookup_hash` sees, so one person typing their number
two ways is found as one subscriber."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

from sotong.core.privacy.crypto import lookup_hash
from sotong.core.privacy.mask import mask_email, mask_phone

# Separators people put between digit groups, including the dashes and dots word processors
# substitute (NFKC already folds the full-width forms).
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−.·()/]")
# 010 is the mobile prefix since 2004; the legacy 011/016–019 numbers still work for the
# residents who kept them (3-3-4 or 3-4-4 digits).
_MOBILE = re.compile(r"^(?:010\d{8}|01[16789]\d{7,8})$")
_MOBILE_PREFIX = re.compile(r"^01[016789]")
_AREA = re.compile(r"^(?:02|0[3-6][1-5])")

FOREIGN = _("국내 휴대전화 번호만 받을 수 있습니다. 010으로 시작하는 번호를 입력하세요.")
REQUIRED = _("휴대전화 번호를 입력하세요.")
NOT_DIGITS = _("휴대전화 번호는 숫자로 입력하세요. 예: 010-1234-5678")
LENGTH = _(
    "휴대전화 번호의 자릿수가 맞지 않습니다. 010 다음에 8자리를 입력하세요. 예: 010-1234-5678"
)
LANDLINE = _("집·사무실 전화(유선전화)로는 문자를 받을 수 없습니다. 휴대전화 번호를 입력하세요.")
INTERNET = _("인터넷전화(070) 번호로는 문자를 받을 수 없습니다. 휴대전화 번호를 입력하세요.")
FREEPHONE = _("수신자 부담(080) 번호로는 문자를 받을 수 없습니다. 휴대전화 번호를 입력하세요.")
SAFE_NUMBER = _("안심번호(050)로는 문자를 받을 수 없습니다. 휴대전화 번호를 입력하세요.")
SERVICE = _("대표번호(1588 등)로는 문자를 받을 수 없습니다. 휴대전화 번호를 입력하세요.")
NOT_MOBILE = _("휴대전화 번호가 아닙니다. 010으로 시작하는 번호를 입력하세요.")

EMAIL_REQUIRED = _("이메일 주소를 입력하세요.")
EMAIL_INVALID = _("이메일 주소 형식이 올바르지 않습니다. 예: hong@example.kr")
EMAIL_TOO_LONG = _("이메일 주소가 너무 깁니다.")

_email_validator = EmailValidator(message=EMAIL_INVALID, code="invalid_email")


def _invalid(message, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _national_digits(text: str) -> str:
    """The number in national form (leading 0), or a ValidationError for a foreign one."""
    plus = text.startswith("+")
    digits = _SEPARATORS.sub("", text.removeprefix("+"))
    if not digits:
        raise _invalid(NOT_DIGITS, "invalid_phone")
    if not (digits.isascii() and digits.isdigit()):
        raise _invalid(NOT_DIGITS, "invalid_phone")
    if plus:
        if not digits.startswith("82"):
            raise _invalid(FOREIGN, "foreign_phone")
        return "0" + digits[2:].lstrip("0")
    if digits.startswith("0082"):
        return "0" + digits[4:].lstrip("0")
    if digits.startswith("00"):
        # 00 starts an international call (001, 002, 00700 …): some other country.
        raise _invalid(FOREIGN, "foreign_phone")
    if digits.startswith("82") and len(digits) >= 11:
        # "+82" without the plus, as copied from a contact card. No Korean national number
        # starts with 8, so this cannot be misread.
        return "0" + digits[2:].lstrip("0")
    if re.match(r"^1[016789]\d{7,8}$", digits):
        # "10-1234-5678": the +82 form with the country code dropped.
        return "0" + digits
    return digits


def normalize_phone(raw: str | None) -> str:
    """A Korean mobile number as people write it ("010-1234-5678", "010 1234 5678",
    "+82 10-1234-5678", "821012345678", "０１０１２３４５６７８") → "01012345678".

    Raises ValidationError with a Korean message (codes: required, invalid_phone, foreign_phone,
    phone_length, landline, not_mobile) for anything that cannot receive a text message."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        raise _invalid(REQUIRED, "required")
    text = text.replace("(0)", "")  # "+82 (0)10 …", the British habit
    if len(text) > 40:
        raise _invalid(LENGTH, "phone_length")
    digits = _national_digits(text)
    if _MOBILE.match(digits):
        return digits
    if _MOBILE_PREFIX.match(digits):
        raise _invalid(LENGTH, "phone_length")
    if digits.startswith("070"):
        raise _invalid(INTERNET, "landline")
    if digits.startswith("080"):
        raise _invalid(FREEPHONE, "landline")
    if digits.startswith("050"):
        raise _invalid(SAFE_NUMBER, "landline")
    if _AREA.match(digits):
        raise _invalid(LANDLINE, "landline")
    if re.match(r"^1[5-9]\d{6}$", digits):
        raise _invalid(SERVICE, "landline")
    if digits.startswith("0"):
        raise _invalid(NOT_MOBILE, "not_mobile")
    raise _invalid(LENGTH if len(digits) < 10 else NOT_MOBILE, "not_mobile")


def format_phone(normalized: str) -> str:
    """ "01012345678" → "010-1234-5678" (for showing a number back to its owner)."""
    if len(normalized) == 11:
        return f"{normalized[:3]}-{normalized[3:7]}-{normalized[7:]}"
    if len(normalized) == 10:
        return f"{normalized[:3]}-{normalized[3:6]}-{normalized[6:]}"
    return normalized


def masked_phone(normalized: str) -> str:
    return mask_phone(format_phone(normalized)) if normalized else ""


def masked_email(address: str) -> str:
    return mask_email(address) if address else ""


def normalize_email(raw: str | None) -> str:
    """An e-mail address as typed → its stored form: trimmed, NFKC-folded (full-width letters),
    the domain lower-cased and in IDNA form when it is in Hangul ("hong@우리동네.한국" →
    "hong@xn--…"). The local part keeps its case: RFC 5321 lets a server tell
    "Hong" from "hong", although almost none do. Raises ValidationError in Korean."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        raise _invalid(EMAIL_REQUIRED, "required")
    if len(text) > 254:
        raise _invalid(EMAIL_TOO_LONG, "email_length")
    if text.count("@") != 1 or any(ch.isspace() for ch in text):
        raise _invalid(EMAIL_INVALID, "invalid_email")
    local, domain = text.split("@")
    domain = domain.rstrip(".").lower()
    if not local or not domain:
        raise _invalid(EMAIL_INVALID, "invalid_email")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise _invalid(EMAIL_INVALID, "invalid_email") from None
    if "." not in domain.strip("[]"):
        # EmailValidator allows "user@localhost"; nobody subscribes with one.
        raise _invalid(EMAIL_INVALID, "invalid_email")
    address = f"{local}@{domain}"
    if len(address) > 254:
        raise _invalid(EMAIL_TOO_LONG, "email_length")
    _email_validator(address)
    return address


def email_hash(address: str) -> str:
    """The keyed lookup hash of a normalised e-mail address, of the whole address lower-cased, so
    that "Hong@Example.kr" and "hong@example.kr" are one subscriber (as they are one mailbox in
    practice)."""
    return lookup_hash(address.lower(), purpose="notify.email")


def phone_hash(normalized: str) -> str:
    """The keyed lookup hash of a normalised phone number ("01012345678")."""
    return lookup_hash(normalized, purpose="notify.phone")
