"""Masking of personal data values and of names.

Pure Python (no Django), so that the logging filter and the benchmark can use it anywhere.
Masks keep the value's layout (separators, length of digit groups) so that a reader still sees
what kind of value was there, and keep just enough to tell values apart in a conversation with
the person (the last four digits, the birth date of a resident number)."""

from __future__ import annotations

import re
from collections.abc import Callable

from .normalise import normalise, write_back

MASK = "*"

_GROUP = re.compile(r"[0-9]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")

# Two-syllable surnames: 남궁민수 shows as 남궁*수, not 남**수.
DOUBLE_SURNAMES = frozenset(
    {"남궁", "황보", "제갈", "사공", "선우", "서문", "독고", "동방", "어금", "망절", "소봉", "장곡"}
)


def _mask_digits(value: str, keep: Callable[[int, int], bool]) -> str:
    """Replaces every digit whose index (among the digits of `value`) is not kept."""
    total = sum(ch.isascii() and ch.isdigit() for ch in value)
    out = []
    index = 0
    for ch in value:
        if ch.isascii() and ch.isdigit():
            out.append(ch if keep(index, total) else MASK)
            index += 1
        else:
            out.append(ch)
    return "".join(out)


def _mask_groups(value: str, masked: Callable[[int, int, str], str]) -> str:
    """Rewrites each run of digits through `masked(group_index, group_count, digits)`."""
    groups = _GROUP.findall(value)
    count = len(groups)
    position = iter(range(count))
    return _GROUP.sub(lambda m: masked(next(position), count, m.group()), value)


def _keep_last(digits: str, keep: int) -> str:
    hidden = max(len(digits) - keep, 0)
    return MASK * hidden + digits[hidden:]


def _area_length(digits: str) -> int:
    if digits.startswith("02"):
        return 2
    if digits.startswith("050"):
        return 4
    return 3


def mask_phone(value: str) -> str:
    """010-1234-5678 → 010-****-5678; the group before the last is hidden."""
    groups = _GROUP.findall(value)
    if len(groups) >= 3:
        return _mask_groups(value, lambda i, n, g: MASK * len(g) if i == n - 2 else g)
    if len(groups) == 2:
        area_first = value.lstrip().startswith(("(", "0"))
        if area_first:  # (02)1234567, 010-12345678: hide all but the last four of the rest
            return _mask_groups(value, lambda i, n, g: _keep_last(g, 4) if i == 1 else g)
        # 1588-1234: a representative number has no middle group; hide the line number
        return _mask_groups(value, lambda i, n, g: MASK * len(g) if i == 1 else g)
    digits = groups[0] if groups else ""
    if not digits.startswith("0"):  # 15881234: a representative number, hide the line number
        return _mask_digits(value, lambda i, n: i < 4)
    area = _area_length(digits)
    return _mask_digits(value, lambda i, n: i < area or i >= n - 4)


def mask_email(value: str) -> str:
    """hong.gildong@example.com → h***@example.com"""
    local, at, domain = value.partition("@")
    if not at:
        return MASK * len(value)
    return f"{local[:1]}{MASK * 3}@{domain}"


def mask_resident_number(value: str) -> str:
    """900101-1234567 → 900101-1****** (birth date and gender digit stay)."""
    return _mask_digits(value, lambda i, n: i < 7)


def mask_last_four(value: str) -> str:
    """Card and account numbers: only the last four digits stay."""
    return _mask_digits(value, lambda i, n: i >= n - 4)


def mask_passport(value: str) -> str:
    """M12345678 → M********"""
    return value[:1] + "".join(MASK if ch.isalnum() else ch for ch in value[1:])


def mask_driver_licence(value: str) -> str:
    """11-12-345678-90 → 11-12-******-90 (the serial number is hidden)."""
    groups = _GROUP.findall(value)
    if len(groups) == 1:
        # written without separators: region(2) year(2) serial(6) check(2)
        return _mask_digits(value, lambda i, n: not n - 8 <= i < n - 2)
    return _mask_groups(value, lambda i, n, g: MASK * len(g) if len(g) == 6 else g)


_MASKERS: dict[str, Callable[[str], str]] = {
    "rrn": mask_resident_number,
    "frn": mask_resident_number,
    "phone": mask_phone,
    "email": mask_email,
    "card": mask_last_four,
    "account": mask_last_four,
    "passport": mask_passport,
    "driver": mask_driver_licence,
}


def mask_value(kind: str, value: str) -> str:
    """Masks one detected value of the given kind; an unknown kind is hidden entirely.

    The value may be written as typed (０１０ㅡ９８７６ㅡ５４３２, hong＠example。com): it is
    masked in its normalised form and the mask is written back over what was typed, so that
    full-width digits are hidden as well and the layout stays (０１０ㅡ****ㅡ５４３２)."""
    masker = _MASKERS.get(kind) or (mask_name if kind == "name" else None)
    if masker is None:
        return "".join(MASK if ch.isalnum() else ch for ch in value)
    normalised = normalise(value)
    return write_back(normalised, masker(normalised.text))


def _mask_korean_name(name: str) -> str:
    if len(name) == 1:
        return MASK
    if len(name) == 2:
        return name[0] + MASK
    if name[:2] in DOUBLE_SURNAMES:
        if len(name) == 3:
            return name[:2] + MASK
        return name[:2] + MASK * (len(name) - 3) + name[-1]
    return name[0] + MASK * (len(name) - 2) + name[-1]


def mask_name(name: str) -> str:
    """A person's name as it may appear in public: 홍길동 → 홍*동, 홍길 → 홍*, 남궁민수 → 남궁*수,
    John Smith → J*** S***. Latin names hide the length of each word as well."""
    if name is None:
        return ""
    name = str(name).strip()
    if not name:
        return ""
    if _HANGUL.search(name):
        return _mask_korean_name("".join(name.split()))
    return " ".join(word[0] + MASK * 3 for word in name.split())
