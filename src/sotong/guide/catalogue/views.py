"""Pages of the service catalogue: browse with facets, the service card and its print view,
saving a service, a resident's own services, and the staff review list. Thin: parse, call one
query or service, render."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from sotong.guide.catalogue import permissions as permissions
from sotong.guide.catalogue import queries as queries
from sotong.guide.catalogue import services as services
from sotong.guide.catalogue.forms import ReviewForm, parse_filters
from sotong.guide.models import ServiceLifeStage, ServiceSituation


def _page(paginator: Paginator, number: str | None):
    try:
        return paginator.page(number or 1)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)


def _page_links(page) -> list[int | None]:
    from sotong.core.search_page import page_window

    return page_window(page.number, page.paginator.num_pages)


def _url_or(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


# --- browse -------------------------------------------------------------------------------------


@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    filters, dropped = parse_filters(request.GET)
    result = queries.browse(filters, user=request.user)
    paginator = Paginator(result.services, queries.PER_PAGE)
    page = _page(paginator, request.GET.get("page"))
    kept = [(param, value) for param, values in filters.selected.items() for value in values]
    if filters.q:
        kept.append(("q", filters.q))
    context = {
        "filters": filters,
        "dropped": dropped,
        "facets": result.facets,
        "page": page,
        "services": page.object_list,
        "total": paginator.count,
        "page_links": _page_links(page),
        "base_query": urlencode(kept),
        "life_stages": ServiceLifeStage.choices,
        "situations": ServiceSituation.choices,
        "crumbs": [(_("서비스 찾기"), None)],
    }
    return render(request, "services/catalogue/browse.html", context)


# --- the service card ----------------------------------------------------------------------------


def _share_links(title: str, url: str) -> list[tuple[str, str]]:
    u, t = quote(url, safe=""), quote(title, safe="")
    return [
        (_("카카오스토리"), f"https://story.kakao.com/share?url={u}"),
        (_("페이스북"), f"https://www.facebook.com/sharer/sharer.php?u={u}"),
        (_("X(트위터)"), f"https://x.com/intent/tweet?url={u}&text={t}"),
        (
            _("밴드"),
            f"https://band.us/plugin/share?body={quote(title + ' ' + url, safe='')}&route={u}",
        ),
    ]


def _card_context(request: HttpRequest, pk: int) -> dict:
    service = queries.service_for_user(request.user, pk)
    url = request.build_absolute_uri(service.get_absolute_url())
    eligibility = _url_or("services:eligibility", "/services/eligibility/")
    help_new = _url_or("helpdesk:new", "/services/help/new")
    return {
        "service": service,
        "absolute_url": url,
        "rules": queries.rules_in_words(service),
        "tags": queries.facet_tags(service),
        "eligibility_url": f"{eligibility}?service={service.pk}",
        "help_url": f"{help_new}?service={service.pk}",
        "share_links": _share_links(service.name, url),
        "mailto": "mailto:?"
        + urlencode(
            {"subject": service.name, "body": f"{service.summary}\n\n{url}"}, quote_via=quote
        ),
        "may_edit": permissions.can_edit_service(request.user, service.organization_id)
        if request.user.is_authenticated
        else False,
        "current_organization": service.organization,
    }


@require_safe
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    context = _card_context(request, pk)
    service = context["service"]
    if request.user.is_authenticated:
        services.service_view_record(user=request.user, service=service)
    context["saved"] = services.service_is_saved(user=request.user, service=service)
    if context["may_edit"]:
        try:
            context["admin_url"] = reverse("admin:services_service_change", args=[service.pk])
        except NoReverseMatch:  # the catalogue admin is not registered
            context["admin_url"] = ""
    context["crumbs"] = [(_("서비스 찾기"), reverse("services:catalogue")), (service.name, None)]
    return render(request, "services/catalogue/detail.html", context)


@require_safe
def service_print(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "services/catalogue/print.html", _card_context(request, pk))


@require_POST
def service_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Toggles the service among the user's saved ones (관심 서비스)."""
    if not request.user.is_authenticated:
        return redirect(
            f"{reverse('account_login')}?{urlencode({'next': reverse('services:service_detail', args=[pk])})}"
        )
    service = queries.service_for_user(request.user, pk)
    if services.service_is_saved(user=request.user, service=service):
        services.service_unsave(actor=request.user, service=service)
        messages.success(request, _("관심 서비스에서 뺐습니다."))
    else:
        services.service_save(actor=request.user, service=service)
        messages.success(request, _("관심 서비스로 저장했습니다."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = service.get_absolute_url()
    return redirect(target)


# --- a resident's services -------------------------------------------------------------------------


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    context = {
        "recent": queries.recent_services(request.user),
        "saved": queries.saved_services(request.user),
        "crumbs": [(_("서비스 찾기"), reverse("services:catalogue")), (_("내 서비스"), None)],
    }
    return render(request, "services/catalogue/mine.html", context)


# --- staff: services due for review --------------------------------------------------------------


def _require_editor(request: HttpRequest) -> None:
    if not permissions.may_edit_any(request.user):
        raise PermissionDenied(_("서비스를 관리하는 직원만 볼 수 있습니다."))


@login_required
@require_safe
def review_list(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    paginator = Paginator(queries.review_queue(request.user), queries.PER_PAGE)
    page = _page(paginator, request.GET.get("page"))
    context = {
        "page": page,
        "services": page.object_list,
        "total": paginator.count,
        "page_links": _page_links(page),
        "base_query": "",
        "form": ReviewForm(),
        "crumbs": [(_("서비스 검토"), None)],
    }
    return render(request, "services/catalogue/review_list.html", context)


@login_required
@require_POST
def service_review(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    service = queries.service_for_user(request.user, pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.service_review(
                actor=request.user,
                service=service,
                review_due=form.cleaned_data["review_due"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("'%(name)s' 검토를 기록했습니다.") % {"name": service.name})
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{service.name} — {label}: {' '.join(errors)}")
    return redirect("services:review_list")
