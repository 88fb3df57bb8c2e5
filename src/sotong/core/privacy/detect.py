"""Finds personal data in Korean text and masks it.

Pure Python (no Django): the logging filter calls `mask_text` on every log line, and the quality
benchmark runs without a database. Every pattern is compiled once at import.

How it works: each kind has one or more patterns that find candidates, each candidate is checked
(a real birth date, the Luhn sum, the words around it), and where candidates overlap the longest
wins, then the more specific kind. Numbers are never matched inside a longer number: a candidate
must not touch another digit, nor a digit behind a hyphen or dot (2024-900101-1234567 is not a
resident number).

The text is normalised first (normalise.py: NFKC, every dash class to "-", full-width digits and
at signs to ASCII …) and the patterns read the normalised text; findings are mapped back, so
their offsets and text are those of the text as given.

Kinds: rrn, frn, phone, email, card, account, passport, driver, and name (names.py: Korean names
where an honorific, a title or a label marks them). The README next to this file explains each
rule and its trade-offs."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .mask import MASK, mask_value
from .names import find_names, has_marker
from .normalise import normalise

KINDS = ("rrn", "frn", "phone", "email", "card", "account", "passport", "driver", "name")

# When two candidates cover the same text, the lower number wins.
_PRIORITY = {
    "email": 0,
    "rrn": 1,
    "frn": 1,
    "card": 2,
    "phone": 3,
    "driver": 4,
    "passport": 5,
    "account": 6,
    "name": 7,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data: `text[start:end]` of the scanned text. `text` is left out of
    the repr so that a finding printed by mistake does not carry the data with it."""

    kind: str
    start: int
    end: int
    text: str = field(repr=False)


# --- building blocks -----------------------------------------------------------------------

# The text is normalised (every dash class is "-"); the class still names the common dashes so
# that a pattern read on its own says what it accepts.
_DASH = "[-\u2010\u2011\u2013]"
# Other marks people put between digit groups: 010_1234_5678, 010/1234/5678, 010~1234~5678,
# 010,1234,5678, 010*1234*5678.
_WEAK = "[_/~,*]"
# one separator between digit groups: a dash or another mark (spaces around it), or spaces
_SEP = rf"(?:[ ]{{0,2}}(?:{_DASH}|{_WEAK})[ ]{{0,2}}|[ ]{{1,2}})"
# Not glued to a number before or after (also not across a hyphen or dot: 12-3456... or 2024.05).
# _GLUED goes right after a pattern's first character (the lookbehind spans it): a pattern that
# starts with a plain character class lets the regex engine skip straight to candidates, which
# keeps mask_text fast enough for every log line.
_GLUED = rf"(?<![0-9].)(?<![0-9]{_DASH}.)(?<![0-9]\..)"
_NA = rf"(?![0-9])(?!{_DASH}[0-9])(?!\.[0-9])"
# A unit right after a number makes it an amount, a count or a date part, not an identifier.
_UNIT = re.compile(
    r"(?:[ ]?(?:원|만원|억|%|％|㎡|km|kg)|(?:천|백|명|년|월|일|시|분|초|개|건|회|세|평|호|차|곳|가구|세대))"
)


def _window(text: str, start: int, end: int, before: int, after: int = 0) -> str:
    return text[max(0, start - before) : start] + " " + text[end : end + after]


# Labels of numbers that are not personal data. A number belongs to the nearest label before it.
_OTHER_ID = re.compile(
    r"운송장|송장|등기|주문|신청번호|접수번호|민원번호|사건번호|문서번호|고객번호|납부번호|관리번호"
    r"|회원번호|조합원|예약번호|승인번호|고유번호|사업자|법인|바코드|상품|EAN|ISBN",
    re.IGNORECASE,
)


def _last_end(pattern: re.Pattern[str], text: str) -> int:
    end = -1
    for m in pattern.finditer(text):
        end = m.end()
    return end


def _labelled_otherwise(before: str, own: re.Pattern[str], other: re.Pattern[str]) -> bool:
    """True when the nearest label in `before` is one of `other`, not one of `own`."""
    other_end = _last_end(other, before)
    return other_end >= 0 and other_end > _last_end(own, before)


# --- resident and foreigner registration numbers -------------------------------------------

