"""Resident pages of notify: subscribe, confirm an address (SMS code or e-mail link), manage a
subscription through its signed link or one's account, unsubscribe (one click, RFC 8058).

Thin views: parse a form, call one service from `subscriptions`, render or redirect. No input
raises a server error: bad forms show Korean errors, bad links a page saying so. Requests that
make us send a text or e-mail are rate limited per IP (and the services limit codes per phone)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sotong.core import ratelimit
from sotong.core.web import add_service_errors

from . import subscriptions
from .addresses import masked_email, masked_phone
from .forms import CodeForm, ManageForm, SubscribeForm
from .models import Subscriber, channels_of

PENDING_SESSION_KEY = "notify_pending_subscriber"

# (requests, seconds) per client IP; settings.NOTIFY_PUBLIC_RATE_LIMITS overrides.
RATE_LIMITS = {
    "subscribe": (20, 3600),
    "confirm": (30, 600),
    "resend": (10, 3600),
    "manage": (30, 600),
}


def _rate_limited(request: HttpRequest, action: str, key: str = "") -> bool:
    limits = {**RATE_LIMITS, **getattr(settings, "NOTIFY_PUBLIC_RATE_LIMITS", {})}
    who = key or request.META.get("REMOTE_ADDR", "") or "unknown"
    return ratelimit.rate_limited("notify", action, who, limits)


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", status=429)


def _invalid_link(
    request: HttpRequest, *, expired: bool = False, message: str = ""
) -> HttpResponse:
    context = {"expired": expired, "message": message}
    return render(request, "notify/public/invalid_link.html", context, status=404)


def _describe(subscriber: Subscriber) -> dict:
    """What may be shown back to the holder of a link: masked addresses only."""
    return {
        "subscriber": subscriber,
        "organization": subscriber.organization,
        "email_masked": masked_email(subscriber.email),
        "phone_masked": masked_phone(subscriber.phone),
        "channel_labels": [str(label) for label in _channel_labels(subscriber)],
        "pending": subscriptions.pending_channels(subscriber),
    }


def _channel_labels(subscriber: Subscriber):
    from .models import Channel

    return [Channel(ch).label for ch in channels_of(subscriber.channels)]


def _pending_subscriber(request: HttpRequest) -> Subscriber | None:
    pk = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(pk, int):
        return None
    return Subscriber.objects.select_related("organization").filter(pk=pk).first()


# --- subscribe ------------------------------------------------------------------------------


def _initial_for(user) -> dict:
    if not user.is_authenticated:
        return {}
    initial = {"email": user.email, "channels": ["email"]}
    try:
        profile = user.resident_profile
    except ObjectDoesNotExist:  # an account without a profile
        profile = None
    if profile is not None:
        initial.update(organization=profile.organization_id, dong=profile.dong_id)
    return initial


@never_cache
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if _rate_limited(request, "subscribe"):
            return _too_many(request)
        form = SubscribeForm(request.POST)
        if form.is_valid():
            try:
                subscriber = subscriptions.subscriber_subscribe(
                    actor=request.user, source="web", **form.service_arguments()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                request.session[PENDING_SESSION_KEY] = subscriber.pk
                return redirect("notify:confirm")
    else:
        form = SubscribeForm(initial=_initial_for(request.user))
    return render(request, "notify/public/subscribe.html", {"form": form})


# --- confirm --------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    subscriber = _pending_subscriber(request)
    if subscriber is None:
        return render(request, "notify/public/confirm.html", {"nothing": True})
    form = CodeForm()
    if request.method == "POST":
        if _rate_limited(request, "confirm"):
            return _too_many(request)
        if request.POST.get("action") in ("resend_sms", "resend_email"):
            if _rate_limited(request, "resend"):
                return _too_many(request)
            channel = "sms" if request.POST["action"] == "resend_sms" else "email"
            try:
                subscriptions.subscriber_resend_confirmation(subscriber=subscriber, channel=channel)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("인증번호를 다시 보냈습니다.")
                    if channel == "sms"
                    else _("확인 메일을 다시 보냈습니다."),
                )
            return redirect("notify:confirm")
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                subscriber = subscriptions.subscriber_confirm(
                    subscriber=subscriber, channel="sms", code=form.cleaned_data["code"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("휴대전화 번호를 확인했습니다."))
                return redirect("notify:confirm")
    context = {**_describe(subscriber), "form": form}
    if subscriber.status == Subscriber.Status.ACTIVE and not context["pending"]:
        context["manage_url"] = subscriptions.manage_url(subscriber)
    return render(request, "notify/public/confirm.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and POST confirms: mail scanners open links, and must not confirm a
    subscription the owner of the address never asked for."""
    if request.method == "GET":
        return render(request, "notify/public/confirm_email.html", {"token": token})
    if _rate_limited(request, "confirm"):
        return _too_many(request)
    try:
        subscriber = subscriptions.subscriber_confirm_email_token(token)
    except ValidationError as error:
        return _invalid_link(
            request, expired=error.code == "expired", message=" ".join(error.messages)
        )
    context = {**_describe(subscriber), "confirmed": True}
    context["manage_url"] = subscriptions.manage_url(subscriber)
    return render(request, "notify/public/confirm_email.html", context)


