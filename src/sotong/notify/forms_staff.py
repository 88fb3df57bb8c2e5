"""Forms of the notify staff pages: templates, campaign compose/edit, scheduling, cancelling and
the campaign list filter. They only parse and check what a person typed; the rules of a campaign
(who may send what, what a segment may hold, when it may go) live in the services, whose
ValidationErrors the views put back on these forms."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sotong.core.vocab import Interest, LifeStage, TargetGroup
from sotong.org.models import Dong, Organization

from .models import Campaign, Channel, Template
from .segments import ID_MAX


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that refuses a value no id can have (beyond 64 bits) as an
    unknown choice. Django checks the values with an `__in` query, on which SQLite's driver
    raised OverflowError (a 500) instead of reporting the bad value."""

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            text = str(pk).strip().lstrip("+-")
            if text.isascii() and text.isdigit() and (len(text) > 19 or int(text) > ID_MAX):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:30]},
                )
        return super()._check_values(value)


DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
DATETIME_INPUTS = [DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def parse_pairs(text: str) -> dict[str, str]:
    """Sample values or 알림톡 variables as typed: a JSON object, or one `name=value` a line.
    Raises a Korean ValidationError naming the line that is neither."""
    text = (text or "").strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as error:
            raise ValidationError(
                _("JSON 형식이 잘못되었습니다: %(error)s"), params={"error": error.msg}
            ) from error
        if not isinstance(data, dict):
            raise ValidationError(_('JSON은 {"이름": "값"} 꼴의 객체여야 합니다.'))
        return {str(key): "" if value is None else str(value) for key, value in data.items()}
    pairs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValidationError(
                _("%(number)d번째 줄이 ‘이름=값’ 꼴이 아닙니다."), params={"number": number}
            )
        pairs[name] = value.strip()
    return pairs


def format_pairs(data: dict | None) -> str:
    return "\n".join(f"{key}={value}" for key, value in (data or {}).items())


class PairsField(forms.CharField):
    """A textarea of `name=value` lines (or JSON) cleaned to a dict."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return format_pairs(value)
        return value

    def to_python(self, value):
        return parse_pairs(super().to_python(value))


class LocalDateTimeField(forms.DateTimeField):
    """`<input type="datetime-local">` in Asia/Seoul."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)
        )
        kwargs.setdefault("input_formats", DATETIME_INPUTS)
        super().__init__(**kwargs)