_RRN = re.compile(
    rf"(?P<birth>[0-9]{_GLUED}[0-9]{{5}})(?P<sep>{_SEP})?(?P<code>[0-9])[0-9]{{6}}" + _NA
)
_RRN_CENTURY = {"1": 1900, "2": 1900, "5": 1900, "6": 1900, "3": 2000, "4": 2000, "7": 2000}
_RRN_CENTURY |= {"8": 2000, "9": 1800, "0": 1800}
_RRN_FOREIGN = frozenset("5678")
_RRN_CONTEXT = re.compile(r"주민|외국인|(?<!법인)(?<!법인 )등록번호|등록증|생년")


def _valid_birth(birth: str, code: str) -> bool:
    year = _RRN_CENTURY[code] + int(birth[:2])
    try:
        datetime.date(year, int(birth[2:4]), int(birth[4:6]))
    except ValueError:
        return False
    return True


def _resident_numbers(text: str) -> Iterable[tuple[str, int, int, int]]:
    for m in _RRN.finditer(text):
        code = m.group("code")
        if not _valid_birth(m.group("birth"), code):
            continue
        before = text[max(0, m.start() - 20) : m.start()]
        if _labelled_otherwise(before, _RRN_CONTEXT, _OTHER_ID):
            continue  # 주문번호 240501-1234567, 법인등록번호 110111-1234567
        if m.group("sep") is None and _labelled_otherwise(before, _RRN_CONTEXT, _ACCOUNT_CONTEXT):
            continue  # 13 bare digits after 계좌/은행 are an account number
        kind = "frn" if code in _RRN_FOREIGN else "rrn"
        yield kind, m.start(), m.end(), _PRIORITY[kind]


# --- phone numbers -------------------------------------------------------------------------

_AREA = r"01[016789]|02|03[1-3]|04[1-4]|05[1-5]|06[1-4]|070|050[2-8]|080"
_AREA_INTL = r"1[016789]|2|3[1-3]|4[1-4]|5[1-5]|6[1-4]|70|50[2-8]|80"
_PHONE_REST = rf"(?P<mid>[0-9]{{3,4}})(?P<sep2>{_SEP}|\.)?[0-9]{{4}}"
_PHONE = re.compile(
    "(?:"
    + rf"\({_GLUED}[ ]?(?:{_AREA})[ ]?\)[ ]?"  # (02)123-4567, (02) 123 4567
    + rf"|(?P<area>0{_GLUED}(?:{_AREA_INTL}))"  # 010, 02, 031 … (the zero, then the rest)
    + rf"(?P<sep1>{_SEP}|\.|\)[ ]?)?"  # 010-, 010., 02), 010
    # +82 10-…: a "+" starts a new number even right after a digit; 0082 may not touch one
    + rf"|(?:\+|0{_GLUED}0)82[ ]?{_DASH}?[ ]?(?:\(0\)[ ]?)?(?:{_AREA_INTL})(?:{_SEP}|\.|\)[ ]?)?"
    + ")"
    + _PHONE_REST
    + _NA
)
# 15xx/16xx/18xx representative numbers: 1588-1234.
_PHONE_REP = re.compile(
    rf"1{_GLUED}[568][0-9]{{2}}(?P<sep>{_DASH}|\.|[ ]{{1,2}}|{_WEAK})?[0-9]{{4}}" + _NA
)
_PHONE_CONTEXT = re.compile(
    r"전화|연락|문의|콜센터|대표번호|고객센터|상담|번호|☎|tel|phone|call", re.IGNORECASE
)


def _phones(text: str) -> Iterable[tuple[str, int, int, int]]:
    for m in _PHONE.finditer(text):
        if _UNIT.match(text, m.end()):
            continue
        priority = _PRIORITY["phone"]
        bare = m.group("sep1") is None and m.group("sep2") is None
        if bare and m.group("area") and not m.group("area").startswith("01"):
            # bare landline digits: an account number next to 계좌/은행 wins over them
            priority = _PRIORITY["account"] + 1
        yield "phone", m.start(), m.end(), priority
    for m in _PHONE_REP.finditer(text):
        if _UNIT.match(text, m.end()):
            continue
        if m.group("sep") not in ("-", ".") and not _PHONE_CONTEXT.search(
            _window(text, m.start(), m.end(), 15)
        ):
            continue
        yield "phone", m.start(), m.end(), _PRIORITY["phone"]


# --- e-mail --------------------------------------------------------------------------------

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(
    r"[A-Za-z0-9](?<![A-Za-z0-9._%+\-].)[A-Za-z0-9._%+\-]{0,63}"
    rf"@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,24}}(?![A-Za-z0-9\-])"
)


