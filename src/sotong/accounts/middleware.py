"""Request hooks of accounts: the staff second factor that cannot be skipped, and keeping the
language a resident switches to."""

from __future__ import annotations

from functools import cached_property
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from . import services
from .permissions import is_active_staff, needs_second_factor
from .queries import profile_of


def _passed_second_factor(request, user) -> bool:
    return any(r.get("method") == "mfa" for r in get_authentication_records(request, user))


def _redirect(request, url: str):
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


class StaffSecondFactorMiddleware:
    """Staff (an active `org.Staff` row) and admin-site users must have TOTP and must have passed
    it in this session:

    - no TOTP yet: every page except TOTP activation (and what it needs: logout,
      reauthentication, static files, the language switch) redirects to the activation page;
    - TOTP, but this session never passed it (a session made by any path that skipped allauth's
      MFA stage): the session is ended and the user is sent to log in again.

    Activating TOTP proves the code, so it counts as passing the second factor for the session.
    Off only when settings.SOTONG_STAFF_MFA_REQUIRED is False (never in production)."""

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def activate_path(self) -> str:
        return reverse("mfa_activate_totp")

    @cached_property
    def open_prefixes(self) -> tuple[str, ...]:
        return (
            reverse("mfa_index"),
            reverse("account_logout"),
            reverse("account_reauthenticate"),
            reverse("set_language"),
            settings.STATIC_URL,
        )

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not needs_second_factor(user):
            return self.get_response(request)
        has_totp = Authenticator.objects.filter(
            user_id=user.pk, type=Authenticator.Type.TOTP
        ).exists()
        if not has_totp:
            if not request.path.startswith(self.open_prefixes):
                return _redirect(request, self.activate_path)
            response = self.get_response(request)
            self._count_activation(request, user, response)
            return response
        if not _passed_second_factor(request, user):
            return self._log_out(request)
        return self.get_response(request)

    def _count_activation(self, request, user, response) -> None:
        if (
            request.method == "POST"
            and request.path == self.activate_path
            and response.status_code == 302
        ):
            authenticator = Authenticator.objects.filter(
                user_id=user.pk, type=Authenticator.Type.TOTP
            ).first()
            if authenticator is not None:
                record_authentication(
                    request, user, "mfa", id=authenticator.pk, type=authenticator.type
                )

    def _log_out(self, request):
        next_url = request.get_full_path() if request.method == "GET" else "/"
        logout(request)
        messages.warning(
            request, _("직원 계정은 2단계 인증(OTP)을 거쳐야 합니다. 다시 로그인해 주세요.")
        )
        return _redirect(request, f"{reverse('account_login')}?{urlencode({'next': next_url})}")


class PreferredLanguageMiddleware:
    """When a logged-in resident uses the language switch (Django's `set_language`), the choice
    is kept in their profile, so the next login starts in that language."""

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def set_language_path(self) -> str:
        return reverse("set_language")

    def __call__(self, request):
        response = self.get_response(request)
        if request.method != "POST" or request.path != self.set_language_path:
            return response
        user = getattr(request, "user", None)
        language = request.POST.get("language", "")
        if (
            user is None
            or not user.is_authenticated
            or response.status_code not in {204, 302}
            or language not in dict(settings.LANGUAGES)
            or not check_for_language(language)
        ):
            return response
        if profile_of(user) is not None or not is_active_staff(user):
            services.resident_language_set(actor=user, user=user, language=language)
        return response