def _checkboxes(choices, label, help_text=""):
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class CampaignFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("종류"), required=False, choices=[("", _("전체")), *Campaign.Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("상태"), required=False, choices=[("", _("전체")), *Campaign.Status.choices]
    )


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("이름"), max_length=100)
    key = forms.CharField(
        label=_("키"),
        max_length=80,
        help_text=_(
            "영문 소문자, 숫자, 점(.), 붙임표(-), 밑줄(_)로 씁니다. 예: welfare-notice. "
            "개별 알림 틀은 알림 종류(예: petitions.answered)를 씁니다."
        ),
    )
    kind = forms.ChoiceField(label=_("종류"), choices=Template.Kind.choices, initial="campaign")
    channel = forms.ChoiceField(label=_("채널"), choices=Channel.choices)
    subject = forms.CharField(
        label=_("이메일 제목"), max_length=200, required=False, help_text=_("이메일만 씁니다.")
    )
    body = forms.CharField(
        label=_("본문"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "바꿔 넣을 값은 {{ 이름 }}처럼 씁니다. 조건 문구는 "
            "{% if 이름 %}…{% endif %}로 씁니다. 값이 없는 자리가 있으면 보내지 않습니다."
        ),
    )
    sample_context = PairsField(
        label=_("미리보기 값"),
        required=False,
        help_text=_("한 줄에 하나씩 ‘이름=값’으로 쓰거나 JSON 객체로 씁니다. 예: name=김주민"),
    )
    promotional = forms.BooleanField(
        label=_("광고성 정보입니다 (앞에 ‘(광고)’와 수신거부 안내를 붙입니다)"), required=False
    )
    kakao_template_code = forms.CharField(
        label=_("알림톡 템플릿 코드"),
        max_length=64,
        required=False,
        help_text=_("카카오에서 승인받은 템플릿 코드입니다. 알림톡만 씁니다."),
    )

    def clean(self):
        data = super().clean()
        if data.get("channel") == Channel.KAKAO and not data.get("kakao_template_code"):
            self.add_error("kakao_template_code", _("알림톡 틀에는 템플릿 코드가 있어야 합니다."))
        return data

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            # Key, kind and channel name what a template is; a different one is a new template.
            for name in ("key", "kind", "channel"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("만든 뒤에는 바꿀 수 없습니다.")
            self.fields["active"] = forms.BooleanField(
                label=_("사용합니다"), required=False, initial=True
            )

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        if self.editing:
            for name in ("key", "kind", "channel"):
                data.pop(name, None)
        return data

    @staticmethod
    def initial_for(template: Template) -> dict:
        return {
            "active": template.active,
            "name": template.name,
            "key": template.key,
            "kind": template.kind,
            "channel": template.channel,
            "subject": template.subject,
            "body": template.body,
            "sample_context": format_pairs(template.sample_context),
            "promotional": template.promotional,
            "kakao_template_code": template.kakao_template_code,
        }


class TemplatePreviewForm(forms.Form):
    sample_context = PairsField(
        label=_("미리보기 값"),
        required=False,
        help_text=_("비워 두면 틀에 저장된 값을 씁니다. 한 줄에 하나씩 ‘이름=값’으로 씁니다."),
    )


# Fields of the compose form grouped as the page shows them (each group a fieldset).
SEGMENT_FIELDS = (
    "interests",
    "life_stages",
    "target_groups",
    "dongs",
    "include_children",
    "birth_year_min",
    "birth_year_max",
)


class CampaignForm(forms.Form):
    """Compose or edit a draft campaign of one kind. Which fields apply depends on the kind:
    newsletters pick digest items, targeted campaigns may have a conversion goal, emergencies go
    to every confirmed channel and ignore interests."""

    title = forms.CharField(label=_("제목"), max_length=200, help_text=_("관리용 이름입니다."))
    interests = _checkboxes(Interest.choices, _("관심 분야"))
    life_stages = _checkboxes(LifeStage.choices, _("생애주기"))
    target_groups = _checkboxes(TargetGroup.choices, pgettext_lazy("target group", "대상"))
    dongs = IdMultipleChoiceField(
        label=_("행정동"),
        queryset=Dong.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("고르지 않으면 모든 동입니다."),
    )
    include_children = forms.BooleanField(
        label=_("소속 자치구의 구독자에게도 보냅니다"),
        required=False,
        help_text=_("시(市)의 발송에만 있습니다."),
    )
    birth_year_min = forms.IntegerField(
        label=_("출생 연도 (부터)"), required=False, min_value=1900, max_value=2100
    )
    birth_year_max = forms.IntegerField(
        label=_("출생 연도 (까지)"), required=False, min_value=1900, max_value=2100
    )
    channels = _checkboxes(Channel.choices, _("보낼 채널"))
    subject = forms.CharField(label=_("이메일 제목"), max_length=200, required=False)
    body = forms.CharField(
        label=_("이메일 본문"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("바꿔 넣을 값은 {{ 이름 }}처럼 씁니다."),
    )
    sms_body = forms.CharField(
        label=_("문자 본문"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("90바이트(한글 45자)까지 단문(SMS), 넘으면 장문(LMS)으로 보냅니다."),
    )
    kakao_template = forms.ModelChoiceField(
        label=_("알림톡 틀"),
        queryset=Template.objects.none(),
        required=False,
        empty_label=_("(쓰지 않음)"),
    )
    kakao_variables = PairsField(
        label=_("알림톡 변수"),
        required=False,
        help_text=_("한 줄에 하나씩 ‘이름=값’으로 씁니다."),
    )
    promotional = forms.BooleanField(
        label=_(
            "광고성 정보입니다 (앞에 ‘(광고)’와 수신거부 안내를 붙이고, 야간에는 보내지 않습니다)"
        ),
        required=False,
    )
    conversion_action = forms.ChoiceField(label=_("성과 행동"), required=False, choices=())
    conversion_days = forms.IntegerField(
        label=_("성과 집계 기간(일)"), min_value=1, max_value=365, initial=30, required=False
    )
    digest_since = forms.DateField(
        label=_("소식 모음 시작일"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    digest_until = forms.DateField(
        label=_("소식 모음 끝일"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    digest_items = _checkboxes((), _("실을 소식"))

    GROUPS = (
        ("basics", _("기본 정보"), ("title",)),
        (
            "segment",
            _("받는 사람"),
            (
                "interests",
                "life_stages",
                "target_groups",
                "dongs",
                "include_children",
                "birth_year_min",
                "birth_year_max",
            ),
        ),
        (
            "content",
            _("채널과 내용"),
            (
                "channels",
                "subject",
                "body",
                "sms_body",
                "kakao_template",
                "kakao_variables",
                "promotional",
            ),
        ),
        ("goal", _("성과 목표"), ("conversion_action", "conversion_days")),
        ("digest", _("소식 모음"), ("digest_since", "digest_until", "digest_items")),
    )

    def groups(self) -> list[tuple[str, str, list]]:
        """The sections of the page: (id, title, bound fields), without the kind's absent
        fields and empty sections."""
        result = []
        for key, title, names in self.GROUPS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                result.append((key, title, fields))
        return result

    def __init__(
        self,
        *args,
        organization: Organization,
        kind: str,
        conversion_actions: Iterable[tuple[str, str]] = (),
        digest_available: list[dict] | None = None,
        digest_selectable: bool = True,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.kind = kind
        # The byte counter under the SMS body follows the text as it is typed (htmx); without
        # JavaScript it is computed when the page comes back.
        self.fields["sms_body"].widget.attrs.update(
            {
                "hx-post": reverse("notify:staff_sms_counter"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#sms-counter",
                "hx-swap": "innerHTML",
            }
        )
        if organization.kind == Organization.Kind.CITY:
            # A city's segment may take in its districts, and with them their 동.
            self.fields["dongs"].queryset = Dong.objects.filter(
                Q(organization=organization) | Q(organization__parent=organization)
            ).select_related("organization")
            self.fields["dongs"].label_from_instance = str
        else:
            self.fields["dongs"].queryset = Dong.objects.filter(organization=organization)
            self.fields["dongs"].label_from_instance = lambda dong: dong.name
            del self.fields["include_children"]
        self.fields["kakao_template"].queryset = Template.objects.filter(
            Q(organization=organization) | Q(organization__isnull=True),
            channel=Channel.KAKAO,
            kind=Template.Kind.CAMPAIGN,
            active=True,
        ).order_by("name")
        if kind == Campaign.Kind.TARGETED:
            self.fields["conversion_action"].choices = [
                ("", _("(목표 없음)")),
                *conversion_actions,
            ]
        else:
            for name in ("conversion_action", "conversion_days"):
                del self.fields[name]
        self.digest_available = list(digest_available or [])
        self.digest_selectable = digest_selectable
        if kind == Campaign.Kind.NEWSLETTER:
            self.fields["digest_items"].choices = [
                (_item_key(item), _item_label(item)) for item in self.digest_available
            ]
            if not digest_selectable:
                # The service collects the period's items itself when the newsletter starts.
                del self.fields["digest_items"]
        else:
            for name in ("digest_since", "digest_until", "digest_items"):
                del self.fields[name]
        if kind == Campaign.Kind.EMERGENCY:
            # Emergency alerts go to every channel a subscriber confirmed, whatever is picked;
            # interests do not narrow them (region only) and they are never advertising.
            for name in (
                "interests",
                "life_stages",
                "target_groups",
                "birth_year_min",
                "birth_year_max",
                "channels",
                "promotional",
            ):
                del self.fields[name]

    def clean_birth_year_max(self):
        low = self.cleaned_data.get("birth_year_min")
        high = self.cleaned_data.get("birth_year_max")
        if low and high and high < low:
            raise ValidationError(_("끝 연도가 시작 연도보다 앞섭니다."))
        return high

    def clean_digest_until(self):
        since = self.cleaned_data.get("digest_since")
        until = self.cleaned_data.get("digest_until")
        if since and until and until < since:
            raise ValidationError(_("끝일이 시작일보다 앞섭니다."))
        return until

    def segment(self) -> dict:
        """The segment as `segments.Segment.from_json` reads it (only the filters given)."""
        data = self.cleaned_data
        segment: dict = {}
        for name in ("interests", "life_stages", "target_groups"):
            if data.get(name):
                segment[name] = list(data[name])
        if data.get("dongs"):
            segment["dongs"] = sorted(dong.pk for dong in data["dongs"])
        if data.get("include_children"):
            segment["include_children"] = True
        if data.get("birth_year_min"):
            segment["birth_year_min"] = data["birth_year_min"]
        if data.get("birth_year_max"):
            segment["birth_year_max"] = data["birth_year_max"]
        return segment

    def service_fields(self) -> dict:
        """Keyword arguments for `campaigns.campaign_create` / `campaign_update`."""
        data = self.cleaned_data
        fields = {
            "title": data["title"],
            "segment": self.segment(),
            "subject": data.get("subject", ""),
            "body": data.get("body", ""),
            "sms_body": data.get("sms_body", ""),
            "kakao_template": data.get("kakao_template"),
            "kakao_variables": data.get("kakao_variables") or {},
        }
        # An emergency goes to every confirmed address whatever its channels say.
        fields["channels"] = list(data.get("channels") or [])
        if "promotional" in self.fields:
            fields["promotional"] = bool(data.get("promotional"))
        if "conversion_action" in self.fields:
            fields["conversion_action"] = data.get("conversion_action") or ""
            fields["conversion_days"] = data.get("conversion_days") or 30
        if "digest_since" in self.fields:
            fields["digest_since"] = _start_of(data.get("digest_since"))
            fields["digest_until"] = _end_of(data.get("digest_until"))
        if "digest_items" in self.fields:
            chosen = set(data.get("digest_items") or [])
            fields["digest_items"] = [
                item for item in self.digest_available if _item_key(item) in chosen
            ]
        return fields

    @staticmethod
    def initial_for(campaign: Campaign) -> dict:
        from .models import channels_of

        segment = campaign.segment or {}
        initial = {
            "title": campaign.title,
            "interests": segment.get("interests", []),
            "life_stages": segment.get("life_stages", []),
            "target_groups": segment.get("target_groups", []),
            "dongs": segment.get("dongs", []),
            "include_children": bool(segment.get("include_children")),
            "birth_year_min": segment.get("birth_year_min"),
            "birth_year_max": segment.get("birth_year_max"),
            "channels": channels_of(campaign.channels),
            "subject": campaign.subject,
            "body": campaign.body,
            "sms_body": campaign.sms_body,
            "kakao_template": campaign.kakao_template_id,
            "kakao_variables": format_pairs(campaign.kakao_variables),
            "promotional": campaign.promotional,
            "conversion_action": campaign.conversion_action,
            "conversion_days": campaign.conversion_days,
            "digest_since": timezone.localtime(campaign.digest_since).date()
            if campaign.digest_since
            else None,
            "digest_until": timezone.localtime(campaign.digest_until).date()
            if campaign.digest_until
            else None,
            "digest_items": [_item_key(item) for item in campaign.digest_items or []],
        }
        return initial


def _item_key(item) -> str:
    """Digest items (`digest.DigestItem.to_json`) are told apart by their link."""
    if isinstance(item, dict):
        return str(item.get("url") or item.get("title") or "")
    return str(item)


def _item_label(item) -> str:
    if not isinstance(item, dict):
        return str(item)
    published = str(item.get("published_at") or "")[:10]
    title = str(item.get("title") or item.get("url") or "")
    return f"{title} ({published})" if published else title


def _start_of(day: datetime.date | None) -> datetime.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _end_of(day: datetime.date | None) -> datetime.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


class ScheduleForm(forms.Form):
    scheduled_at = LocalDateTimeField(label=_("발송 예약 시각"))

    def clean_scheduled_at(self):
        value = self.cleaned_data["scheduled_at"]
        if value <= timezone.now():
            raise ValidationError(_("예약 시각은 지금보다 뒤여야 합니다."))
        return value


class SendConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("대상 수를 확인했고 지금 보냅니다."),
        error_messages={"required": _("보내려면 확인란을 선택하세요.")},
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("취소 사유"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("취소 사유를 적어 주세요.")},
    )


class SmsCounterForm(forms.Form):
    """The text of the SMS body alone, posted by the live byte counter."""

    sms_body = forms.CharField(required=False, strip=False)


def clean_error_message(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages) or _gettext("입력을 확인해 주세요.")