def _emails(text: str) -> Iterable[tuple[str, int, int, int]]:
    if "@" not in text:
        return
    for m in _EMAIL.finditer(text):
        yield "email", m.start(), m.end(), _PRIORITY["email"]


# --- card numbers --------------------------------------------------------------------------

# the same separator between every group (a backreference): 4111 1111 1111 1111, 4111_1111_…
_CARD_SEP = _SEP
_CARD = re.compile(
    rf"[0-9]{_GLUED}(?:"
    + rf"[0-9]{{3}}(?P<s>{_CARD_SEP})[0-9]{{4}}(?P=s)[0-9]{{4}}(?P=s)[0-9]{{1,7}}"  # 4-4-4-4
    + rf"|(?<=3)[0-9]{{3}}(?P<t>{_CARD_SEP})[0-9]{{6}}(?P=t)[0-9]{{4,5}}"  # Amex, Diners
    + r"|(?P<bare>[0-9]{13,18})"
    + ")"
    + _NA
)
_CARD_CONTEXT = re.compile(r"카드|card|결제|승인", re.IGNORECASE)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _cards(text: str) -> Iterable[tuple[str, int, int, int]]:
    for m in _CARD.finditer(text):
        digits = re.sub(r"[^0-9]", "", m.group())
        if not 13 <= len(digits) <= 19 or not _luhn(digits):
            continue
        if m.group("bare"):
            # a bare run of digits is a card only with a card's first digit, or when said so
            if digits[0] not in "3456" and not _CARD_CONTEXT.search(
                _window(text, m.start(), m.end(), 15)
            ):
                continue
        elif digits[0] not in "234569":
            continue
        yield "card", m.start(), m.end(), _PRIORITY["card"]


# --- bank account numbers ------------------------------------------------------------------

# Layouts that Korean banks print on passbooks; with hyphens they are distinctive enough to stand
# alone. Anything else needs a bank word nearby (see _ACCOUNT_CONTEXT). Written below with "-",
# which stands for any one separator mark (110_123_456789, 110 / 123 / 456789), the same one
# throughout (checked in _accounts).
_ACCOUNT_SEP = rf"[ ]{{0,2}}(?:-|{_WEAK})[ ]{{0,2}}"
_ACCOUNT_SHAPES_HYPHENED = (
    rf"[0-9]{_GLUED}(?:"  # each layout below without its first digit
    + r"[0-9]{2}-[0-9]{3}-[0-9]{6}"  # 신한 110-123-456789, 케이뱅크 100-
    + r"|[0-9]{3}-[0-9]{3}-[0-9]{6}"  # 우리 1002-123-456789
    + r"|(?<=3)333-[0-9]{2}-[0-9]{7}"  # 카카오뱅크 3333-
    + r"|(?<=1)000-[0-9]{4}-[0-9]{4}"  # 토스뱅크 1000-
    + r"|[0-9]{2}-[0-9]{6}-[0-9]{2}-[0-9]{3}"  # IBK기업 123-456789-01-001
    + r"|[0-9]{2}-[0-9]{6}-[0-9]{5}"  # 하나 123-456789-12345
    + r"|[0-9]{5}-[0-9]{2}-[0-9]{6}"  # KB국민, 우체국 123456-01-123456
    + r"|[0-9]{2}-[0-9]{4}-[0-9]{4}-[0-9]{2}"  # NH농협, 부산 301-1234-5678-91
    + r"|[0-9]{2}-[0-9]{2}-[0-9]{4}-[0-9]{3}"  # KB국민 (옛 형식) 123-45-6789-012
    + r"|[0-9]{3}-[0-9]{4}-[0-9]{4}-[0-9]"  # 새마을금고 9002-1234-5678-9
    + ")"
)
_ACCOUNT_SHAPES = re.compile(_ACCOUNT_SHAPES_HYPHENED.replace("-[", _ACCOUNT_SEP + "[") + _NA)
# Not a comma: 1,234,567,890 next to 은행 is an amount.
_ACCOUNT_ANY = re.compile(
    rf"[0-9]{_GLUED}(?:[0-9]{{1,5}}(?:(?:[ ]?[-_/*][ ]?|[ ]{{1,2}})[0-9]{{2,7}}){{1,4}}"
    rf"|[0-9]{{9,13}})" + _NA
)
_MARKS = re.compile(r"[^0-9 ]")
_ACCOUNT_CONTEXT = re.compile(
    r"계좌|통장|입금|이체|송금|예금주|환불|은행|뱅크|농협|신협|수협|우체국|새마을금고|저축은행|증권"
    r"|KB|NH|IBK|SC제일|씨티|bank",
    re.IGNORECASE,
)


