"""Text helpers every app shares."""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import Any

# C0 control characters and DEL, except tab, LF and CR (text may span lines; CR goes in
# clean_text's line-end step): PostgreSQL refuses NUL in text, and the rest are noise that no
# keyboard types. Single-line fields that must refuse (not drop) them test with their own rule.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any) -> str:
    """Text as stored: NFC (so the same words compare and search alike whatever the keyboard
    sent), Unix line ends, no control characters, no surrounding blanks. None is ""."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL_RE.sub("", text).strip()


def decode_csv(data: bytes) -> tuple[str, str] | None:
    """The text of an uploaded CSV file and the encoding it was in, or None when it cannot be
    read. UTF-8 (with or without BOM) is tried strictly first: CP949 bytes of Korean text are
    practically never valid UTF-8, so the order decides nothing wrongly. CP949 (a superset of
    EUC-KR) is what Excel on Korean Windows saves. A strict decode either works or refuses, where
    a guesser (charset-normalizer) can pick a wrong single-byte code page and import mojibake."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "cp949")
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None
