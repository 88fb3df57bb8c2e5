"""Reads shared by the accounts pages and hooks."""

from __future__ import annotations

from allauth.mfa.models import Authenticator

from .models import ResidentProfile


def profile_of(user) -> ResidentProfile | None:
    return ResidentProfile.objects.filter(user_id=user.pk).select_related("organization").first()


def preferred_language(user) -> str | None:
    return (
        ResidentProfile.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    )


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()
