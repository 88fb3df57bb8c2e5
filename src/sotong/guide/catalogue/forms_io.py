"""The upload form of the catalogue import page."""

from __future__ import annotations

import os

from django import forms
from django.utils.translation import gettext_lazy as _

from sotong.core.files import CheckedFileField
from sotong.guide.catalogue import imports as catalogue_io
from sotong.org.models import Organization


class CatalogueFileField(CheckedFileField):
    """A checked upload (core.files) that must be CSV or XLSX; the extension is looked at first so
    a PDF is told what to upload instead of the general list of documents."""

    def to_python(self, data):
        name = getattr(data, "name", "") or ""
        if data and os.path.splitext(name)[1].lower() not in (".csv", ".xlsx"):
            raise forms.ValidationError(
                _("CSV 또는 XLSX 파일만 가져올 수 있습니다."), code="file_type_not_allowed"
            )
        return super().to_python(data)


class CatalogueUploadForm(forms.Form):
    file = CatalogueFileField(
        label=_("서비스 목록 파일"),
        allowed="documents",
        max_size=catalogue_io.MAX_UPLOAD_BYTES,
        help_text=_(
            "CSV(UTF-8 또는 CP949) 또는 XLSX, 5 MB·5,000행 이하. 첫 줄은 열 이름입니다. "
            "모든 행을 먼저 검사하고, 오류가 하나라도 있으면 아무것도 가져오지 않습니다."
        ),
    )
    organization = forms.ModelChoiceField(
        label=_("운영 기관"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        empty_label=_("전국 공통 (기관 없음)"),
        to_field_name="code",
        help_text=_("관리자만 고릅니다. 비우면 전국 공통 서비스로 가져옵니다."),
    )

    def __init__(self, *args, choose_organization: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx"
        if not choose_organization:
            del self.fields["organization"]
