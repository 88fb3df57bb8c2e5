"""Sending a stored file to the browser. Permission is the caller's: the app that owns the
attachment checks it in its view and then returns `file_response(...)`."""

from __future__ import annotations

import os
import re
from urllib.parse import quote

from django.http import FileResponse

from .models import StoredFile

ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_response(stored_file: StoredFile, *, as_attachment: bool = True) -> FileResponse:
    """Stream the file with the type found at upload (never guessed again from a name) and its
    original name in the Content-Disposition header."""
    response = FileResponse(stored_file.file.open("rb"), content_type=stored_file.content_type)
    response["Content-Disposition"] = content_disposition(
        stored_file.original_name, as_attachment=as_attachment
    )
    # Attachments may be personal: no shared cache keeps them; and a file shown inline can run
    # nothing, even if a browser were talked into reading it as HTML.
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def content_disposition(name: str, *, as_attachment: bool) -> str:
    """RFC 6266 with the RFC 5987 `filename*` for the real (Korean) name, and an ASCII
    `filename` for the few clients that do not read `filename*`."""
    stem, extension = os.path.splitext(name)
    fallback = (ASCII_UNSAFE.sub("_", stem).strip("._") or "file") + ASCII_UNSAFE.sub("", extension)
    disposition = "attachment" if as_attachment else "inline"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
