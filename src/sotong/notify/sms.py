"""Counting SMS text as Korean carriers do.

Korean carriers and providers (solapi among them) count a message in EUC-KR/CP949 bytes: an ASCII
character is 1 byte, a Hangul syllable or any other character of CP949 2 bytes. An SMS holds 90
bytes and no subject; above that a message is an LMS (with an optional subject) of up to 2,000
bytes. There is no MMS here.

Characters outside CP949 (emoji, most rare CJK, some symbols) cannot be carried by SMS/LMS: the
network delivers them as "?" or drops the message. We decide:

* text staff write (templates, campaign bodies) is **refused** at save time with a Korean
  `ValidationError` naming the characters (`check_characters`), so staff see it;
* text that reaches a message from elsewhere at send time (a petition title with an emoji in a
  variable) is **replaced** with "?" (`sanitize`), as the carriers would, so the message still
  goes out; for counting, such a character weighs 2 bytes, the most a carrier charges for one
  character, so a message counted here never turns out longer at the carrier.

Line breaks count as they are written ("\\n" is 1 byte); `sanitize` turns "\\r\\n" into "\\n"."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SMS_MAX_BYTES = 90
LMS_MAX_BYTES = 2000
# solapi and the carriers cut an LMS subject at 40 bytes.
LMS_SUBJECT_MAX_BYTES = 40

ENCODING = "cp949"


def byte_length(text: str) -> int:
    """Bytes of `text` as the carriers count them (see the module docstring)."""
    try:
        return len(text.encode(ENCODING))
    except UnicodeEncodeError:
        pass
    total = 0
    for char in text:
        if char.isascii():
            total += 1
        else:
            total += 2
    return total


def unsupported_characters(text: str) -> list[str]:
    """The distinct characters of `text` that SMS cannot carry, in order of appearance."""
    try:
        text.encode(ENCODING)
    except UnicodeEncodeError:
        pass
    else:
        return []
    found: dict[str, None] = {}
    for char in text:
        try:
            char.encode(ENCODING)
        except UnicodeEncodeError:
            found[char] = None
    return list(found)


def check_characters(text: str, *, field: str | None = None) -> None:
    """Refuse text with characters SMS cannot carry (ValidationError, on `field` when given)."""
    bad = unsupported_characters(text)
    if bad:
        message = _("문자 메시지에 쓸 수 없는 글자가 있습니다(이모지 등): %(chars)s") % {
            "chars": " ".join(bad[:10])
        }
        raise ValidationError({field: message} if field else message, code="sms_charset")


def sanitize(text: str) -> str:
    """`text` as it can travel: CR LF as LF, characters outside CP949 as "?"."""
    text = text.replace("\r\n", "\n")
    try:
        text.encode(ENCODING)
    except UnicodeEncodeError:
        return text.encode(ENCODING, errors="replace").decode(ENCODING)
    return text


def message_type(text: str, subject: str = "") -> str:
    """ "SMS" (≤ 90 bytes and no subject) or "LMS" (≤ LMS_MAX_BYTES); ValidationError beyond, or
    for an LMS subject longer than LMS_SUBJECT_MAX_BYTES."""
    length = byte_length(text)
    if subject and byte_length(subject) > LMS_SUBJECT_MAX_BYTES:
        raise ValidationError(
            _("문자 제목은 %(max)d바이트(한글 %(half)d자)까지 쓸 수 있습니다.")
            % {"max": LMS_SUBJECT_MAX_BYTES, "half": LMS_SUBJECT_MAX_BYTES // 2},
            code="sms_subject_too_long",
        )
    if length <= SMS_MAX_BYTES and not subject:
        return "SMS"
    if length <= LMS_MAX_BYTES:
        return "LMS"
    raise ValidationError(
        _(
            "문자는 %(max)d바이트(한글 약 %(half)d자)까지 보낼 수 있습니다. 지금 %(length)d바이트입니다."
        )
        % {"max": LMS_MAX_BYTES, "half": LMS_MAX_BYTES // 2, "length": length},
        code="sms_too_long",
    )


def truncate(text: str, max_bytes: int, *, ellipsis: str = "…") -> str:
    """`text` cut so that it (with `ellipsis` when cut) fits in `max_bytes`."""
    if byte_length(text) <= max_bytes:
        return text
    budget = max_bytes - byte_length(ellipsis)
    used = 0
    for i, char in enumerate(text):
        used += 1 if char.isascii() else 2
        if used > budget:
            return text[:i] + ellipsis
    return text
