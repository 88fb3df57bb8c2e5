"""Staff pages of notify (`/notify/staff/`): access rules shared by all of them, and the dashboard
(campaigns and an overview of the organisation's subscribers). Templates live in
`views_templates`, campaign compose → preview → count → schedule or send and cancelling in
`views_campaigns`, the campaign report with its CSV in `views_reports`.

Only staff of an organisation holding `notify.send_campaign` or `notify.send_emergency` see these
pages (403 for everyone else logged in, the login page for visitors); they see only their own
organisation's templates and campaigns, and the same 404 for a campaign that does not exist and one
of another organisation. No page shows a subscriber's address or name: the overview and reports are
aggregates. Views are thin: parse a form, call one service (`campaigns`, `reports`, `segments`),
render or redirect; a service's ValidationError goes back onto the form."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.db.models.lookups import GreaterThan
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sotong.core.vocab import Interest, LifeStage, bit
from sotong.core.web import guarded_page
from sotong.org import permissions as org_permissions
from sotong.org.models import Organization
from sotong.org.queries import picked_organization

from . import forms_staff as forms
from . import permissions, sms
from .models import CHANNEL_BITS, Campaign, Channel, Subscriber

PAGE_SIZE = 20


# --- access --------------------------------------------------------------------------------------


# Visitors go to the login page; logged-in people without the notify permissions get 403.
staff_page = guarded_page(
    permissions.can_use_notify_staff_pages, gettext_lazy("알림 담당자만 볼 수 있습니다.")
)


def _organization(request: HttpRequest) -> Organization:
    """The organisation whose pages these are: the staff member's own. A superuser without a
    staff post picks one with `?org=<code>` (`org.queries.picked_organization`)."""
    ids = permissions.managed_organization_ids(request.user)
    if ids is None:
        return picked_organization(request.GET.get("org", ""), user=request.user)
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


# --- shared by the template and campaign pages ---------------------------------------------------


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


def _campaign_crumbs(campaign: Campaign | None, *extra) -> list:
    crumbs = [(_("알림 관리"), reverse("notify:staff_dashboard"))]
    if campaign is not None:
        crumbs.append((campaign.title, reverse("notify:staff_campaign", args=[campaign.pk])))
    return [*crumbs, *extra]


urlpatterns = [
    path("staff/", dashboard, name="staff_dashboard"),
]
