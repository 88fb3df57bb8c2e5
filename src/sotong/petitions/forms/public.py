"""Forms of the resident pages of petitions: the web intake form, the SMS code of an anonymous
petitioner, the rating and the reopen (재민원) forms, the filters of the public listing.

Each field answers bad input with a Korean message. The services check everything again (other
callers use them too): the forms exist so that a resident sees the problem next to the field."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sotong.core.files import CheckedFileField, kinds
from sotong.notify.addresses import normalize_email, normalize_phone

from ..models import Board, Category, Kind, Status

TITLE_MAX = 200
BODY_MAX = 20_000
ADDRESS_MAX = 200
COMMENT_MAX = 2_000
ATTACHMENTS_MAX = 5
# Korea's land and islands (마라도 33.1 … 백령도/고성 38.6; 백령도 124.6 … 독도 131.9), as the model's
# validators: a point outside is a mistake (or a test of us), refused with a message.
LAT_RANGE = (Decimal("33"), Decimal("39"))
LON_RANGE = (Decimal("124"), Decimal("132"))
# The hidden one-time key of a form render: URL-safe characters only, as we make them.
IDEMPOTENCY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_form_key() -> str:
    return secrets.token_urlsafe(24)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleCheckedFileField(CheckedFileField):
    """Several files in one input, each checked like `file_store` will (type by content, size)."""

    widget = MultipleFileInput

    def __init__(self, *, max_files: int = ATTACHMENTS_MAX, **kwargs):
        self.max_files = max_files
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        uploads = [upload for upload in uploads if upload]
        if len(uploads) > self.max_files:
            raise ValidationError(
                _("파일은 %(max)d개까지 올릴 수 있습니다.") % {"max": self.max_files},
                code="too_many_files",
            )
        return [super(MultipleCheckedFileField, self).clean(upload, initial) for upload in uploads]


def _error_messages(required: str, **more) -> dict:
    return {"required": required, **more}


class PetitionForm(forms.Form):
    """The web intake form of one board. Anonymous visitors also give a phone or an e-mail
    address, which is confirmed (a code or a link) before the petition is submitted."""

    kind = forms.ChoiceField(
        label=_("민원 종류"),
        widget=forms.RadioSelect,
        error_messages=_error_messages(
            _("민원 종류를 고르세요."), invalid_choice=_("이 게시판에서 받는 종류를 고르세요.")
        ),
    )
    category = forms.ModelChoiceField(
        label=_("분야 (선택)"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("잘 모르겠음"),
        help_text=_("모르면 비워 두세요. 담당 부서에서 알맞은 분야를 정합니다."),
        error_messages={"invalid_choice": _("목록에 있는 분야를 고르세요.")},
    )
    title = forms.CharField(
        label=_("제목"),
        max_length=TITLE_MAX,
        help_text=_("무엇에 관한 민원인지 한 줄로 적어 주세요. (200자 이내)"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages=_error_messages(
            _("제목을 입력하세요."),
            max_length=_("제목은 200자까지 쓸 수 있습니다. (지금 %(show_value)d자)"),
        ),
    )
    body = forms.CharField(
        label=_("내용"),
        max_length=BODY_MAX,
        help_text=_(
            "언제, 어디서, 무엇이 문제인지 적어 주세요. 20,000자까지 쓸 수 있습니다. "
            "주민등록번호 같은 개인정보는 적지 마세요. 적더라도 공개 화면에서는 가려집니다."
        ),
        widget=forms.Textarea(attrs={"rows": 10, "data-sotong-counter": str(BODY_MAX)}),
        error_messages=_error_messages(
            _("내용을 입력하세요."),
            max_length=_("내용은 20,000자까지 쓸 수 있습니다. (지금 %(show_value)d자)"),
        ),
    )
    address = forms.CharField(
        label=_("위치 (선택)"),
        max_length=ADDRESS_MAX,
        required=False,
        help_text=_("민원이 생긴 곳의 주소나 장소를 적어 주세요. 예: 중구 세종대로 110 앞"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"max_length": _("위치는 200자까지 쓸 수 있습니다.")},
    )
    latitude = forms.DecimalField(
        label=_("위도 (선택)"),
        required=False,
        max_digits=9,
        decimal_places=6,
        help_text=_("예: 37.566295. '현재 위치' 단추로 채울 수도 있습니다."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "invalid": _("위도는 숫자로 입력하세요. 예: 37.566295"),
            "max_digits": _("위도를 소수점 아래 6자리까지 입력하세요."),
            "max_decimal_places": _("위도를 소수점 아래 6자리까지 입력하세요."),
            "max_whole_digits": _("위도가 올바르지 않습니다."),
        },
    )
    longitude = forms.DecimalField(
        label=_("경도 (선택)"),
        required=False,
        max_digits=9,
        decimal_places=6,
        help_text=_("예: 126.977945"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "invalid": _("경도는 숫자로 입력하세요. 예: 126.977945"),
            "max_digits": _("경도를 소수점 아래 6자리까지 입력하세요."),
            "max_decimal_places": _("경도를 소수점 아래 6자리까지 입력하세요."),
            "max_whole_digits": _("경도가 올바르지 않습니다."),
        },
    )
    attachments = MultipleCheckedFileField(allowed="attachments", label=_("첨부 파일 (선택)"))
    is_public = forms.TypedChoiceField(
        label=_("공개 여부"),
        choices=[("1", _("공개 (개인정보는 가려서 누구나 볼 수 있게)")), ("0", _("비공개"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        help_text=_(
            "공개하면 이름과 본문의 개인정보를 가리고 처리 과정과 답변을 누구나 볼 수 있습니다. "
            "비공개 민원은 본인과 처리 담당자만 봅니다."
        ),
        error_messages=_error_messages(
            _("공개 여부를 고르세요."), invalid_choice=_("공개 또는 비공개를 고르세요.")
        ),
    )
    # Anonymous petitioners only.
    petitioner_name = forms.CharField(
        label=_("이름 (선택)"),
        max_length=50,
        required=False,
        help_text=_("답변에서 부를 이름입니다. 공개 화면에서는 홍*동처럼 가려집니다."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"max_length": _("이름은 50자까지 쓸 수 있습니다.")},
    )
    contact_method = forms.ChoiceField(
        label=_("연락받을 방법"),
        choices=[("sms", _("휴대전화 (문자 인증번호로 확인)")), ("email", _("이메일 (확인 링크)"))],
        widget=forms.RadioSelect,
        help_text=_("접수·처리 결과와 답변을 이 연락처로 알려 드립니다. 먼저 본인 확인을 합니다."),
        error_messages=_error_messages(
            _("연락받을 방법을 고르세요."), invalid_choice=_("휴대전화 또는 이메일을 고르세요.")
        ),
    )
    contact_phone = forms.CharField(
        label=_("휴대전화 번호"),
        max_length=40,
        required=False,
        help_text=_("예: 010-1234-5678"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"max_length": _("휴대전화 번호가 너무 깁니다.")},
    )
    contact_email = forms.CharField(
        label=_("이메일 주소"),
        max_length=254,
        required=False,
        help_text=_("예: hong@example.kr"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"max_length": _("이메일 주소가 너무 깁니다.")},
    )
    consent = forms.BooleanField(
        label=_("위 개인정보 수집·이용에 동의합니다. (필수)"),
        error_messages={"required": _("민원을 접수하려면 개인정보 수집·이용에 동의해야 합니다.")},
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    ANONYMOUS_FIELDS = ("petitioner_name", "contact_method", "contact_phone", "contact_email")

    def __init__(self, *args, board: Board, anonymous: bool, **kwargs):
        self.board = board
        self.anonymous = anonymous
        super().__init__(*args, **kwargs)
        # The limit is read now, not when the module loaded: settings may change it.
        self.fields["attachments"].max_size = kinds.max_size("attachments")
        labels = dict(Kind.choices)
        self.fields["kind"].choices = [
            (kind, labels[kind]) for kind in board.kinds if kind in labels
        ]
        if len(self.fields["kind"].choices) == 1 and not self.is_bound:
            self.initial.setdefault("kind", self.fields["kind"].choices[0][0])
        self.fields["category"].queryset = Category.objects.filter(
            organization_id=board.organization_id, active=True
        )
        if board.allow_private:
            self.initial.setdefault("is_public", "1" if board.public_by_default else "0")
        else:
            del self.fields["is_public"]
        if not anonymous:
            for name in self.ANONYMOUS_FIELDS:
                del self.fields[name]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_form_key())

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError(_("제목을 입력하세요."), code="required")
        return title

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not body.strip():
            raise ValidationError(_("내용을 입력하세요."), code="required")
        return body

    def clean_latitude(self):
        value = self.cleaned_data.get("latitude")
        if value is not None and not LAT_RANGE[0] <= value <= LAT_RANGE[1]:
            raise ValidationError(
                _("대한민국 안의 위치만 받습니다. 위도는 33에서 39 사이입니다."), code="outside"
            )
        return value

    def clean_longitude(self):
        value = self.cleaned_data.get("longitude")
        if value is not None and not LON_RANGE[0] <= value <= LON_RANGE[1]:
            raise ValidationError(
                _("대한민국 안의 위치만 받습니다. 경도는 124에서 132 사이입니다."), code="outside"
            )
        return value

    def clean_idempotency_key(self) -> str:
        # A missing or odd key (an old page, a hand-made post) gets a fresh one: the post still
        # goes through, it is only not protected against a replay.
        key = self.cleaned_data.get("idempotency_key", "")
        return key if IDEMPOTENCY_RE.match(key or "") else new_form_key()

    def clean(self):
        cleaned = super().clean()
        lat, lon = cleaned.get("latitude"), cleaned.get("longitude")
        both_valid = "latitude" not in self.errors and "longitude" not in self.errors
        if both_valid and (lat is None) != (lon is None):
            self.add_error(
                "longitude" if lon is None else "latitude",
                _("지도 위치는 위도와 경도를 함께 입력하세요."),
            )
        if self.anonymous:
            self._clean_contact(cleaned)
        return cleaned

    def _clean_contact(self, cleaned: dict) -> None:
        """Only the address of the chosen method is needed (and checked); the other is
        dropped, so that a half-typed number does not block an e-mail confirmation."""
        method = cleaned.get("contact_method")
        fields = {
            "sms": ("contact_phone", normalize_phone),
            "email": ("contact_email", normalize_email),
        }
        for name, (field, normalize) in fields.items():
            raw = (cleaned.get(field) or "").strip()
            cleaned[field] = ""
            if method != name or field in self.errors:
                continue
            if not raw:
                self.add_error(
                    field,
                    _("문자로 확인하려면 휴대전화 번호를 입력하세요.")
                    if name == "sms"
                    else _("이메일로 확인하려면 이메일 주소를 입력하세요."),
                )
                continue
            try:
                cleaned[field] = normalize(raw)
            except ValidationError as error:
                self.add_error(field, error)

    def service_arguments(self) -> dict:
        """What `services.petition_submit` takes from this form (not the files, not the
        contact of an anonymous petitioner, which is confirmed first)."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "category": data.get("category"),
            "title": data["title"],
            "body": data["body"],
            "is_public": data.get("is_public", True) if self.board.allow_private else True,
            "address": data.get("address", ""),
            "latitude": data.get("latitude"),
            "longitude": data.get("longitude"),
        }


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


