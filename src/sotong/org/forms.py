"""Forms of the organisation admin screens. They only parse and check input; the admin hands
the cleaned values to `services`."""

from __future__ import annotations

import csv
import io

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Department, Organization, Staff, StaffingEntry
from .services import STAFF_FIELDS

MAX_IMPORT_BYTES = 512 * 1024
MAX_IMPORT_ROWS = 2000


class DepartmentAdminForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = [
            "organization",
            "parent",
            "name",
            "name_en",
            "kind",
            "duties",
            "phone",
            "order",
            "active",
        ]

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if instance.pk and "active" in self.changed_data:
            saved = Department.objects.get(pk=instance.pk)
            if saved.active and not cleaned.get("active"):
                for problem in services.department_deactivation_problems(saved):
                    self.add_error("active", problem)
            parent = cleaned.get("parent")
            if not saved.active and cleaned.get("active") and parent and not parent.active:
                self.add_error(
                    "active",
                    _("상위 국이 폐지되어 있습니다. 상위 국을 먼저 다시 운영하세요."),
                )
        return cleaned


class StaffAdminForm(forms.ModelForm):
    class Meta:
        model = Staff
        fields = ["user", *STAFF_FIELDS]

    def clean(self):
        cleaned = super().clean()
        department = cleaned.get("department")
        if cleaned.get("active") and department is not None and not department.active:
            self.add_error("department", _("폐지된 부서에는 직원을 배치할 수 없습니다."))
        return cleaned


def _series_value(raw: str) -> str | None:
    # Staffing tables are printed in Korean: their labels are accepted whatever the admin's
    # language, and so are the labels of the page's language.
    raw = raw.strip()
    with translation.override("ko"):
        korean = {value: str(label) for value, label in StaffingEntry.Series.choices}
    for value, label in StaffingEntry.Series.choices:
        if raw in {value, korean[value], str(label)}:
            return value
    return None


def _count(raw: str) -> int | None:
    raw = raw.strip()
    if raw in {"", "-"}:
        return 0
    if not raw.isdigit():
        return None
    return int(raw)


class StaffingImportForm(forms.Form):
    """A staffing table as CSV (UTF-8): 부서,직군,급,정원,현원 — one line per cell pair, a header
    line first. 직군 is 행정·기술직군 / 임기제 일반직 / 기타(관리운영, 전문경력) (or general /
    fixed_term / other); "-" counts as 0 as in the printed tables."""

    organization = forms.ModelChoiceField(
        label=_("기관"), queryset=Organization.objects.none(), empty_label=None
    )
    as_of = forms.DateField(
        label=_("기준일"),
        help_text=_("예: 2016-08-10"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    data = forms.CharField(
        label=_("CSV 내용"),
        widget=forms.Textarea(attrs={"rows": 14, "cols": 80}),
        help_text=_("첫 줄: 부서,직군,급,정원,현원. 같은 기준일의 기존 표는 이 내용으로 바뀝니다."),
        max_length=MAX_IMPORT_BYTES,
    )
    reason = forms.CharField(label=_("사유"), required=False, max_length=200)

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations or Organization.objects.none()
        self.rows: list[services.StaffingRow] = []

    def clean(self):
        cleaned = super().clean()
        organization = cleaned.get("organization")
        text = cleaned.get("data")
        if organization is None or not text:
            return cleaned
        departments = {d.name: d for d in Department.objects.filter(organization=organization)}
        reader = csv.reader(io.StringIO(text.strip().lstrip("\ufeff")))
        errors: list[str] = []
        rows: list[services.StaffingRow] = []
        for line_no, record in enumerate(reader, start=1):
            if line_no == 1 and record and record[0].strip() == "부서":
                continue
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                errors.append(
                    _("행이 너무 많습니다. 한 번에 %(n)d행까지 가져올 수 있습니다.")
                    % {"n": MAX_IMPORT_ROWS}
                )
                break
            if len(record) != 5:
                errors.append(
                    _("%(n)d번째 줄: 부서,직군,급,정원,현원 다섯 칸이어야 합니다.") % {"n": line_no}
                )
                continue
            name, series_raw, grade, authorized_raw, current_raw = (c.strip() for c in record)
            department = departments.get(name)
            series = _series_value(series_raw)
            authorized = _count(authorized_raw)
            current = _count(current_raw)
            if department is None:
                errors.append(
                    _("%(n)d번째 줄: '%(name)s' 부서가 이 기관에 없습니다.")
                    % {"n": line_no, "name": name}
                )
            elif series is None:
                errors.append(
                    _("%(n)d번째 줄: 직군 '%(s)s'을(를) 알 수 없습니다.")
                    % {"n": line_no, "s": series_raw}
                )
            elif not grade:
                errors.append(_("%(n)d번째 줄: 급을 입력하세요.") % {"n": line_no})
            elif authorized is None or current is None:
                errors.append(
                    _("%(n)d번째 줄: 정원과 현원은 0 이상의 정수여야 합니다.") % {"n": line_no}
                )
            else:
                rows.append(services.StaffingRow(department, series, grade, authorized, current))
        if errors:
            raise forms.ValidationError(errors)
        if not rows:
            raise forms.ValidationError(_("가져올 정원·현원 행이 없습니다."))
        self.rows = rows
        return cleaned