# Any other "…번호" label (운송장번호, 조합원 번호) means the number is not an account, even with a
# bank word nearby: "우체국 택배 운송장번호 6012-3456-7890".
_NOT_ACCOUNT = re.compile(
    _OTHER_ID.pattern + r"|(?<!계좌)(?<!계좌 )(?<!통장)(?<!통장 )번호|전화|연락처|휴대|팩스|FAX",
    re.IGNORECASE,
)


def _account_context(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 20) : start]
    if _labelled_otherwise(before, _ACCOUNT_CONTEXT, _NOT_ACCOUNT):
        return False
    return bool(_ACCOUNT_CONTEXT.search(before) or _ACCOUNT_CONTEXT.search(text[end : end + 10]))


def _accounts(text: str) -> Iterable[tuple[str, int, int, int]]:
    seen = set()
    for m in _ACCOUNT_SHAPES.finditer(text):
        if len(set(_MARKS.findall(m.group()))) > 1:
            continue  # 110-123/456789: not one layout
        seen.add((m.start(), m.end()))
        before = text[max(0, m.start() - 20) : m.start()]
        if not _labelled_otherwise(before, _ACCOUNT_CONTEXT, _OTHER_ID):
            yield "account", m.start(), m.end(), _PRIORITY["account"]
    if not _ACCOUNT_CONTEXT.search(text):
        return
    for m in _ACCOUNT_ANY.finditer(text):
        if (m.start(), m.end()) in seen or _UNIT.match(text, m.end()):
            continue
        digits = sum(ch.isdigit() for ch in m.group())
        if 10 <= digits <= 16 and _account_context(text, m.start(), m.end()):
            yield "account", m.start(), m.end(), _PRIORITY["account"]


# --- passports -----------------------------------------------------------------------------

_PASSPORT = re.compile(
    r"[MSRGD](?<![A-Za-z0-9].)(?:(?P<old>[0-9]{8})|[0-9]{3}[A-Z][0-9]{4})(?![A-Za-z0-9])"
)
_PASSPORT_ANY = re.compile(r"[A-Za-z](?<![A-Za-z0-9].)[A-Za-z]?[0-9]{7,8}(?![A-Za-z0-9])")
_PASSPORT_CONTEXT = re.compile(r"여권|passport", re.IGNORECASE)


def _looks_like_date(digits: str) -> bool:
    if digits[:2] not in ("19", "20"):
        return False
    try:
        datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return True


def _passports(text: str) -> Iterable[tuple[str, int, int, int]]:
    for m in _PASSPORT.finditer(text):
        context = _PASSPORT_CONTEXT.search(_window(text, m.start(), m.end(), 20))
        # S20240501 is more often a document code than a passport, unless the text says 여권
        if m.group("old") and _looks_like_date(m.group("old")) and not context:
            continue
        yield "passport", m.start(), m.end(), _PRIORITY["passport"]
    if not _PASSPORT_CONTEXT.search(text):
        return
    for m in _PASSPORT_ANY.finditer(text):
        if _PASSPORT_CONTEXT.search(_window(text, m.start(), m.end(), 20)):
            yield "passport", m.start(), m.end(), _PRIORITY["passport"] + 1


# --- driver's licences ---------------------------------------------------------------------

_REGIONS = "서울|부산|경기|강원|충북|충남|전북|전남|경북|경남|제주|대구|인천|광주|대전|울산|세종"
_DRIVER = re.compile(
    rf"(?:(?:{_REGIONS})[ ]?[0-9]{{2}}{_DASH}"  # 서울 12-345678-90 (지역명 형식)
    + rf"|[12]{_GLUED}(?:(?<=1)[1-9]|(?<=2)[0-8])"  # 11–28 지역번호
    + rf"(?P<s1>{_DASH}|[ ])?[0-9]{{2}}(?P<s2>{_DASH}|[ ])?)"
    + rf"[0-9]{{6}}(?P<s3>{_DASH}|[ ])?[0-9]{{2}}"
    + _NA
)
_DRIVER_CONTEXT = re.compile(r"면허|운전", re.IGNORECASE)


