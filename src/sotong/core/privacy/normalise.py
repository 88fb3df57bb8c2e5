"""Text as the detector reads it, with a map back to the text as written.

People write numbers with whatever their keyboard, phone or word processor gives them: full-width
digits (０１０), the Hangul vowel ㅡ or a dash of any class between groups (900101ㅡ1234567,
010—1234—5678), a full-width at sign (hong＠example.com), an ideographic full stop in a domain
(example。com). The detector's patterns are written for one canonical form, so the text is
brought to it first: NFKC, then every dash class to "-", every full stop, middle dot to ".",
tildes to "~", and invisible format characters (zero-width space, soft hyphen) removed.

NFKC can change the length of the text (㈜ → (주), ℡ → TEL, a ligature → two letters), so the
normalised text carries, for every one of its characters, the span of the original text it came
from: findings are reported, and masks written, on the original text, keeping its layout.

Characters whose compatibility form would make a digit out of a symbol are kept as they are:
circled and parenthesised numbers (①, ⑴), superscripts and subscripts (²), fractions (½) and
squared units (㎡). They are list markers and units, and turning them into digits would glue them
to the number next to them ("①010-…" would no longer start a phone number). Pure Python."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

DASHES = (
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2500\u2501\u2e3a\u2e3b"
    "\ufe58\ufe63\uff0d\u30fc\uff70\u3161\u1173"
)
FULL_STOPS = "\u3002\uff61\uff0e\ufe52\u2024"
MIDDLE_DOTS = "\u00b7\u318d\u119e\u30fb\uff65\u2027\u2219\u22c5"
TILDES = "\u301c\u223c\uff5e"
COMMAS = "\u3001\ufe50\ufe51"
SLASHES = "\u2215\u2044"
ASTERISKS = "\u2217\u204e"
# Invisible characters that people paste between digits (or that a form adds) are dropped.
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"

_TABLE = {ord(ch): "-" for ch in DASHES}
_TABLE |= {ord(ch): "." for ch in FULL_STOPS + MIDDLE_DOTS}
_TABLE |= {ord(ch): "~" for ch in TILDES}
_TABLE |= {ord(ch): "," for ch in COMMAS}
_TABLE |= {ord(ch): "/" for ch in SLASHES}
_TABLE |= {ord(ch): "*" for ch in ASTERISKS}
_TABLE |= {ord(ch): None for ch in INVISIBLE}
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")
_DIGITS = frozenset("0123456789")


@dataclass(frozen=True, slots=True)
class Normalised:
    """`text` normalised from `original`. `starts[i]`/`ends[i]`: the span of `original` that
    `text[i]` came from; both None when every character maps to itself."""

    text: str
    original: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that `text[start:end]` (not empty) came from."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


@lru_cache(maxsize=4096)
def _form(chars: str) -> str:
    """One character (or a character with the marks that compose with it), normalised."""
    form = unicodedata.normalize("NFKC", chars)
    if form != chars and not chars.isdecimal() and _DIGITS.intersection(form):
        return chars.translate(_TABLE)  # ①, ², ½, ㎡ stay as they are (see the module doc)
    return form.translate(_TABLE)


def _is_l(cp: int) -> bool:
    return 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97F


def _is_v(cp: int) -> bool:
    return 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6


def _is_t(cp: int) -> bool:
    return 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB


def _is_lv(cp: int) -> bool:
    return 0xAC00 <= cp <= 0xD7A3 and (cp - 0xAC00) % 28 == 0


def _composes(last: str, following: str) -> bool:
    """Whether `following` belongs to the same cluster as `last` (a combining mark, or a Hangul
    vowel or final after the jamo it composes with: 홍 written as ᄒ+ᅩ+ᆼ)."""
    if unicodedata.combining(following):
        return True
    a, b = ord(last), ord(following)
    return (_is_v(b) and _is_l(a)) or (_is_t(b) and (_is_v(a) or _is_lv(a)))


def _clusters(text: str):
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not _composes(text[i - 1], text[i]):
            yield start, i
            start = i


def normalise(text: str) -> Normalised:
    if text.isascii():
        return Normalised(text, text)
    if unicodedata.is_normalized("NFKC", text) and not _INVISIBLE_RE.search(text):
        translated = text.translate(_TABLE)  # one character for one: the same offsets
        if translated == text:
            return Normalised(text, text)
        # the map is kept all the same, so that a mask keeps the dash as it was typed
        return Normalised(translated, text, tuple(range(len(text))), tuple(range(1, len(text) + 1)))
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for start, end in _clusters(text):
        form = _form(text[start:end])
        parts.append(form)
        starts.extend([start] * len(form))
        ends.extend([end] * len(form))
    return Normalised("".join(parts), text, tuple(starts), tuple(ends))


def write_back(normalised: Normalised, rewritten: str) -> str:
    """`rewritten` — the normalised text with some characters masked — written over the original
    text: unchanged characters keep their original form (full-width digits, the dash as typed),
    changed ones take the rewritten form. A rewrite of another length (an e-mail address keeps
    only one letter of its local part) keeps the original text of the longest unchanged end."""
    norm = normalised.text
    if normalised.starts is None or normalised.ends is None:
        return rewritten
    original = normalised.original
    if len(rewritten) != len(norm):
        same = 0
        while same < min(len(norm), len(rewritten)) and norm[-1 - same] == rewritten[-1 - same]:
            same += 1
        if not same:
            return rewritten
        return rewritten[: len(rewritten) - same] + original[normalised.starts[len(norm) - same] :]
    out: list[str] = []
    position = 0  # in the original text
    i = 0
    while i < len(norm):
        start, end = normalised.starts[i], normalised.ends[i]
        j = i
        while j < len(norm) and normalised.starts[j] == start:
            j += 1
        out.append(original[position:start])  # characters that normalising dropped
        out.append(original[start:end] if norm[i:j] == rewritten[i:j] else rewritten[i:j])
        position = end
        i = j
    out.append(original[position:])
    return "".join(out)
