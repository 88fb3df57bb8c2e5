"""Forms of the catalogue pages and of its admin."""

from __future__ import annotations

import datetime

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sotong.core.search_page import clean_query
from sotong.guide.catalogue.queries import BIT_PARAMS, CHOICE_PARAMS, CatalogueFilters, known_values
from sotong.guide.catalogue.services import FACETS, SERVICE_FIELDS, clean_rules, facet_values
from sotong.guide.models import EligibilityRule, Service

MAX_VALUES_PER_PARAM = 20


def parse_filters(get: QueryDict) -> tuple[CatalogueFilters, bool]:
    """The filters of the browse page from its GET parameters, and whether something was
    dropped (an unknown value: the page then says so rather than failing)."""
    dropped = False
    selected: dict[str, list[str]] = {}
    for param in (*BIT_PARAMS, *CHOICE_PARAMS):
        known = known_values(param)
        values: list[str] = []
        for raw in get.getlist(param)[:MAX_VALUES_PER_PARAM]:
            value = raw.strip()[:40]
            if not value:
                continue
            if (known is not None and value not in known) or (
                known is None and not value.replace("-", "").replace("_", "").isalnum()
            ):
                dropped = True
                continue
            if value not in values:
                values.append(value)
        if values:
            selected[param] = values
    q, cut = clean_query(get.get("q", ""))
    return CatalogueFilters(selected=selected, q=q), dropped or cut


class ReviewForm(forms.Form):
    review_due = forms.DateField(
        label=_("다음 검토일"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("검토 메모"), required=False, max_length=500)

    def clean_review_due(self) -> datetime.date:
        value = self.cleaned_data["review_due"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("다음 검토일은 오늘이나 그 뒤여야 합니다."))
        return value


# --- the admin --------------------------------------------------------------------------------


def _facet_field(name: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=Service._meta.get_field(name).verbose_name,
        choices=FACETS[name].choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ServiceAdminForm(forms.ModelForm):
    """Facets as checkboxes named `facet_<mask field>` (stored as bit masks by
    `services_catalogue`, never by the form)."""

    facet_life_stages = _facet_field("life_stages")
    facet_target_groups = _facet_field("target_groups")
    facet_values = _facet_field("values")
    facet_situations = _facet_field("situations")
    facet_interests = _facet_field("interests")
    apply_online_url = forms.URLField(
        label=Service._meta.get_field("apply_online_url").verbose_name,
        required=False,
        max_length=500,
        assume_scheme="https",
    )
    source_url = forms.URLField(
        label=Service._meta.get_field("source_url").verbose_name,
        required=False,
        max_length=500,
        assume_scheme="https",
    )

    class Meta:
        model = Service
        fields = SERVICE_FIELDS

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in FACETS:
                self.initial[f"facet_{name}"] = facet_values(self.instance, name)

    def clean(self):
        data = super().clean()
        department = data.get("department")
        if department is not None and department.organization_id != getattr(
            data.get("organization"), "pk", None
        ):
            self.add_error("department", _("담당 부서는 운영 기관의 부서여야 합니다."))
        return data


class RuleInlineForm(forms.ModelForm):
    class Meta:
        model = EligibilityRule
        fields = ("kind", "params", "text", "order")

    def clean(self):
        data = super().clean()
        if data.get("kind") and not data.get("DELETE"):
            try:
                rule = clean_rules(
                    [{"kind": data["kind"], "params": data.get("params") or {}, "text": ""}]
                )[0]
            except forms.ValidationError as exc:
                raise forms.ValidationError(
                    [m.replace("1번째 자격 기준", str(_("자격 기준"))) for m in exc.messages]
                ) from None
            data["params"] = rule["params"]
        return data
