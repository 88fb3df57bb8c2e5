"""Forms of the petitions staff workspace (`/petitions/staff/`): the inbox filter, staff entry of
phone, visit, call-centre and mobile-office petitions, and the actions of the case page (assign,
reassign, transfer, extend, answer, return, contact view, grouping).

They only parse and check what a person typed; the rules of a petition (who may do what, in which
state, which department or handler fits) live in `services.py`, whose ValidationErrors the views
put back onto these forms. Every form of the case page has its own prefix, so that the ids of
several forms on one page never collide."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sotong.org.models import Department, Organization, Staff

from ..models import Board, Category, Channel, Kind, Petition, Status

MAX_BODY = 20_000
MAX_REASON = 1_000

# Channels a member of staff types in on behalf of a petitioner (the web form and Open311 have
# their own entry points).
STAFF_CHANNELS = (Channel.PHONE, Channel.VISIT, Channel.CALL_CENTRE, Channel.MOBILE_OFFICE)


def _reason_field(label, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=help_text,
        error_messages={"required": _("사유를 입력하세요.")},
    )


class StaffChoiceField(forms.ModelChoiceField):
    """A handler as staff read them: department — name (position)."""

    def label_from_instance(self, obj: Staff) -> str:
        department = obj.department.name if obj.department_id else ""
        name = f"{obj.name} ({obj.get_position_display()})"
        return f"{department} — {name}" if department else name


# --- the inbox ----------------------------------------------------------------------------------


class InboxFilterForm(forms.Form):
    LIGHTS = (
        ("", _("전체")),
        ("on_time", _("정상")),
        ("at_risk", _("임박")),
        ("overdue", _("지연")),
    )

    q = forms.CharField(label=_("제목 검색"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("상태"), required=False, choices=[("", _("전체")), *Status.choices]
    )
    light = forms.ChoiceField(label=_("처리 기한"), required=False, choices=LIGHTS)
    kind = forms.ChoiceField(
        label=_("종류"), required=False, choices=[("", _("전체")), *Kind.choices]
    )
    category = forms.ModelChoiceField(
        label=_("분야"), required=False, queryset=Category.objects.none(), empty_label=_("전체")
    )

    def __init__(self, *args, organization: Organization | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        categories = Category.objects.filter(active=True)
        if organization is not None:
            categories = categories.filter(organization=organization)
        self.fields["category"].queryset = categories.order_by("order", "name")


# --- staff entry --------------------------------------------------------------------------------


class StaffEntryForm(forms.Form):
    """A petition received by phone, at the counter, by the 120 call centre or the mobile office,
    typed in by the officer who took it."""

    PUBLICITY = (
        ("default", _("게시판 기본값에 따름")),
        ("public", _("공개")),
        ("private", _("비공개")),
    )

    channel = forms.ChoiceField(
        label=_("접수 경로"),
        choices=[(c.value, c.label) for c in STAFF_CHANNELS],
        widget=forms.RadioSelect,
    )
    board = forms.ModelChoiceField(
        label=_("게시판"), queryset=Board.objects.none(), empty_label=_("선택하세요")
    )
    kind = forms.ChoiceField(label=_("종류"), choices=[("", _("선택하세요")), *Kind.choices])
    category = forms.ModelChoiceField(
        label=_("분야"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("모름 (배정할 때 정함)"),
    )
    petitioner_name = forms.CharField(label=_("민원인 이름"), max_length=50)
    contact_phone = forms.CharField(
        label=_("전화번호"),
        max_length=20,
        required=False,
        help_text=_("예: 010-1234-5678. 전화번호나 이메일 중 하나는 꼭 적으세요."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    contact_email = forms.EmailField(
        label=_("이메일"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    title = forms.CharField(label=_("제목"), max_length=200)
    body = forms.CharField(
        label=_("내용"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("민원인이 말한 내용을 그대로 적으세요. 주민등록번호는 적지 마세요."),
    )
    address = forms.CharField(label=_("위치 (해당하면)"), max_length=200, required=False)
    publicity = forms.ChoiceField(
        label=_("공개 여부"), choices=PUBLICITY, initial="default", widget=forms.RadioSelect
    )
    consent = forms.BooleanField(
        label=_("민원인에게 개인정보 수집·이용 동의를 받았습니다."),
        error_messages={"required": _("민원인의 개인정보 수집·이용 동의를 확인해 주세요.")},
    )

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["board"].queryset = Board.objects.filter(
            organization=organization, active=True
        ).order_by("order", "name")
        self.fields["category"].queryset = Category.objects.filter(
            organization=organization, active=True
        ).order_by("order", "name")

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("contact_phone") and not data.get("contact_email"):
            self.add_error(
                "contact_phone", _("답변을 보낼 전화번호나 이메일 중 하나를 입력하세요.")
            )
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        publicity = data["publicity"]
        return {
            "board": data["board"],
            "kind": data["kind"],
            "category": data["category"],
            "title": data["title"],
            "body": data["body"],
            "address": data["address"],
            "is_public": None if publicity == "default" else publicity == "public",
            "petitioner_name": data["petitioner_name"],
            "contact_phone": data["contact_phone"],
            "contact_email": data["contact_email"],
            "consent": data["consent"],
            "channel": data["channel"],
        }


# --- the case page ------------------------------------------------------------------------------


class _DepartmentHandlerMixin:
    """Department and handler of the petition's organisation. The handler must belong to the
    chosen department (checked here for a clear message; the service checks again)."""

    def _setup(self, organization: Organization) -> None:
        self.fields["department"].queryset = Department.objects.filter(
            organization=organization, active=True
        ).order_by("order", "name")
        self.fields["handler"].queryset = (
            Staff.objects.filter(organization=organization, active=True, department__isnull=False)
            .select_related("department")
            .order_by("department__order", "department__name", "name")
        )

    def _check_handler(self, data: dict) -> None:
        department, handler = data.get("department"), data.get("handler")
        if department and handler and handler.department_id != department.pk:
            self.add_error("handler", _("담당자는 고른 부서의 직원이어야 합니다."))


class AssignForm(_DepartmentHandlerMixin, forms.Form):
    department = forms.ModelChoiceField(
        label=_("처리 부서"), queryset=Department.objects.none(), empty_label=_("선택하세요")
    )
    handler = StaffChoiceField(
        label=_("담당자"),
        queryset=Staff.objects.none(),
        required=False,
        empty_label=_("부서에서 정함"),
    )
    category = forms.ModelChoiceField(
        label=_("민원 분야 (바꿀 때만)"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("그대로 둠"),
    )
    note = forms.CharField(
        label=_("메모 (직원에게만 보임)"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        kwargs.setdefault("prefix", "assign")
        super().__init__(*args, **kwargs)
        self._setup(organization)
        self.fields["category"].queryset = Category.objects.filter(
            organization=organization, active=True
        )

    def clean(self) -> dict:
        data = super().clean()
        self._check_handler(data)
        return data


class ReassignForm(_DepartmentHandlerMixin, forms.Form):
    department = forms.ModelChoiceField(
        label=_("새 처리 부서"), queryset=Department.objects.none(), empty_label=_("선택하세요")
    )
    handler = StaffChoiceField(
        label=_("새 담당자"),
        queryset=Staff.objects.none(),
        required=False,
        empty_label=_("부서에서 정함"),
    )
    reason = _reason_field(_("재배정 사유"), _("민원인이 볼 수 있습니다. 개인정보를 적지 마세요."))

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        kwargs.setdefault("prefix", "reassign")
        super().__init__(*args, **kwargs)
        self._setup(organization)

    def clean(self) -> dict:
        data = super().clean()
        self._check_handler(data)
        return data


class TransferForm(forms.Form):
    to_organization = forms.ModelChoiceField(
        label=_("이송할 기관"), queryset=Organization.objects.none(), empty_label=_("선택하세요")
    )
    reason = _reason_field(_("이송 사유"), _("민원인이 볼 수 있습니다. 개인정보를 적지 마세요."))

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        kwargs.setdefault("prefix", "transfer")
        super().__init__(*args, **kwargs)
        self.fields["to_organization"].queryset = Organization.objects.exclude(
            pk=organization.pk
        ).order_by("name")


class ExtendForm(forms.Form):
    reason = _reason_field(
        _("연장 사유"), _("민원인에게 알립니다. 처리 기한은 한 번만 연장할 수 있습니다.")
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "extend")
        super().__init__(*args, **kwargs)


class AnswerForm(forms.Form):
    """The answer editor: save a draft, submit it for approval or close it alone (담당전결).
    Submitting needs every item of the board's checklist ticked."""

    SAVE, SUBMIT, SELF_APPROVE = "save", "submit", "self_approve"
    ACTIONS = (SAVE, SUBMIT, SELF_APPROVE)

    body = forms.CharField(
        label=_("답변"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": _("답변을 입력하세요.")},
    )
    checklist = forms.MultipleChoiceField(
        label=_("답변 점검 항목"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("결재를 요청하려면 모든 항목을 확인해야 합니다."),
    )
    # Set by the submit button pressed (name "answer-action"); Enter in the text saves a draft.
    action = forms.ChoiceField(
        choices=[(a, a) for a in ACTIONS], required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, checklist: Sequence[str] = (), **kwargs) -> None:
        kwargs.setdefault("prefix", "answer")
        super().__init__(*args, **kwargs)
        self.items = list(checklist)
        self.fields["checklist"].choices = [(item, item) for item in self.items]
        if not self.items:
            del self.fields["checklist"]

    def clean(self) -> dict:
        data = super().clean()
        data["action"] = data.get("action") or self.SAVE
        if data["action"] in (self.SUBMIT, self.SELF_APPROVE) and self.items:
            ticked = set(data.get("checklist") or ())
            if ticked != set(self.items):
                self.add_error("checklist", _("모든 점검 항목을 확인해 주세요."))
        return data

    def ticked(self) -> list[str]:
        return list(self.cleaned_data.get("checklist") or [])


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("반려 의견"),
        max_length=MAX_REASON * 2,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("담당자에게만 보입니다."),
        error_messages={"required": _("반려 의견을 입력하세요.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "return")
        super().__init__(*args, **kwargs)


class ContactViewForm(forms.Form):
    reason = forms.CharField(
        label=_("열람 목적"),
        max_length=200,
        required=False,
        initial=_("민원 처리(회신)"),
        help_text=_("연락처를 볼 때마다 열람 기록이 남습니다."),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "contact")
        super().__init__(*args, **kwargs)


class PlaceForm(forms.Form):
    """Whether public pages show the exact place or the street only (issue 11)."""

    public = forms.TypedChoiceField(
        label=_("공개 화면의 위치"),
        choices=[
            ("0", _("거리 수준까지만 (기본: 번지 없이, 지도는 100m 안팎)")),
            ("1", _("정확한 위치 (가로등·도로처럼 집이 아닌 곳)")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("공개할 위치를 고르세요.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "place")
        super().__init__(*args, **kwargs)


class GroupCreateForm(forms.Form):
    """Bundle this petition with some of its near-duplicate candidates (반복·다수인 민원)."""

    title = forms.CharField(label=_("묶음 제목"), max_length=200)
    petitions = forms.MultipleChoiceField(
        label=_("함께 묶을 민원"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("함께 묶을 민원을 하나 이상 고르세요.")},
    )

    def __init__(self, *args, candidates: Iterable[Petition] = (), **kwargs) -> None:
        kwargs.setdefault("prefix", "group")
        super().__init__(*args, **kwargs)
        self.candidates = {str(p.pk): p for p in candidates}
        self.fields["petitions"].choices = [
            (pk, f"#{pk} {p.title}") for pk, p in self.candidates.items()
        ]

    def chosen(self) -> list[Petition]:
        return [self.candidates[pk] for pk in self.cleaned_data["petitions"]]


class GroupAnswerForm(forms.Form):
    body = forms.CharField(
        label=_("모두에게 보낼 답변"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": _("답변을 입력하세요.")},
    )
    checklist = forms.MultipleChoiceField(
        label=_("답변 점검 항목"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, checklist: Sequence[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(checklist)
        self.fields["checklist"].choices = [(item, item) for item in self.items]
        if not self.items:
            del self.fields["checklist"]

    def clean(self) -> dict:
        data = super().clean()
        if self.items and set(data.get("checklist") or ()) != set(self.items):
            self.add_error("checklist", _("모든 점검 항목을 확인해 주세요."))
        return data

    def ticked(self) -> list[str]:
        return list(self.cleaned_data.get("checklist") or [])


def clean_error_message(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)
