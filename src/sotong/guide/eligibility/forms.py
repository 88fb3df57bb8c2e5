"""The questionnaire of `views_eligibility`. Every question is optional; the checks (ranges,
contradictions) are `eligibility.answers_clean`'s, so the page and the API say the same thing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sotong.guide.eligibility.answers import (
    EMPLOYMENT_STATUSES,
    HOUSEHOLD_TYPES,
    Answers,
    answers_clean,
)
from sotong.org.models import Organization

YES_NO = (("", _("답하지 않음")), ("true", _("예")), ("false", _("아니요")))
NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}


def _organization_choices() -> list[tuple[str, str]]:
    choices = [("", _("선택하지 않음"))]
    for org in Organization.objects.select_related("parent").order_by("parent__name", "name"):
        name = f"{org.parent.name} {org.name}" if org.parent_id else org.name
        choices.append((org.code, name))
    return choices


class EligibilityForm(forms.Form):
    age = forms.CharField(
        label=_("나이 (만 나이)"),
        required=False,
        max_length=5,
        widget=forms.TextInput(attrs=NUMERIC),
        help_text=_("생년월일을 입력하면 비워 두어도 됩니다."),
    )
    birth_date = forms.CharField(
        label=_("생년월일"),
        required=False,
        max_length=10,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        help_text=_("예: 1960-05-01"),
    )
    organization = forms.ChoiceField(label=_("사는 구"), required=False, choices=())
    dong = forms.CharField(
        label=_("행정동"), required=False, max_length=30, help_text=_("예: 신촌동")
    )
    household_size = forms.CharField(
        label=_("가구원 수 (본인 포함)"),
        required=False,
        max_length=3,
        widget=forms.TextInput(attrs=NUMERIC),
    )
    monthly_income = forms.CharField(
        label=_("가구 월 소득 (원)"),
        required=False,
        max_length=15,
        widget=forms.TextInput(attrs=NUMERIC),
        help_text=_("가구원 모두의 한 달 소득을 더한 금액. 예: 1500000"),
    )
    household_type = forms.ChoiceField(
        label=_("가구 유형"),
        required=False,
        choices=[("", _("선택하지 않음")), *HOUSEHOLD_TYPES],
    )
    disability = forms.ChoiceField(label=_("등록 장애인인가요?"), required=False, choices=YES_NO)
    employment = forms.ChoiceField(
        label=_("취업 상태"),
        required=False,
        choices=[("", _("선택하지 않음")), *EMPLOYMENT_STATUSES],
    )
    pregnant = forms.ChoiceField(label=_("임신 중인가요?"), required=False, choices=YES_NO)
    children_ages = forms.CharField(
        label=_("자녀 나이 (만 나이)"),
        required=False,
        max_length=100,
        help_text=_("쉼표로 나누어 입력하세요. 예: 3, 7. 자녀가 없으면 비워 두세요."),
    )
    on_date = forms.CharField(
        label=_("기준일"),
        required=False,
        max_length=10,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("비워 두면 오늘을 기준으로 판단합니다."),
    )
    save_profile = forms.BooleanField(
        label=_("내 정보 저장"),
        required=False,
        help_text=_(
            "다음에 다시 입력하지 않도록 답변을 암호화해 저장합니다. 언제든 지울 수 있습니다."
        ),
    )
    notify_on_match = forms.BooleanField(
        label=_("맞는 새 서비스가 생기면 알림 받기"),
        required=False,
        help_text=_("알림 구독에서 복지 분야를 고른 분께 보냅니다."),
    )

    ANSWER_FIELDS = (
        "age",
        "birth_date",
        "organization",
        "dong",
        "household_size",
        "monthly_income",
        "household_type",
        "disability",
        "employment",
        "pregnant",
        "children_ages",
        "on_date",
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answers: Answers | None = None
        self.fields["organization"].choices = _organization_choices()
        if user is None or not user.is_authenticated:
            del self.fields["save_profile"]
            del self.fields["notify_on_match"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        data = {name: cleaned.get(name) for name in self.ANSWER_FIELDS}
        try:
            self.answers = answers_clean(data)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
            return cleaned
        if not self.answers.as_data(with_on_date=False):
            # Nothing to judge by: say so here instead of an empty round trip to the results.
            self.add_error(
                None,
                _(
                    "질문에 하나 이상 답해 주세요. 모두 선택 사항이지만, 답이 없으면 판단할 수 없습니다."
                ),
            )
        return cleaned

    @staticmethod
    def initial_from(data: dict[str, Any] | None) -> dict[str, Any]:
        """Form values from stored answers (`Answers.as_data()`)."""
        initial: dict[str, Any] = {}
        for key, value in (data or {}).items():
            if isinstance(value, bool):
                initial[key] = "true" if value else "false"
            elif isinstance(value, list):
                initial[key] = ", ".join(str(v) for v in value)
            else:
                initial[key] = value
        return initial
