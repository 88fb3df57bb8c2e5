"""A form field that checks an upload the way `file_store` will, so the person sees the reason
next to the field instead of after submitting."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from . import kinds
from .checks import check_upload


class CheckedFileField(forms.FileField):
    def __init__(self, *, allowed: str = "documents", max_size: int | None = None, **kwargs):
        self.allowed = allowed
        self.max_size = kinds.max_size(allowed) if max_size is None else max_size
        kwargs.setdefault(
            "help_text",
            format_lazy(
                _("올릴 수 있는 파일: {types} (파일당 {size} 이하)"),
                types=kinds.allowed_labels(allowed),
                size=lazy(filesizeformat, str)(self.max_size),
            ),
        )
        # Emptiness is refused by check_upload, with its own code (file_empty).
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["accept"] = kinds.accept_attribute(self.allowed)
        return attrs

    def to_python(self, data):
        upload = super().to_python(data)
        if isinstance(upload, UploadedFile):
            check_upload(upload, allowed=self.allowed, max_size=self.max_size)
        return upload
