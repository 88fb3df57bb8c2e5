"""What a file really is, judged by its content alone (never by its name or the browser's
Content-Type).

Plain formats are recognised by their signature through `puremagic`. Container formats need a
look inside: HWP 5 is an OLE compound file whose `FileHeader` stream starts with
"HWP Document File" (read with `olefile`); HWPX, DOCX and XLSX are zip archives, told apart by
HWPX's `mimetype` entry and by the main part named in OOXML's `[Content_Types].xml`. A file with
no signature is text when it decodes as UTF-8, UTF-16 (with BOM) or CP949 without control
characters."""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from typing import IO

import olefile
import puremagic

HEAD_SIZE = 8192
CHUNK_SIZE = 64 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
HWP_SIGNATURE = b"HWP Document File"
HWPX_MIMETYPE = b"application/hwp+zip"
OOXML_MAIN_PARTS = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
}
# A real document has hundreds of parts; more than this is a zip made to exhaust us.
MAX_ZIP_ENTRIES = 20000
MAX_CONTENT_TYPES_SIZE = 1024 * 1024
# Signatures that puremagic reports, by the extension it names, for the formats we accept.
SIGNATURES = {
    ".pdf": "pdf",
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".jfif": "jpeg",
    ".jpe": "jpeg",
    ".gif": "gif",
    ".webp": "webp",
}
# Control characters that never occur in text people write (tab, line feed, form feed and
# carriage return do).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Sniffed:
    signature: str | None  # one of FileType.signature, or None for anything we do not accept
    description: str = ""  # what it seems to be otherwise, for logs and tests
    charset: str = ""  # for text: the label browsers know the encoding by


def sniff(file: IO[bytes]) -> Sniffed:
    file.seek(0)
    head = file.read(HEAD_SIZE)
    file.seek(0)
    try:
        if head.startswith(OLE_MAGIC):
            return _sniff_ole(file)
        if head.startswith(ZIP_MAGIC):
            return _sniff_zip(file)
        return _sniff_signature(head) or _sniff_text(file) or Sniffed(None, _describe(head))
    finally:
        file.seek(0)


def _sniff_ole(file: IO[bytes]) -> Sniffed:
    try:
        ole = olefile.OleFileIO(file)
        try:
            header = ole.openstream("FileHeader").read(32) if ole.exists("FileHeader") else b""
        finally:
            ole.close()
    except Exception:  # a damaged upload may break the parser in any way
        return Sniffed(None, "damaged ole")
    return Sniffed("hwp") if header.startswith(HWP_SIGNATURE) else Sniffed(None, "ole")


def _sniff_zip(file: IO[bytes]) -> Sniffed:
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                return Sniffed(None, "zip with too many entries")
            names = {entry.filename for entry in entries}
            if "mimetype" in names and _read(archive, "mimetype", 64).strip() == HWPX_MIMETYPE:
                return Sniffed("hwpx")
            if "[Content_Types].xml" in names:
                content_types = _read(archive, "[Content_Types].xml", MAX_CONTENT_TYPES_SIZE)
                for main_part, signature in OOXML_MAIN_PARTS.items():
                    if main_part in content_types:
                        return Sniffed(signature)
                return Sniffed(None, "other ooxml")  # macro-enabled, presentation, …
            return Sniffed(None, "zip")
    except Exception:  # damaged, encrypted or exotic archives
        return Sniffed(None, "damaged zip")


def _read(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    with archive.open(name) as entry:
        return entry.read(limit)


def _sniff_signature(head: bytes) -> Sniffed | None:
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        return None
    for match in matches:
        signature = SIGNATURES.get(match.extension.lower())
        if signature:
            return Sniffed(signature)
    return None


def _sniff_text(file: IO[bytes]) -> Sniffed | None:
    file.seek(0)
    start = file.read(2)
    if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        candidates = [("utf-16", "utf-16")]
    else:
        candidates = [("utf-8-sig", "utf-8"), ("cp949", "euc-kr")]
    for codec, label in candidates:
        if _decodes_as_text(file, codec):
            return Sniffed("text", charset=label)
    return None


def _decodes_as_text(file: IO[bytes], codec: str) -> bool:
    decoder = codecs.getincrementaldecoder(codec)()
    file.seek(0)
    try:
        while chunk := file.read(CHUNK_SIZE):
            if CONTROL_RE.search(decoder.decode(chunk)):
                return False
        return not CONTROL_RE.search(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        return False


def _describe(head: bytes) -> str:
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        return "unknown"
    named = [m for m in matches if m.mime_type] or matches
    return named[0].mime_type or named[0].extension if named else "unknown"
