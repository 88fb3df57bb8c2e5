"""Forms of the helper pages. They parse what a person typed; the rules (status, permission,
phone required for the phone) live in `services_help.py`, whose ValidationErrors the views put
back onto these forms. Forms shown together on one page have their own prefix."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sotong.helpdesk.models import HelpContact, Helper, HelpRequest
from sotong.org.models import Organization, Staff

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class HelpRequestForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("도움 받을 기관"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("기관을 고르세요"),
    )
    message = forms.CharField(
        label=_("도움 받고 싶은 내용"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("어떤 도움이 필요한지 2,000자 이내로 적어 주세요. 주민등록번호는 쓰지 마세요."),
        error_messages={
            "required": _("도움 받고 싶은 내용을 입력하세요."),
            "max_length": _("도움 받고 싶은 내용은 2,000자 이내로 입력하세요."),
        },
    )
    contact_method = forms.ChoiceField(
        label=_("연락 방법"),
        choices=HelpRequest.ContactMethod.choices,
        widget=forms.RadioSelect,
        initial=HelpRequest.ContactMethod.PHONE,
        error_messages={"required": _("연락 방법을 고르세요.")},
    )
    contact_phone = forms.CharField(
        label=_("연락처(전화번호)"),
        max_length=20,
        required=False,
        help_text=_("전화로 연락받으려면 꼭 입력하세요. 예: 010-1234-5678"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args, fixed_organization: Organization | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_organization is not None:
            del self.fields["organization"]
        else:
            self.fields["organization"].queryset = Organization.objects.order_by("name")
            self.fields["organization"].required = True
            self.fields["organization"].error_messages["required"] = _(
                "도움을 받을 기관을 고르세요."
            )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("취소 사유 (선택)"), max_length=200, required=False)


class SurveyForm(forms.Form):
    SCORES = [(str(n), str(n)) for n in range(5, 0, -1)]
    satisfaction = forms.TypedChoiceField(
        label=_("도움에 얼마나 만족하셨나요? (5점이 가장 만족)"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("만족도를 고르세요.")},
    )
    kindness = forms.TypedChoiceField(
        label=_("도우미는 친절했나요? (5점이 가장 친절)"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("친절도를 고르세요.")},
    )
    comment = forms.CharField(
        label=_("의견 (선택)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "survey")
        super().__init__(*args, **kwargs)


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("상태"),
        choices=[("", _("전체")), *HelpRequest.Status.choices],
        required=False,
    )
    helper = forms.ChoiceField(label=_("도우미"), required=False)

    def __init__(self, *args, helpers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["helper"].choices = [("", _("전체")), ("none", _("미배정"))] + [
            (str(helper.pk), helper.staff.name) for helper in helpers
        ]


class HelperChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Helper) -> str:
        count = getattr(obj, "open_count", None)
        department = obj.staff.department.name if obj.staff.department_id else ""
        label = f"{obj.staff.name} ({department})" if department else obj.staff.name
        if count is not None:
            label += " — " + str(_("담당 %(open)d / 한도 %(cap)d")) % {
                "open": count,
                "cap": obj.capacity,
            }
        return label


class AssignForm(forms.Form):
    helper = HelperChoiceField(
        label=_("도우미"),
        queryset=Helper.objects.none(),
        empty_label=_("도우미를 고르세요"),
        error_messages={
            "required": _("도우미를 고르세요."),
            "invalid_choice": _("도우미를 고르세요."),
        },
    )

    def __init__(self, *args, helpers=None, **kwargs):
        kwargs.setdefault("prefix", "assign")
        super().__init__(*args, **kwargs)
        if helpers is not None:
            self.fields["helper"].queryset = helpers


class ContactForm(forms.Form):
    at = forms.DateTimeField(
        label=_("연락한 일시"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        error_messages={
            "required": _("연락한 일시를 입력하세요."),
            "invalid": _("연락한 일시를 2025-03-01 14:30처럼 입력하세요."),
        },
    )
    channel = forms.ChoiceField(
        label=_("연락 방법"),
        choices=HelpContact.Channel.choices,
        error_messages={"required": _("연락 방법을 고르세요.")},
    )
    note = forms.CharField(
        label=_("내용 (내부 기록)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("신청인에게는 보이지 않습니다. 일시와 방법만 보입니다."),
        error_messages={"required": _("연락한 내용을 입력하세요.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "contact")
        kwargs.setdefault("initial", {"at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)


class CompleteForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("결과"),
        choices=[("", _("결과를 고르세요")), *HelpRequest.Outcome.choices],
        error_messages={"required": _("결과를 고르세요.")},
    )
    result = forms.CharField(
        label=_("결과 내용 (신청인에게 보임)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("신청인에게 알릴 결과 내용을 입력하세요.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "complete")
        super().__init__(*args, **kwargs)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        department = obj.department.name if obj.department_id else ""
        return f"{obj.name} ({department})" if department else obj.name


class HelperCreateForm(forms.Form):
    staff = StaffChoiceField(
        label=_("직원"),
        queryset=Staff.objects.none(),
        empty_label=_("직원을 고르세요"),
        error_messages={"required": _("직원을 고르세요."), "invalid_choice": _("직원을 고르세요.")},
    )
    capacity = forms.IntegerField(
        label=_("동시 담당 한도"),
        min_value=1,
        max_value=100,
        initial=10,
        error_messages={
            "required": _("동시 담당 한도를 입력하세요."),
            "invalid": _("동시 담당 한도는 수로 입력하세요."),
            "min_value": _("동시 담당 한도는 1 이상으로 입력하세요."),
            "max_value": _("동시 담당 한도는 100 이하로 입력하세요."),
        },
    )
    introduction = forms.CharField(label=_("소개 (선택)"), max_length=300, required=False)

    def __init__(self, *args, staff=None, **kwargs):
        kwargs.setdefault("prefix", "new")
        super().__init__(*args, **kwargs)
        if staff is not None:
            self.fields["staff"].queryset = staff


class HelperUpdateForm(forms.Form):
    capacity = forms.IntegerField(
        label=_("동시 담당 한도"),
        min_value=1,
        max_value=100,
        error_messages={
            "required": _("동시 담당 한도를 입력하세요."),
            "invalid": _("동시 담당 한도는 수로 입력하세요."),
            "min_value": _("동시 담당 한도는 1 이상으로 입력하세요."),
            "max_value": _("동시 담당 한도는 100 이하로 입력하세요."),
        },
    )
    introduction = forms.CharField(label=_("소개"), max_length=300, required=False)
    active = forms.BooleanField(label=_("활동 중"), required=False)
