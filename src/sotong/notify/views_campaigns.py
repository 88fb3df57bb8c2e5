"""Staff pages of notify: a campaign's compose (with the live recipient count and SMS byte counter)
→ detail → preview → schedule or send now, and cancelling. Access rules and shared helpers are in
`views_staff`; the report is in `views_reports`."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from sotong.core.vocab import Interest, LifeStage, TargetGroup
from sotong.core.web import add_service_errors

from . import campaigns, conversions, digest, permissions, queries, segments, sms
from . import forms_staff as forms
from .models import Campaign, Channel, channels_of
from .views_staff import (
    _campaign_crumbs,
    _organization,
    _posted,
    _require,
    preview_item,
    staff_page,
)


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


urlpatterns = [
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
]
