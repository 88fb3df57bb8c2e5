"""Staff pages of notify (`/notify/staff/`): the dashboard (campaigns and an overview of the
organisation's subscribers), templates, campaign compose → preview → count → schedule or send,
cancelling, and the campaign report with its CSV.

Only staff of an organisation holding `notify.send_campaign` or `notify.send_emergency` see these
pages (403 for everyone else logged in, the login page for visitors); they see only their own
organisation's templates and campaigns, and the same 404 for a campaign that does not exist and one
of another organisation. No page shows a subscriber's address or name: the overview and reports are
aggregates. Views are thin: parse a form, call one service (`campaigns`, `reports`, `segments`),
render or redirect; a service's ValidationError goes back onto the form."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.db.models.lookups import GreaterThan
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from sotong.core.vocab import Interest, LifeStage, TargetGroup, bit
from sotong.core.web import add_service_errors, guarded_page
from sotong.org import permissions as org_permissions
from sotong.org.models import Organization

from . import campaigns, conversions, digest, permissions, queries, reports, segments, sms
from . import forms_staff as forms
from .models import (
    CHANNEL_BITS,
    Campaign,
    Channel,
    Delivery,
    Subscriber,
    Template,
    channels_of,
)

PAGE_SIZE = 20

# Korean labels of the failure codes a report may show (`messages.Unsendable`, transports,
# provider reports). An unknown code is shown as it is.
FAILURE_LABELS = {
    # messages.Unsendable
    "unsubscribed": gettext_lazy("구독 해지"),
    "channel_withdrawn": gettext_lazy("받는 방법 철회"),
    "no_address": gettext_lazy("확인된 연락처 없음"),
    "no_promo_consent": gettext_lazy("광고성 정보 수신 동의 없음"),
    "cancelled": gettext_lazy("발송 취소"),
    "missing_variable": gettext_lazy("값이 없는 자리(변수)"),
    "missing_variables": gettext_lazy("값이 없는 자리(변수)"),
    "too_long": gettext_lazy("문자 길이 초과"),
    "no_content": gettext_lazy("보낼 내용 없음"),
    "no_items": gettext_lazy("소식 모음에 실을 소식 없음"),
    "template_error": gettext_lazy("알림 틀 오류"),
    "unknown_event": gettext_lazy("알 수 없는 알림 종류"),
    "build_error": gettext_lazy("메시지 작성 오류"),
    # transports and provider reports
    "invalid_number": gettext_lazy("잘못된 번호"),
    "not_kakao_user": gettext_lazy("카카오톡 미사용자"),
    "template_mismatch": gettext_lazy("알림톡 틀 불일치"),
    "sender_unregistered": gettext_lazy("등록되지 않은 발신번호"),
    "sender_refused": gettext_lazy("발신자 거부"),
    "recipient_refused": gettext_lazy("받는 주소 거부"),
    "recipient_deferred": gettext_lazy("받는 서버가 보류함"),
    "data_refused": gettext_lazy("메일 서버가 거부함"),
    "bad_message": gettext_lazy("잘못된 메시지"),
    "retries_exhausted": gettext_lazy("재시도 횟수 초과"),
    "timeout": gettext_lazy("응답 시간 초과"),
    "connection_error": gettext_lazy("연결 오류"),
    "transport_down": gettext_lazy("발송 업체 장애"),
    "transport_error": gettext_lazy("발송 업체 오류"),
    "no_transport": gettext_lazy("발송 수단 없음"),
    "reconcile_failed": gettext_lazy("발송 확인 실패"),
    "lost_lease": gettext_lazy("작업 중단"),
    "no_outcome": gettext_lazy("결과 없음"),
}


def failure_label(code: str) -> str:
    label = FAILURE_LABELS.get(code)
    if label is not None:
        return str(label)
    if code.startswith("http_"):
        return _("발송 업체 응답 오류 (%(status)s)") % {"status": code[5:]}
    return code or _("알 수 없음")


# --- access --------------------------------------------------------------------------------------


# Visitors go to the login page; logged-in people without the notify permissions get 403.
staff_page = guarded_page(
    permissions.can_use_notify_staff_pages, gettext_lazy("알림 담당자만 볼 수 있습니다.")
)


def _organization(request: HttpRequest) -> Organization:
    """The organisation whose pages these are: the staff member's own. A superuser without a
    staff post picks one with `?org=<code>` (the first by name otherwise)."""
    ids = permissions.managed_organization_ids(request.user)
    if ids is None:
        code = request.GET.get("org", "")
        staff = getattr(request.user, "staff", None)
        if code:
            return get_object_or_404(Organization, code=code)
        if staff is not None:
            return staff.organization
        organization = Organization.objects.order_by("name").first()
        if organization is None:
            raise Http404(_("기관이 없습니다."))
        return organization
    if not ids:
        raise PermissionDenied(_("알림 담당자만 볼 수 있습니다."))
    return Organization.objects.get(pk=next(iter(ids)))


def _require(user, campaign: Campaign) -> None:
    """Changing or sending a campaign needs the permission of its kind."""
    if not permissions.can_create_campaign(user, campaign.organization, campaign.kind):
        if campaign.kind == Campaign.Kind.EMERGENCY:
            raise PermissionDenied(_("긴급 알림을 보낼 권한이 없습니다."))
        raise PermissionDenied(_("알림을 보낼 권한이 없습니다."))


def _require_templates(user, organization: Organization) -> None:
    if not permissions.can_manage_campaigns(user, organization):
        raise PermissionDenied(_("알림 틀을 고칠 권한이 없습니다."))


def _posted(request: HttpRequest):
    """The POST data of a POST (even an empty one, so that the form is bound), else None."""
    return request.POST if request.method == "POST" else None


# --- dashboard -----------------------------------------------------------------------------------


def subscriber_overview(organization: Organization) -> dict[str, Any]:
    """Active subscribers of `organization` by channel, interest and 동: two aggregate queries,
    never a row of a person."""
    active = Subscriber.objects.filter(organization=organization, status=Subscriber.Status.ACTIVE)
    aggregates: dict[str, Any] = {"total": Count("pk")}
    for channel, channel_bit in CHANNEL_BITS.items():
        aggregates[f"ch_{channel}"] = Count(
            "pk", filter=Q(GreaterThan(_bitand("channels", channel_bit), 0))
        )
    for vocab, field in ((Interest, "interests"), (LifeStage, "life_stages")):
        for value in vocab.values:
            aggregates[f"{field}_{value}"] = Count(
                "pk", filter=Q(GreaterThan(_bitand(field, bit(vocab, value)), 0))
            )
    counts = active.aggregate(**aggregates)
    by_dong = list(
        active.values("dong__name").annotate(count=Count("pk")).order_by("-count", "dong__name")
    )
    return {
        "total": counts["total"],
        "channels": [(label, counts[f"ch_{value}"]) for value, label in Channel.choices],
        "interests": [(label, counts[f"interests_{value}"]) for value, label in Interest.choices],
        "life_stages": [
            (label, counts[f"life_stages_{value}"]) for value, label in LifeStage.choices
        ],
        "dongs": [(row["dong__name"] or _("동 미지정"), row["count"]) for row in by_dong],
    }


def _bitand(field: str, value: int):
    return F(field).bitand(value)


def _inbox_url() -> str:
    """The fake provider's inbox (what residents would receive), in the demo and development."""
    if settings.SOTONG_ENV in {"demo", "development"}:
        return getattr(settings, "SOLAPI_URL", "")
    return ""