def _drivers(text: str) -> Iterable[tuple[str, int, int, int]]:
    for m in _DRIVER.finditer(text):
        separators = (m.group("s1"), m.group("s2"), m.group("s3"))
        hyphens = all(s is not None and s.strip() for s in separators)
        named_region = not m.group()[:1].isdigit()
        if named_region and m.group("s3") is not None and m.group("s3").strip():
            hyphens = True
        if not hyphens and not _DRIVER_CONTEXT.search(_window(text, m.start(), m.end(), 20)):
            continue
        yield "driver", m.start(), m.end(), _PRIORITY["driver"]


# --- putting it together -------------------------------------------------------------------

_FINDERS = {
    "rrn": _resident_numbers,
    "phone": _phones,
    "email": _emails,
    "card": _cards,
    "account": _accounts,
    "passport": _passports,
    "driver": _drivers,
}
# Every number we look for has a digit or an @ in it (ASCII, full-width ０-９ ＠, or one of the
# few other characters NFKC turns into one); text without any is skipped at once. Names need a
# marker word (names.has_marker), so ASCII text without a digit is skipped as well.
_TRIGGER = re.compile("[0-9@\uff10-\uff19\uff20\ufe6b\U0001d7ce-\U0001d7ff\U0001fbf0-\U0001fbf9]")


def find_personal_data(text: str, kinds: Iterable[str] | None = None) -> list[Finding]:
    """Personal data found in `text`, in order of position, without overlaps. Offsets and texts
    are those of `text` as given (it is normalised only to be read).

    `kinds` limits the result to some kinds (see KINDS); "rrn" and "frn" are found together."""
    wanted = set(KINDS if kinds is None else kinds)
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kinds of personal data: {sorted(unknown)}")
    if not text:
        return []
    numbers = _TRIGGER.search(text) is not None
    # normalising leaves Hangul syllables alone, so the raw text tells whether a marker is there
    names = "name" in wanted and not text.isascii() and has_marker(text)
    if not numbers and not names:
        return []
    normalised = normalise(text)
    read = normalised.text
    candidates = []
    if numbers:
        for finder in _FINDERS.values():
            candidates.extend(finder(read))
    if names:
        candidates.extend(
            ("name", start, end, _PRIORITY["name"]) for start, end in find_names(read)
        )
    # Longest first, then the more specific kind; a candidate that overlaps a chosen one is dropped.
    candidates.sort(key=lambda c: (-(c[2] - c[1]), c[3], c[1]))
    chosen: list[tuple[str, int, int, int]] = []
    for candidate in candidates:
        _, start, end, _ = candidate
        if all(end <= c[1] or start >= c[2] for c in chosen):
            chosen.append(candidate)
    chosen.sort(key=lambda c: c[1])
    findings: list[Finding] = []
    for kind, start, end, _ in chosen:
        if kind not in wanted:
            continue
        start, end = normalised.span(start, end)
        if findings and start < findings[-1].end:
            continue  # two findings in one character that NFKC expanded (rare): keep the first
        findings.append(Finding(kind, start, end, text[start:end]))
    return findings


def contains_personal_data(text: str) -> bool:
    return bool(find_personal_data(text))


_DIGIT_OR_MAIL = re.compile(r"\d|[^\s@＠﹫]+[@＠﹫][^\s@＠﹫]+")


def mask_text(text: str) -> str:
    """`text` with every piece of personal data masked (900101-1******, 010-****-5678,
    h***@example.com, ****-****-****-3456, 홍*동님) in place, keeping the layout of what was
    typed (０１０ㅡ****ㅡ５４３２). Never raises: on an unexpected error every digit and every
    e-mail-like word is masked instead, so that nothing leaks."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    try:
        # A value glued to a masked one may only now stand apart ("900101-1234567M12345678"):
        # mask again until nothing is found (two rounds at most in practice).
        for _round in range(4):
            findings = find_personal_data(text)
            if not findings:
                return text
            text = _replace(text, findings)
        return text
    except Exception:  # the logging filter must never fail; fail closed instead
        return _DIGIT_OR_MAIL.sub(lambda m: MASK * len(m.group()), text)


def _replace(text: str, findings: list[Finding]) -> str:
    parts = []
    position = 0
    for finding in findings:
        parts.append(text[position : finding.start])
        parts.append(mask_value(finding.kind, finding.text))
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)