RATINGS = [(n, str(n)) for n in range(5, 0, -1)]
RATING_LABELS = {5: _("매우 만족"), 4: _("만족"), 3: _("보통"), 2: _("불만족"), 1: _("매우 불만족")}


def _rating_field(label) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[(n, f"{n} · {RATING_LABELS[n]}") for n, _label in RATINGS],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("1에서 5 가운데 하나를 고르세요."),
            "invalid_choice": _("1에서 5 가운데 하나를 고르세요."),
        },
    )


class RatingForm(forms.Form):
    speed = _rating_field(_("처리 속도는 어떠셨나요?"))
    completeness = _rating_field(_("답변 내용은 충실했나요?"))
    comment = forms.CharField(
        label=_("의견 (선택)"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("의견은 2,000자까지 쓸 수 있습니다.")},
    )


class ReopenForm(forms.Form):
    body = forms.CharField(
        label=_("재민원 내용"),
        max_length=BODY_MAX,
        help_text=_("답변에서 부족했던 점이나 여전히 해결되지 않은 점을 적어 주세요."),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("재민원 내용을 입력하세요."),
            "max_length": _("내용은 20,000자까지 쓸 수 있습니다. (지금 %(show_value)d자)"),
        },
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not body.strip():
            raise ValidationError(_("재민원 내용을 입력하세요."), code="required")
        return body


