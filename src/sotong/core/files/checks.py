"""Checking an upload before it is kept: not empty, not too large, of a type the use allows, and
really of the type its name says."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from . import kinds
from .detect import CHUNK_SIZE, Sniffed, sniff
from .kinds import FileType

MAX_NAME_LENGTH = 200
UNSAFE_NAME_CHARS = re.compile(r'[<>:"|?*]')


class FileRejected(ValidationError):
    """An upload that is not kept. `code` is stable: file_empty, file_too_large,
    file_type_not_allowed, file_type_mismatch."""

    def __init__(self, message, code: str, params: dict | None = None, sniffed=None):
        super().__init__(message, code=code, params=params)
        self.sniffed = sniffed


@dataclass(frozen=True)
class CheckedUpload:
    file_type: FileType
    content_type: str
    size: int
    sha256: str
    original_name: str


def check_upload(upload: File, *, allowed: str = "documents", max_size: int | None = None):
    """Return what `upload` is, or raise `FileRejected` with a message people can act on."""
    original_name = clean_name(upload.name or "")
    extension = os.path.splitext(original_name)[1].lower()
    limit = kinds.max_size(allowed) if max_size is None else max_size
    size = upload.size
    if not size:
        raise FileRejected(
            _("빈 파일은 올릴 수 없습니다. 내용이 있는 파일을 골라 주세요."), "file_empty"
        )
    if size > limit:
        raise FileRejected(
            _("파일이 너무 큽니다 (%(size)s). %(limit)s 이하의 파일만 올릴 수 있습니다."),
            "file_too_large",
            {"size": filesizeformat(size), "limit": filesizeformat(limit)},
        )
    file_type = kinds.type_for_extension(allowed, extension)
    if file_type is None:
        raise FileRejected(
            _("이 형식의 파일은 올릴 수 없습니다. 올릴 수 있는 파일: %(allowed)s"),
            "file_type_not_allowed",
            {"allowed": kinds.allowed_labels(allowed)},
        )
    sniffed = sniff(upload)
    if sniffed.signature != file_type.signature:
        raise FileRejected(
            _(
                "파일 내용이 확장자(%(extension)s)와 맞지 않습니다. 파일이 손상되었거나 "
                "확장자를 바꾼 파일입니다. 원래 형식 그대로 저장한 파일을 올려 주세요."
            ),
            "file_type_mismatch",
            {"extension": extension},
            sniffed=sniffed,
        )
    return CheckedUpload(
        file_type=file_type,
        content_type=_content_type(file_type, sniffed),
        size=size,
        sha256=_sha256(upload),
        original_name=original_name,
    )


def clean_name(name: str) -> str:
    """The name a person gave the file, safe to show and to offer back in a download: no
    folders, no control or invisible formatting characters (a right-to-left override can make
    "exe.pdf" read as "fdp.exe"), NFC-composed Hangul (macOS sends decomposed jamo)."""
    name = unicodedata.normalize("NFC", name)
    name = " ".join(re.split(r"[\\/]", name)[-1].split())  # tabs and line breaks become spaces
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"})
    name = UNSAFE_NAME_CHARS.sub("_", name).strip(" .")
    stem, extension = os.path.splitext(name)
    if len(extension) > 10:
        stem, extension = name, ""
    stem = stem[: MAX_NAME_LENGTH - len(extension)].rstrip(" .") or "파일"
    return stem + extension


def _content_type(file_type: FileType, sniffed: Sniffed) -> str:
    if sniffed.charset:
        return f"{file_type.content_type}; charset={sniffed.charset}"
    return file_type.content_type


def _sha256(upload: File) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks(CHUNK_SIZE):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
