"""Forms of the accounts pages. Each field answers bad input with a Korean message (English from
the `en` catalogue) and every value is cleaned here before a service sees it."""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from sotong.org.models import Dong, Organization

from .models import AccountDeletion, ResidentProfile
from .validators import (
    normalize_phone,
    normalize_spaces,
    validate_address_text,
    validate_person_name,
)


class _GroupedDongIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        for dong in self.queryset:
            groups.setdefault(dong.organization.name, []).append(self.choice(dong))
        yield from groups.items()


class DongChoiceField(forms.ModelChoiceField):
    """행정동 grouped by organisation (<optgroup>), so the list reads well without JavaScript."""

    iterator = _GroupedDongIterator

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Dong.objects.select_related("organization").order_by(
                "organization__name", "name"
            ),
            **kwargs,
        )

    def label_from_instance(self, obj) -> str:
        return obj.name


class ResidentProfileForm(forms.Form):
    name = forms.CharField(
        label=_("이름"),
        max_length=50,
        help_text=_("실명을 적어 주세요. 공개 화면에는 홍*동처럼 가려서 보입니다."),
        error_messages={
            "required": _("이름을 입력하세요."),
            "max_length": _("이름은 50자 이내로 입력하세요."),
        },
    )
    phone = forms.CharField(
        label=_("전화번호"),
        required=False,
        max_length=30,
        help_text=_("예: 010-1234-5678. 담당 공무원이 연락할 때만 씁니다."),
        error_messages={"max_length": _("전화번호가 너무 깁니다.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    address = forms.CharField(
        label=_("주소"),
        required=False,
        max_length=200,
        help_text=_("도로명 주소를 적어 주세요."),
        error_messages={"max_length": _("주소는 200자 이내로 입력하세요.")},
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    organization = forms.ModelChoiceField(
        label=_("사는 곳(자치단체)"),
        queryset=Organization.objects.order_by("kind", "name"),
        required=False,
        empty_label=_("고르세요"),
        error_messages={"invalid_choice": _("목록에 있는 자치단체를 고르세요.")},
    )
    dong = DongChoiceField(
        label=_("행정동"),
        required=False,
        empty_label=_("고르세요"),
        error_messages={"invalid_choice": _("목록에 있는 행정동을 고르세요.")},
    )
    language = forms.ChoiceField(
        label=_("사용 언어"),
        choices=ResidentProfile.Language.choices,
        error_messages={
            "required": _("사용 언어를 고르세요."),
            "invalid_choice": _("목록에 있는 언어를 고르세요."),
        },
    )

    def clean_name(self) -> str:
        name = normalize_spaces(self.cleaned_data["name"])
        validate_person_name(name)
        return name

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        return normalize_phone(phone) if phone else ""

    def clean_address(self) -> str:
        address = normalize_spaces(self.cleaned_data["address"])
        validate_address_text(address)
        return address

    def clean(self):
        cleaned = super().clean()
        organization, dong = cleaned.get("organization"), cleaned.get("dong")
        if dong is not None and "organization" not in self.errors:
            if organization is None:
                self.add_error("organization", _("행정동을 고르려면 자치단체도 고르세요."))
            elif dong.organization_id != organization.pk:
                self.add_error(
                    "dong",
                    _("%(dong)s은(는) %(organization)s에 속한 행정동이 아닙니다.")
                    % {"dong": dong.name, "organization": organization.name},
                )
        return cleaned

    @classmethod
    def initial_for(cls, profile: ResidentProfile | None, language: str) -> dict:
        if profile is None:
            return {"language": language}
        return {
            "name": profile.name,
            "phone": profile.phone,
            "address": profile.address,
            "organization": profile.organization_id,
            "dong": profile.dong_id,
            "language": profile.language,
        }


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("비밀번호"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("탈퇴하려면 비밀번호를 입력하세요.")},
    )
    reason = forms.ChoiceField(
        label=_("탈퇴 사유"),
        choices=AccountDeletion.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("탈퇴 사유를 고르세요."),
            "invalid_choice": _("목록에 있는 탈퇴 사유를 고르세요."),
        },
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("비밀번호가 맞지 않습니다."), code="wrong_password")
        return password