PUBLIC_LIST_STATUSES = [
    (Status.RECEIVED, Status.RECEIVED.label),
    (Status.ASSIGNED, Status.ASSIGNED.label),
    (Status.IN_PROGRESS, Status.IN_PROGRESS.label),
    (Status.APPROVAL, Status.APPROVAL.label),
    (Status.ANSWERED, Status.ANSWERED.label),
    (Status.CLOSED, Status.CLOSED.label),
    (Status.TRANSFERRED, Status.TRANSFERRED.label),
]


class ListFilterForm(forms.Form):
    """The filters of the public listing: every value is optional; a bad one is reported at
    its field and left out of the search (the page still shows)."""

    q = forms.CharField(label=_("검색어"), max_length=200, required=False, strip=True)
    org = forms.ChoiceField(label=_("기관"), required=False)
    board = forms.ChoiceField(label=_("게시판"), required=False)
    category = forms.ChoiceField(label=_("분야"), required=False)
    status = forms.ChoiceField(
        label=_("처리 상태"),
        required=False,
        choices=[("", _("전체")), *PUBLIC_LIST_STATUSES],
    )
    year = forms.TypedChoiceField(
        label=_("접수 연도"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, organizations, boards, categories, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [("", _("전체"))] + [(o.code, o.name) for o in organizations]
        self.fields["board"].choices = [("", _("전체"))] + [
            (str(b.pk), f"{b.name} ({b.organization.name})") for b in boards
        ]
        self.fields["category"].choices = [("", _("전체"))] + [
            (str(c.pk), f"{c.name} ({c.organization.name})") for c in categories
        ]
        self.fields["year"].choices = [("", _("전체"))] + [(str(y), str(y)) for y in years]
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = _("목록에 있는 값을 고르세요.")
            field.error_messages["max_length"] = _("검색어는 200자까지 쓸 수 있습니다.")

    def valid_values(self) -> dict:
        """The values that passed, field by field (an invalid one is left out, not fatal)."""
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.errors and value not in ("", None)
        }
