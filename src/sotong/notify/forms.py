"""Forms of the resident pages of notify (subscribe, confirm, manage). Each field answers bad
input with a Korean message; addresses are normalised here (and again by the services, which
other callers use too)."""

from __future__ import annotations

from datetime import time

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sotong.accounts.forms import DongChoiceField
from sotong.core.vocab import Interest, LifeStage, TargetGroup
from sotong.org.models import Dong, Organization

from .addresses import normalize_email, normalize_phone
from .models import Channel, Subscriber

WEEKDAYS = [
    (0, _("월요일")),
    (1, _("화요일")),
    (2, _("수요일")),
    (3, _("목요일")),
    (4, _("금요일")),
    (5, _("토요일")),
    (6, _("일요일")),
]
HOURS = [("", _("정하지 않음"))] + [(f"{h:02d}:00", f"{h:02d}:00") for h in range(24)]


def _hour(value: str) -> time | None:
    if not value:
        return None
    hour, _minute = value.split(":")
    return time(int(hour))


def _checkboxes(choices, label, *, required: bool, required_message=None, help_text=""):
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
        error_messages={
            "required": required_message or _("하나 이상 고르세요."),
            "invalid_choice": _("목록에 있는 항목을 고르세요."),
            "invalid_list": _("목록에 있는 항목을 고르세요."),
        },
    )


class _PreferenceFields(forms.Form):
    """What a subscriber chooses, shared by the subscribe and manage forms."""

    channels = _checkboxes(
        Channel.choices,
        _("받는 방법"),
        required=True,
        required_message=_("받는 방법을 하나 이상 고르세요."),
        help_text=_("카카오 알림톡을 받을 수 없으면 같은 내용을 문자로 보냅니다."),
    )
    interests = _checkboxes(
        Interest.choices,
        _("관심 분야"),
        required=True,
        required_message=_("관심 분야를 하나 이상 고르세요."),
        help_text=_("재난·안전 긴급 알림은 관심 분야와 상관없이 사는 지역에 따라 보냅니다."),
    )
    life_stages = _checkboxes(LifeStage.choices, _("생애주기 (선택)"), required=False)
    target_groups = _checkboxes(
        TargetGroup.choices,
        _("해당하는 대상 (선택)"),
        required=False,
        help_text=_("고르면 받을 수 있는 지원 소식을 골라 보내 드립니다. 고르지 않아도 됩니다."),
    )
    frequency = forms.ChoiceField(
        label=_("받는 주기"),
        choices=Subscriber.Frequency.choices,
        initial=Subscriber.Frequency.IMMEDIATE,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("받는 주기를 고르세요."),
            "invalid_choice": _("받는 주기를 목록에서 고르세요."),
        },
    )
    digest_weekday = forms.TypedChoiceField(
        label=_("모아 받을 요일"),
        choices=WEEKDAYS,
        coerce=int,
        initial=4,
        help_text=_("주간 모아 받기를 고른 경우 이 요일 오전 9시에 소식지를 보냅니다."),
        error_messages={"invalid_choice": _("요일을 목록에서 고르세요.")},
    )
    quiet_start = forms.TypedChoiceField(
        label=_("방해 금지 시작"),
        choices=HOURS,
        coerce=_hour,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": _("시각을 목록에서 고르세요.")},
    )
    quiet_end = forms.TypedChoiceField(
        label=_("방해 금지 끝"),
        choices=HOURS,
        coerce=_hour,
        empty_value=None,
        required=False,
        help_text=_("이 시간에는 알림을 보내지 않습니다. 긴급 재난 알림은 예외입니다."),
        error_messages={"invalid_choice": _("시각을 목록에서 고르세요.")},
    )
    promo_consent = forms.BooleanField(
        label=_("광고성 정보(행사·축제, 할인 소식 등) 수신에 동의합니다. (선택)"), required=False
    )
    night_promo_consent = forms.BooleanField(
        label=_("밤 9시부터 아침 8시 사이에도 광고성 정보를 받겠습니다. (선택)"), required=False
    )

    def clean_email(self) -> str:
        raw = self.cleaned_data.get("email", "")
        return normalize_email(raw) if raw and raw.strip() else ""

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "")
        return normalize_phone(raw) if raw and raw.strip() else ""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("quiet_start"), cleaned.get("quiet_end")
        if "quiet_start" not in self.errors and "quiet_end" not in self.errors:
            if (start is None) != (end is None):
                self.add_error("quiet_end", _("방해 금지 시간은 시작과 끝을 모두 고르세요."))
            elif start is not None and start == end:
                self.add_error("quiet_end", _("방해 금지 시간의 시작과 끝이 같습니다."))
        if cleaned.get("night_promo_consent") and not cleaned.get("promo_consent"):
            self.add_error(
                "night_promo_consent",
                _("야간 광고성 정보를 받으려면 광고성 정보 수신에도 동의해야 합니다."),
            )
        return cleaned

    def _check_addresses(self, email: str, phone: str) -> None:
        channels = set(self.cleaned_data.get("channels") or ())
        if Channel.EMAIL in channels and not email and "email" not in self.errors:
            self.add_error("email", _("이메일로 받으려면 이메일 주소를 입력하세요."))
        if channels & {Channel.SMS, Channel.KAKAO} and not phone and "phone" not in self.errors:
            self.add_error(
                "phone", _("문자나 카카오 알림톡으로 받으려면 휴대전화 번호를 입력하세요.")
            )


