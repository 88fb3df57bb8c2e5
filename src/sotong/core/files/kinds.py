"""The file types sotong accepts, and which of them each use ("kind") allows."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class FileType:
    name: str
    label: str  # shown to people in the list of allowed files
    extensions: tuple[str, ...]  # the first one is used for the stored file
    content_type: str
    signature: str  # what `detect.sniff` reports for this content; txt and csv share "text"


FILE_TYPES = {
    t.name: t
    for t in [
        FileType("pdf", "PDF", (".pdf",), "application/pdf", "pdf"),
        FileType("hwp", "HWP", (".hwp",), "application/x-hwp", "hwp"),
        FileType("hwpx", "HWPX", (".hwpx",), "application/hwp+zip", "hwpx"),
        FileType(
            "docx",
            "DOCX",
            (".docx",),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        FileType(
            "xlsx",
            "XLSX",
            (".xlsx",),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        FileType("txt", "TXT", (".txt",), "text/plain", "text"),
        FileType("csv", "CSV", (".csv",), "text/csv", "text"),
        FileType("png", "PNG", (".png",), "image/png", "png"),
        FileType("jpeg", "JPG", (".jpg", ".jpeg"), "image/jpeg", "jpeg"),
        FileType("gif", "GIF", (".gif",), "image/gif", "gif"),
        FileType("webp", "WEBP", (".webp",), "image/webp", "webp"),
    ]
}

DOCUMENTS = ("pdf", "hwp", "hwpx", "docx", "xlsx", "txt", "csv")
IMAGES = ("png", "jpeg", "gif", "webp")
KINDS: dict[str, tuple[str, ...]] = {
    "documents": DOCUMENTS,
    "images": IMAGES,
    "attachments": DOCUMENTS + IMAGES,  # a petition's attachments: papers and photos
}


def allowed_types(kind: str) -> list[FileType]:
    if kind not in KINDS:
        raise ImproperlyConfigured(f"unknown kind of upload {kind!r}; known: {sorted(KINDS)}")
    return [FILE_TYPES[name] for name in KINDS[kind]]


def type_for_extension(kind: str, extension: str) -> FileType | None:
    return next((t for t in allowed_types(kind) if extension in t.extensions), None)


def max_size(kind: str) -> int:
    """The limit for `kind` from settings.SOTONG_UPLOAD_MAX_SIZE (bytes)."""
    allowed_types(kind)  # refuses an unknown kind
    try:
        return settings.SOTONG_UPLOAD_MAX_SIZE[kind]
    except (AttributeError, KeyError) as exc:
        raise ImproperlyConfigured(
            f"settings.SOTONG_UPLOAD_MAX_SIZE has no limit for {kind!r}"
        ) from exc


def accept_attribute(kind: str) -> str:
    """The `accept` attribute of a file input, so the browser offers only these files."""
    return ",".join(ext for t in allowed_types(kind) for ext in t.extensions)


def allowed_labels(kind: str) -> str:
    return ", ".join(t.label for t in allowed_types(kind))
