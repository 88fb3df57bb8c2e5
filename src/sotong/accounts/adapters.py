"""sotong's hooks into django-allauth (settings: ACCOUNT_ADAPTER, SOCIALACCOUNT_ADAPTER,
MFA_ADAPTER)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from sotong.core.privacy import crypto

from .permissions import needs_second_factor
from .queries import preferred_language


class AccountAdapter(DefaultAccountAdapter):
    def post_login(self, request, user, **kwargs):
        """A resident sees the site in the language kept in their profile from the first page
        after login (the language cookie is what LocaleMiddleware reads)."""
        response = super().post_login(request, user, **kwargs)
        language = preferred_language(user)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
            if hasattr(response, "set_cookie"):
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    language,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    path=settings.LANGUAGE_COOKIE_PATH,
                    domain=settings.LANGUAGE_COOKIE_DOMAIN,
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                    httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                )
        return response


# What we keep of a provider's user-info answer: the id, the e-mail and whether the provider
# verified it, a nickname. Providers can send much more (name, phone, birthday, age range,
# gender) when an app asks for it; we never need it, so it is dropped before it is stored.
_KEEP = {
    "kakao": {
        "id": None,
        "kakao_account": {"email": None, "is_email_verified": None, "profile": {"nickname": None}},
    },
    "naver": {"id": None, "email": None, "nickname": None},
    "google": {"id": None, "sub": None, "email": None, "email_verified": None},
}


def _prune(data, keep):
    if keep is None or not isinstance(data, dict):
        return data
    return {key: _prune(data[key], sub) for key, sub in keep.items() if key in data}


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        account = sociallogin.account
        keep = _KEEP.get(account.provider)
        if keep is not None:
            pruned = _prune(account.extra_data or {}, keep)
            if pruned != account.extra_data:
                account.extra_data = pruned
                if account.pk:
                    # allauth's lookup has just stored the provider's full answer.
                    account.save(update_fields=["extra_data"])
        super().pre_social_login(request, sociallogin)

    def populate_user(self, request, sociallogin, data):
        """Kakao gives a nickname: it becomes the display name (never the real name, which
        residents give themselves in their profile)."""
        user = super().populate_user(request, sociallogin, data)
        nickname = (data.get("username") or "").strip()
        if nickname and not user.display_name:
            user.display_name = nickname[:50]
        return user


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _("코드가 맞지 않습니다. 인증 앱에 지금 보이는 6자리 숫자를 입력하세요."),
    }

    def encrypt(self, text: str) -> str:
        """TOTP secrets and recovery-code seeds are encrypted at rest with the same keys as other
        personal data (settings.FIELD_ENCRYPTION_KEYS)."""
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Staff cannot switch their TOTP off: the second factor is not optional for them."""
        if authenticator.type == Authenticator.Type.TOTP and needs_second_factor(
            authenticator.user
        ):
            return False
        return super().can_delete_authenticator(authenticator)