# --- manage ---------------------------------------------------------------------------------


def _actor_for(request: HttpRequest, subscriber: Subscriber):
    """The account acting on a subscription reached by its link: the owner when logged in,
    otherwise nobody in particular (the link is the authority)."""
    user = request.user
    if user.is_authenticated and subscriber.user_id == user.pk:
        return user
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = subscriptions.subscriber_from_token(token, "manage")
    if subscriber is None:
        return _invalid_link(request)
    context = {
        **_describe(subscriber),
        "unsubscribe_url": subscriptions.unsubscribe_url(subscriber),
    }
    if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        return render(request, "notify/public/manage.html", context)
    if request.method == "POST":
        if _rate_limited(request, "manage"):
            return _too_many(request)
        form = ManageForm(request.POST, subscriber=subscriber)
        if form.is_valid():
            try:
                subscriber = subscriptions.subscriber_update(
                    actor=_actor_for(request, subscriber),
                    subscriber=subscriber,
                    **form.service_arguments(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied:
                return _invalid_link(request)
            else:
                if subscriptions.pending_channels(subscriber):
                    request.session[PENDING_SESSION_KEY] = subscriber.pk
                    messages.success(
                        request, _("저장했습니다. 새 주소를 확인하면 그 주소로 알림을 보냅니다.")
                    )
                    return redirect("notify:confirm")
                messages.success(request, _("구독 설정을 저장했습니다."))
                return redirect(request.path)
    else:
        form = ManageForm(initial=ManageForm.initial_for(subscriber), subscriber=subscriber)
    context["form"] = form
    return render(request, "notify/public/manage.html", context)


@login_required
@never_cache
@require_http_methods(["GET"])
def my_subscriptions(request: HttpRequest) -> HttpResponse:
    rows = (
        Subscriber.objects.filter(user=request.user)
        .select_related("organization", "dong")
        .order_by("organization__name")
    )
    items = [
        {
            **_describe(row),
            "manage_url": subscriptions.manage_url(row),
            "unsubscribe_url": subscriptions.unsubscribe_url(row),
        }
        for row in rows
    ]
    return render(request, "notify/public/my.html", {"items": items})


# --- unsubscribe ----------------------------------------------------------------------------


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    return CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET never unsubscribes (mail scanners and link previews open links): it shows one
    button. POST unsubscribes; RFC 8058's one-click POST (`List-Unsubscribe=One-Click`, sent by
    the mail provider with no cookie or CSRF token) does too — the signed token is the proof."""
    subscriber = subscriptions.subscriber_from_token(token, "unsubscribe")
    if subscriber is None:
        return _invalid_link(request)
    if request.method == "GET":
        return render(request, "notify/public/unsubscribe.html", _describe(subscriber))
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    if not one_click:
        failure = _csrf_failure(request)
        if failure is not None:
            return failure
    subscriptions.subscriber_withdraw(
        actor=_actor_for(request, subscriber),
        subscriber=subscriber,
        source="email_link" if one_click else "web",
    )
    subscriber.refresh_from_db()
    context = {**_describe(subscriber), "resubscribe_url": "notify:subscribe"}
    return render(request, "notify/public/unsubscribed.html", context)


urlpatterns = [
    path("subscribe", subscribe, name="subscribe"),
    path("confirm", confirm, name="confirm"),
    path("confirm/email/<str:token>", confirm_email, name="confirm_email"),
    path("manage/<str:token>", manage, name="manage"),
    path("my", my_subscriptions, name="my"),
    path("unsubscribe/<str:token>", unsubscribe, name="unsubscribe"),
]