_EMAIL_FIELD = dict(
    required=False,
    max_length=254,
    widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    error_messages={"max_length": _("이메일 주소가 너무 깁니다.")},
)
_PHONE_FIELD = dict(
    required=False,
    max_length=40,
    widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    error_messages={"max_length": _("휴대전화 번호가 너무 깁니다.")},
)


class SubscribeForm(_PreferenceFields):
    organization = forms.ModelChoiceField(
        label=_("기관(시·구)"),
        queryset=Organization.objects.order_by("kind", "name"),
        empty_label=_("고르세요"),
        error_messages={
            "required": _("알림을 받을 기관(시·구)을 고르세요."),
            "invalid_choice": _("목록에 있는 기관을 고르세요."),
        },
    )
    dong = DongChoiceField(
        label=_("사는 동네(행정동, 선택)"),
        required=False,
        empty_label=_("고르지 않음"),
        help_text=_(
            "고르면 그 동네 소식과 재난 알림을 받습니다. 기관에 속한 동만 고를 수 있습니다."
        ),
        error_messages={"invalid_choice": _("목록에 있는 행정동을 고르세요.")},
    )
    email = forms.CharField(
        label=_("이메일 주소"), help_text=_("예: hong@example.kr"), **_EMAIL_FIELD
    )
    phone = forms.CharField(
        label=_("휴대전화 번호"),
        help_text=_("예: 010-1234-5678. 국내 휴대전화 번호만 받습니다."),
        **_PHONE_FIELD,
    )
    consent = forms.BooleanField(
        label=_("위 개인정보 수집·이용과 알림 수신에 동의합니다. (필수)"),
        error_messages={
            "required": _("알림을 받으려면 개인정보 수집·이용과 수신에 동의해야 합니다.")
        },
    )

    field_order = [
        "organization",
        "dong",
        "channels",
        "email",
        "phone",
        "interests",
        "life_stages",
        "target_groups",
        "frequency",
        "digest_weekday",
        "quiet_start",
        "quiet_end",
        "consent",
        "promo_consent",
        "night_promo_consent",
    ]

    def clean(self):
        cleaned = super().clean()
        organization, dong = cleaned.get("organization"), cleaned.get("dong")
        if (
            dong is not None
            and organization is not None
            and dong.organization_id != organization.pk
        ):
            self.add_error(
                "dong",
                _("%(dong)s은(는) %(organization)s에 속한 행정동이 아닙니다.")
                % {"dong": dong.name, "organization": organization.name},
            )
        self._check_addresses(cleaned.get("email", ""), cleaned.get("phone", ""))
        return cleaned

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("consent", None)
        return data


class ManageForm(_PreferenceFields):
    """Preferences of an existing subscription. The addresses are shown masked; typing a new one
    replaces it (and asks for its confirmation), leaving the box empty keeps the current one."""

    dong = forms.ModelChoiceField(
        label=_("사는 동네(행정동, 선택)"),
        queryset=Dong.objects.none(),
        required=False,
        empty_label=_("고르지 않음"),
        error_messages={"invalid_choice": _("목록에 있는 행정동을 고르세요.")},
    )
    email = forms.CharField(label=_("새 이메일 주소"), **_EMAIL_FIELD)
    phone = forms.CharField(label=_("새 휴대전화 번호"), **_PHONE_FIELD)

    field_order = [
        "dong",
        "channels",
        "email",
        "phone",
        "interests",
        "life_stages",
        "target_groups",
        "frequency",
        "digest_weekday",
        "quiet_start",
        "quiet_end",
        "promo_consent",
        "night_promo_consent",
    ]

    def __init__(self, *args, subscriber: Subscriber, **kwargs):
        self.subscriber = subscriber
        super().__init__(*args, **kwargs)
        self.fields["dong"].queryset = Dong.objects.filter(
            organization_id=subscriber.organization_id
        ).order_by("name")
        self.fields["dong"].label_from_instance = lambda dong: dong.name
        self.fields["email"].help_text = _("지금 주소를 그대로 쓰려면 비워 두세요.")
        self.fields["phone"].help_text = _("지금 번호를 그대로 쓰려면 비워 두세요.")

    @classmethod
    def initial_for(cls, subscriber: Subscriber) -> dict:
        from sotong.core.vocab import from_mask

        from .models import channels_of

        def hour(value):
            return f"{value.hour:02d}:00" if value else ""

        return {
            "dong": subscriber.dong_id,
            "channels": channels_of(subscriber.channels),
            "interests": from_mask(Interest, subscriber.interests),
            "life_stages": from_mask(LifeStage, subscriber.life_stages),
            "target_groups": from_mask(TargetGroup, subscriber.target_groups),
            "frequency": subscriber.frequency,
            "digest_weekday": subscriber.digest_weekday,
            "quiet_start": hour(subscriber.quiet_start),
            "quiet_end": hour(subscriber.quiet_end),
            "promo_consent": subscriber.promo_consent,
            "night_promo_consent": subscriber.night_promo_consent,
        }

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email") or self.subscriber.email
        phone = cleaned.get("phone") or self.subscriber.phone
        self._check_addresses(email, phone)
        return cleaned

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        # Empty address boxes keep the current address.
        for field in ("email", "phone"):
            if not data.get(field):
                data.pop(field, None)
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("인증번호 6자리"),
        max_length=20,
        help_text=_("문자로 받은 숫자 6자리를 입력하세요. 10분 안에, 5번까지 입력할 수 있습니다."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={
            "required": _("인증번호를 입력하세요."),
            "max_length": _("인증번호 6자리 숫자를 입력하세요."),
        },
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code:
            raise ValidationError(_("인증번호를 입력하세요."))
        return code