def _new_campaign_kinds(user, organization: Organization) -> list[tuple[str, str]]:
    return [
        (value, label)
        for value, label in Campaign.Kind.choices
        if permissions.can_create_campaign(user, organization, value)
    ]


@staff_page
def dashboard(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    filters = forms.CampaignFilterForm(request.GET or None)
    listed = Campaign.objects.filter(organization=organization).order_by("-created_at", "-id")
    if filters.is_valid():
        if filters.cleaned_data["kind"]:
            listed = listed.filter(kind=filters.cleaned_data["kind"])
        if filters.cleaned_data["status"]:
            listed = listed.filter(status=filters.cleaned_data["status"])
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "organization": organization,
        "current_organization": organization,
        "filters": filters,
        "page": page,
        "base_query": query.urlencode(),
        "overview": subscriber_overview(organization),
        "new_kinds": _new_campaign_kinds(request.user, organization),
        "inbox_url": _inbox_url(),
        "may_manage_roles": org_permissions.can_manage_organization(request.user, organization),
        "crumbs": [(_("알림 관리"), "")],
    }
    return render(request, "notify/staff/dashboard.html", context)


# --- templates -----------------------------------------------------------------------------------


def _template_crumbs(*extra) -> list:
    return [
        (_("알림 관리"), reverse("notify:staff_dashboard")),
        (_("알림 틀"), reverse("notify:staff_templates")),
        *extra,
    ]


@staff_page
def template_list(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    templates = Template.objects.filter(organization=organization).order_by("channel", "name")
    context = {
        "organization": organization,
        "current_organization": organization,
        "templates": list(templates),
        "may_edit": permissions.can_manage_campaigns(request.user, organization),
        "crumbs": [(_("알림 관리"), reverse("notify:staff_dashboard")), (_("알림 틀"), "")],
    }
    return render(request, "notify/staff/template_list.html", context)


@staff_page
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    _require_templates(request.user, organization)
    form = forms.TemplateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            template = campaigns.template_create(
                actor=request.user, organization=organization, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("알림 틀을 만들었습니다."))
            return redirect("notify:staff_template_preview", pk=template.pk)
    context = {
        "form": form,
        "template": None,
        "current_organization": organization,
        "crumbs": _template_crumbs((_("새 알림 틀"), "")),
    }
    return render(request, "notify/staff/template_form.html", context)


@staff_page
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = queries.template_for_user(request.user, pk)
    _require_templates(request.user, template.organization)
    initial = forms.TemplateForm.initial_for(template)
    if request.method == "POST":
        form = forms.TemplateForm(request.POST, initial=initial, editing=True)
        if form.is_valid():
            try:
                campaigns.template_update(
                    actor=request.user, template=template, **form.service_fields()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("알림 틀을 고쳤습니다."))
                return redirect("notify:staff_template_preview", pk=template.pk)
    else:
        form = forms.TemplateForm(initial=initial, editing=True)
    context = {
        "form": form,
        "template": template,
        "current_organization": template.organization,
        "crumbs": _template_crumbs((template.name, "")),
    }
    return render(request, "notify/staff/template_form.html", context)


@staff_page
@require_http_methods(["GET", "POST"])
def template_preview(request: HttpRequest, pk: int) -> HttpResponse:
    template = queries.template_for_user(request.user, pk)
    form = forms.TemplatePreviewForm(_posted(request))
    sample = None
    if request.method == "POST" and form.is_valid():
        sample = form.cleaned_data["sample_context"] or None
    preview = campaigns.template_preview(template=template, context=sample)
    context = {
        "template": template,
        "form": form,
        "preview_item": preview_item(preview),
        "current_organization": template.organization,
        "crumbs": _template_crumbs((template.name, "")),
    }
    return render(request, "notify/staff/template_preview.html", context)


@staff_page
@require_http_methods(["GET", "POST"])
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = queries.template_for_user(request.user, pk)
    _require_templates(request.user, template.organization)
    error = None
    if request.method == "POST":
        try:
            campaigns.template_delete(actor=request.user, template=template)
        except ValidationError as exc:
            error = forms.clean_error_message(exc)
        else:
            messages.success(request, _("알림 틀을 지웠습니다."))
            return redirect("notify:staff_templates")
    context = {
        "template": template,
        "error": error,
        "current_organization": template.organization,
        "crumbs": _template_crumbs((template.name, "")),
    }
    return render(
        request, "notify/staff/template_delete.html", context, status=400 if error else 200
    )


# --- campaigns -----------------------------------------------------------------------------------


def preview_item(preview) -> dict[str, Any]:
    """A `campaigns.Preview` as the page shows it, with "83/90바이트 · SMS" for phone
    messages."""
    item = {
        "channel": preview.channel,
        "label": Channel(preview.channel).label,
        "subject": preview.subject,
        "text": preview.body,
        "missing": list(preview.missing),
        "error": preview.error,
        "template_code": preview.kakao_template_code,
        "sms": None,
    }
    if preview.channel != Channel.EMAIL:
        item["sms"] = {
            "bytes": preview.sms_bytes,
            "type": preview.sms_type,
            "limit": sms.SMS_MAX_BYTES if preview.sms_type == "SMS" else sms.LMS_MAX_BYTES,
            "error": "",
        }
    return item


def _sms_info(text: str, subject: str = "") -> dict[str, Any]:
    """ "83/90바이트 · SMS": the bytes as carriers count them and the message type."""
    length = sms.byte_length(text)
    info: dict[str, Any] = {"bytes": length, "error": ""}
    try:
        info["type"] = sms.message_type(text, subject)
    except ValidationError as error:
        info["type"] = ""
        info["error"] = forms.clean_error_message(error)
    info["limit"] = sms.SMS_MAX_BYTES if info["type"] == "SMS" else sms.LMS_MAX_BYTES
    return info


def _conversion_choices() -> list[tuple[str, str]]:
    return [(action.key, str(action.label)) for action in conversions.registered_actions()]


def _digest_period(campaign: Campaign | None, data) -> tuple[datetime.datetime, datetime.datetime]:
    """The newsletter's period: as typed, else as saved, else the last seven days."""
    until = timezone.now()
    since = until - datetime.timedelta(days=7)
    if campaign is not None:
        since = campaign.digest_since or since
        until = campaign.digest_until or until
    if data is not None:
        since = forms._start_of(_parse_date(data.get("digest_since"))) or since
        until = forms._end_of(_parse_date(data.get("digest_until"))) or until
    return since, until


def _campaign_form(request, organization, kind, campaign=None, data=None):
    available: list[dict] = []
    if kind == Campaign.Kind.NEWSLETTER:
        since, until = _digest_period(campaign, data)
        available = digest.collect_items(organization, since, until)
        # Items saved with the draft stay choosable even when their source moved on.
        known = {forms._item_key(item) for item in available}
        if campaign is not None:
            available += [
                item for item in campaign.digest_items or [] if forms._item_key(item) not in known
            ]
    initial = forms.CampaignForm.initial_for(campaign) if campaign and data is None else None
    if initial is None and data is None and kind == Campaign.Kind.NEWSLETTER:
        since, until = _digest_period(None, None)
        initial = {
            "digest_since": timezone.localtime(since).date(),
            "digest_until": timezone.localtime(until).date(),
        }
    return forms.CampaignForm(
        data,
        initial=initial,
        organization=organization,
        kind=kind,
        conversion_actions=_conversion_choices(),
        digest_available=available,
        digest_selectable="digest_items" in campaigns.CAMPAIGN_EDITABLE,
    )


def _parse_date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _campaign_crumbs(campaign: Campaign | None, *extra) -> list:
    crumbs = [(_("알림 관리"), reverse("notify:staff_dashboard"))]
    if campaign is not None:
        crumbs.append((campaign.title, reverse("notify:staff_campaign", args=[campaign.pk])))
    return [*crumbs, *extra]


def _compose_context(request, form, *, organization, kind, campaign=None, count=None) -> dict:
    sms_body = ""
    if form.is_bound:
        sms_body = form.data.get("sms_body", "")
    elif campaign is not None:
        sms_body = campaign.sms_body
    return {
        "form": form,
        "kind": kind,
        "kind_label": Campaign.Kind(kind).label,
        "campaign": campaign,
        "count": count,
        "sms": _sms_info(sms_body),
        "current_organization": organization,
        "crumbs": _campaign_crumbs(
            campaign,
            (_("새 %(kind)s") % {"kind": Campaign.Kind(kind).label}, "")
            if campaign is None
            else (_("고치기"), ""),
        ),
    }


@staff_page
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in Campaign.Kind.values:
        raise Http404
    organization = _organization(request)
    if not permissions.can_create_campaign(request.user, organization, kind):
        raise PermissionDenied(_("이 종류의 알림을 만들 권한이 없습니다."))
    form = _campaign_form(request, organization, kind, data=_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaigns.campaign_create(
                actor=request.user, organization=organization, kind=kind, **form.service_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("발송안을 저장했습니다. 미리 보고 대상 수를 확인하세요."))
            return redirect("notify:staff_campaign", pk=campaign.pk)
    context = _compose_context(request, form, organization=organization, kind=kind)
    return render(request, "notify/staff/campaign_form.html", context)


@staff_page
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = queries.campaign_for_user(request.user, pk)
    _require(request.user, campaign)
    if campaign.status != Campaign.Status.DRAFT:
        messages.warning(request, _("작성 중인 발송안만 고칠 수 있습니다."))
        return redirect("notify:staff_campaign", pk=campaign.pk)
    organization = campaign.organization
    form = _campaign_form(request, organization, campaign.kind, campaign, data=_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            campaigns.campaign_update(
                actor=request.user, campaign=campaign, **form.service_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("발송안을 저장했습니다."))
            return redirect("notify:staff_campaign", pk=campaign.pk)
    context = _compose_context(
        request, form, organization=organization, kind=campaign.kind, campaign=campaign
    )
    return render(request, "notify/staff/campaign_form.html", context)


@staff_page
@require_POST
def campaign_count(request: HttpRequest, pk: int | None = None, kind: str = "") -> HttpResponse:
    """ "대상 수 확인" on the compose form: the exact recipients per channel of the segment as
    typed (not yet saved). htmx gets the result alone; without JavaScript the whole form comes
    back, as typed, with the result in it."""
    campaign = queries.campaign_for_user(request.user, pk) if pk is not None else None
    if campaign is not None:
        kind = campaign.kind
        organization = campaign.organization
    else:
        if kind not in Campaign.Kind.values:
            raise Http404
        organization = _organization(request)
    if not permissions.can_create_campaign(request.user, organization, kind):
        raise PermissionDenied(_("이 종류의 알림을 만들 권한이 없습니다."))
    form = _campaign_form(request, organization, kind, campaign, data=request.POST)
    count = None
    if form.is_valid():
        channels = form.cleaned_data.get("channels")
        if kind != Campaign.Kind.EMERGENCY and not channels:
            form.add_error("channels", _("보낼 채널을 하나 이상 고르세요."))
        else:
            try:
                segment = segments.Segment.from_json(form.segment(), organization=organization)
                counts = segments.segment_count(
                    organization, segment, kind=kind, channels=channels or None
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                count = count_summary(counts, kind=kind, channels=channels)
    if request.htmx:
        return render(
            request, "notify/staff/_count.html", {"count": count, "form": form, "live": True}
        )
    context = _compose_context(
        request, form, organization=organization, kind=kind, campaign=campaign, count=count
    )
    return render(request, "notify/staff/campaign_form.html", context)


@staff_page
@require_POST
def sms_counter(request: HttpRequest) -> HttpResponse:
    """The live byte counter of the SMS body (htmx)."""
    form = forms.SmsCounterForm(request.POST)
    text = form.data.get("sms_body", "") if form.is_valid() else ""
    return render(request, "notify/staff/_sms_counter_text.html", {"sms": _sms_info(text)})


def count_summary(counts: dict, *, kind: str, channels=None) -> dict[str, Any]:
    """What the page shows of `segments.segment_count`: people, messages per channel the
    campaign sends on, and how many matched but have no usable address."""
    if isinstance(channels, int):
        channels = channels_of(channels)
    shown = [
        name
        for name in segments.CHANNEL_ORDER
        if kind == Campaign.Kind.EMERGENCY or not channels or name in channels
    ]
    subscribers = counts.get("subscribers", 0)
    matched = counts.get("matched", subscribers)
    return {
        "subscribers": subscribers,
        "deliveries": counts.get("deliveries", 0),
        "matched": matched,
        "unreachable": max(matched - subscribers, 0),
        "rows": [(Channel(name).label, counts.get(name, 0)) for name in shown],
    }


def segment_summary(campaign: Campaign) -> list[tuple[str, str]]:
    """The segment in words, for the campaign page (labels, 동 names; never a person)."""
    from sotong.org.models import Dong

    segment = campaign.segment or {}
    rows: list[tuple[str, str]] = []
    for key, label, vocab in (
        ("interests", _("관심 분야"), Interest),
        ("life_stages", _("생애주기"), LifeStage),
        ("target_groups", pgettext_lazy("target group", "대상"), TargetGroup),
    ):
        values = [
            str(vocab(value).label) for value in segment.get(key) or [] if value in vocab.values
        ]
        if values and not (key == "interests" and campaign.kind == Campaign.Kind.EMERGENCY):
            rows.append((label, ", ".join(values)))
    if segment.get("dongs"):
        names = Dong.objects.filter(pk__in=segment["dongs"]).values_list("name", flat=True)
        rows.append((_("행정동"), ", ".join(sorted(names))))
    if segment.get("include_children"):
        rows.append((_("소속 자치구"), _("포함")))
    low, high = segment.get("birth_year_min"), segment.get("birth_year_max")
    if low or high:
        rows.append((_("출생 연도"), f"{low or ''}–{high or ''}"))
    return rows


def _conversion_label(action: str) -> str:
    return conversions.action_label(action)


def _detail_context(campaign: Campaign) -> dict[str, Any]:
    return {
        "campaign": campaign,
        "summary": segment_summary(campaign),
        "channel_labels": [str(Channel(name).label) for name in channels_of(campaign.channels)],
        "conversion_label": _conversion_label(campaign.conversion_action)
        if campaign.conversion_action
        else "",
    }


@staff_page
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = queries.campaign_for_user(request.user, pk)
    may_act = permissions.can_create_campaign(request.user, campaign.organization, campaign.kind)
    context = {
        **_detail_context(campaign),
        "may_act": may_act,
        "schedule_form": forms.ScheduleForm(
            initial={"scheduled_at": timezone.localtime(campaign.scheduled_at)}
            if campaign.scheduled_at
            else None
        ),
        "cancellable": campaign.status
        in {Campaign.Status.DRAFT, Campaign.Status.SCHEDULED, Campaign.Status.SENDING},
        "current_organization": campaign.organization,
        "crumbs": [
            (_("알림 관리"), reverse("notify:staff_dashboard")),
            (campaign.title, ""),
        ],
    }
    return render(request, "notify/staff/campaign_detail.html", context)


@staff_page
def campaign_preview(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = queries.campaign_for_user(request.user, pk)
    previews = campaigns.campaign_preview(campaign=campaign)
    channels = [preview_item(preview) for preview in previews.values()]
    problems = []
    for item in channels:
        if item["missing"]:
            problems.append(
                {
                    "channel": item["channel"],
                    "label": item["label"],
                    "text": _("값이 없는 자리: %(names)s") % {"names": ", ".join(item["missing"])},
                }
            )
        if item["error"]:
            problems.append(
                {"channel": item["channel"], "label": item["label"], "text": item["error"]}
            )
    context = {
        "campaign": campaign,
        "channels": channels,
        "problems": problems,
        "current_organization": campaign.organization,
        "crumbs": _campaign_crumbs(campaign, (_("미리 보기"), "")),
    }
    return render(request, "notify/staff/campaign_preview.html", context)


@staff_page
@require_POST
def campaign_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = queries.campaign_for_user(request.user, pk)
    _require(request.user, campaign)
    form = forms.ScheduleForm(request.POST)
    if form.is_valid():
        try:
            campaigns.campaign_schedule(
                actor=request.user, campaign=campaign, at=form.cleaned_data["scheduled_at"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("발송을 예약했습니다."))
            return redirect("notify:staff_campaign", pk=campaign.pk)
    context = {
        **_detail_context(campaign),
        "may_act": True,
        "schedule_form": form,
        "cancellable": campaign.status
        in {Campaign.Status.DRAFT, Campaign.Status.SCHEDULED, Campaign.Status.SENDING},
        "current_organization": campaign.organization,
        "crumbs": [(_("알림 관리"), reverse("notify:staff_dashboard")), (campaign.title, "")],
    }
    return render(request, "notify/staff/campaign_detail.html", context, status=400)


@staff_page
@require_http_methods(["GET", "POST"])
def campaign_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Send now, after a confirmation step that states the exact number of recipients."""
    campaign = queries.campaign_for_user(request.user, pk)
    _require(request.user, campaign)
    form = forms.SendConfirmForm(_posted(request))
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            campaigns.campaign_send_now(actor=request.user, campaign=campaign)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("발송을 시작했습니다."))
            return redirect("notify:staff_campaign", pk=campaign.pk)
    count = None
    try:
        counts = campaigns.campaign_count(actor=request.user, campaign=campaign)
    except ValidationError as exc:
        error = forms.clean_error_message(exc)
    else:
        count = count_summary(counts, kind=campaign.kind, channels=campaign.channels)
    context = {
        "campaign": campaign,
        "form": form,
        "count": count,
        "count_error": error,
        "emergency": campaign.kind == Campaign.Kind.EMERGENCY,
        "current_organization": campaign.organization,
        "crumbs": _campaign_crumbs(campaign, (_("지금 보내기"), "")),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "notify/staff/campaign_send.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def campaign_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = queries.campaign_for_user(request.user, pk)
    _require(request.user, campaign)
    form = forms.CancelForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            campaigns.campaign_cancel(
                actor=request.user, campaign=campaign, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("발송을 취소했습니다."))
            return redirect("notify:staff_campaign", pk=campaign.pk)
    context = {
        "campaign": campaign,
        "form": form,
        "current_organization": campaign.organization,
        "crumbs": _campaign_crumbs(campaign, (_("취소"), "")),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "notify/staff/campaign_cancel.html", context, status=status)


# --- reports -------------------------------------------------------------------------------------


@staff_page
def campaign_report(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = queries.campaign_for_user(request.user, pk)
    report = reports.campaign_report(campaign)
    pending = report.by_status.get(Delivery.Status.QUEUED, 0) + report.by_status.get(
        Delivery.Status.SENDING, 0
    )
    numbers = {
        "recipients": report.recipients,
        "deliveries": report.deliveries,
        "sent": report.sent,
        "delivered": report.delivered,
        "failed": report.failed,
        "skipped": report.by_status.get(Delivery.Status.SKIPPED, 0),
        "cancelled": report.by_status.get(Delivery.Status.CANCELLED, 0),
        "pending": pending,
        "clicks": report.clicks,
        "clicked_deliveries": report.clicked_deliveries,
        "told": report.told,
        "conversion_action": report.conversion_action,
        "conversion_label": report.conversion_label,
        "conversion_days": report.conversion_days,
        "conversions": report.converted,
        "rate": report.conversion_percent or 0,
    }
    by_channel = []
    for channel in Channel.values:
        statuses = report.by_channel.get(channel)
        if not statuses:
            continue
        by_channel.append(
            {
                "label": Channel(channel).label,
                "total": sum(statuses.values()),
                "sent": statuses.get(Delivery.Status.SENT, 0)
                + statuses.get(Delivery.Status.DELIVERED, 0),
                "delivered": statuses.get(Delivery.Status.DELIVERED, 0),
                "failed": statuses.get(Delivery.Status.FAILED, 0),
            }
        )
    context = {
        "campaign": campaign,
        "numbers": numbers,
        "by_channel": by_channel,
        "series": report.series,
        "failures": [(failure_label(code), n) for code, n in report.failed_by_code.items()],
        "chart": funnel_chart(numbers),
        "current_organization": campaign.organization,
        "crumbs": _campaign_crumbs(campaign, (_("결과"), "")),
    }
    return render(request, "notify/staff/campaign_report.html", context)


def funnel_chart(numbers: dict[str, Any]) -> dict[str, Any]:
    """Geometry of the funnel bar chart (messages → sent → delivered → clicked, then people
    told → acted when the campaign has a goal), for a server-rendered SVG."""
    steps = [
        (_("메시지"), numbers["deliveries"]),
        (_("발송됨"), numbers["sent"]),
        (_("도달"), numbers["delivered"]),
        (_("링크를 연 메시지"), numbers["clicked_deliveries"]),
    ]
    if numbers["conversion_action"]:
        steps += [
            (_("알린 사람"), numbers["told"]),
            (_("행동한 사람"), numbers["conversions"]),
        ]
    top = max((value for _label, value in steps), default=0) or 1
    bar_height, gap, label_width, width = 28, 12, 150, 640
    usable = width - label_width - 70
    bars = []
    for index, (label, value) in enumerate(steps):
        bar_width = round(usable * value / top, 1)
        y = index * (bar_height + gap)
        bars.append(
            {
                "label": label,
                "value": value,
                "y": y,
                "text_y": y + bar_height / 2 + 5,
                "width": bar_width,
                "value_x": label_width + bar_width + 8,
            }
        )
    return {
        "bars": bars,
        "width": width,
        "height": len(steps) * (bar_height + gap),
        "bar_height": bar_height,
        "label_width": label_width,
    }


@staff_page
def campaign_report_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as CSV: UTF-8 with a BOM (so Excel opens Korean), aggregates only."""
    campaign = queries.campaign_for_user(request.user, pk)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for index, row in enumerate(reports.campaign_report_rows(campaign)):
        if index and row[2]:
            # Failure codes as staff read them on the page.
            row = [*row[:2], failure_label(str(row[2])), *row[3:]]
        writer.writerow(row)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-report.csv"'
    return response


urlpatterns = [
    path("staff/", dashboard, name="staff_dashboard"),
    path("staff/templates/", template_list, name="staff_templates"),
    path("staff/templates/new", template_create, name="staff_template_create"),
    path("staff/templates/<int:pk>/edit", template_edit, name="staff_template_edit"),
    path("staff/templates/<int:pk>/preview", template_preview, name="staff_template_preview"),
    path("staff/templates/<int:pk>/delete", template_delete, name="staff_template_delete"),
    path("staff/sms-bytes", sms_counter, name="staff_sms_counter"),
    path("staff/campaigns/new/<slug:kind>", campaign_create, name="staff_campaign_create"),
    path("staff/campaigns/new/<slug:kind>/count", campaign_count, name="staff_campaign_new_count"),
    path("staff/campaigns/<int:pk>/", campaign_detail, name="staff_campaign"),
    path("staff/campaigns/<int:pk>/edit", campaign_edit, name="staff_campaign_edit"),
    path("staff/campaigns/<int:pk>/count", campaign_count, name="staff_campaign_count"),
    path("staff/campaigns/<int:pk>/preview", campaign_preview, name="staff_campaign_preview"),
    path("staff/campaigns/<int:pk>/schedule", campaign_schedule, name="staff_campaign_schedule"),
    path("staff/campaigns/<int:pk>/send", campaign_send, name="staff_campaign_send"),
    path("staff/campaigns/<int:pk>/cancel", campaign_cancel, name="staff_campaign_cancel"),
    path("staff/campaigns/<int:pk>/report", campaign_report, name="staff_campaign_report"),
    path(
        "staff/campaigns/<int:pk>/report.csv", campaign_report_csv, name="staff_campaign_report_csv"
    ),
]
