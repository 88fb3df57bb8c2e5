"""Demo logins: every demo staff member gets a TOTP authenticator whose secret is derived from
their e-mail, so `make demo` can print it and re-running the loader changes nothing; demo residents
get fictitious profiles. Called by the `org` app's `demo_load` command. Never for a real install:
anyone who knows a demo e-mail can derive its secret."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterable

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.db import transaction

from sotong.org.models import Dong

from . import services
from .models import ResidentProfile, User

# Fictitious people: no real person is meant. Phone numbers use the 010-0000 block, which no
# carrier assigns.
DEMO_RESIDENTS = [
    ("김하늘", "서울특별시 {org} 소통로 {n} ({dong})"),
    ("이바다", "서울특별시 {org} 누리길 {n} ({dong})"),
    ("박가람", "서울특별시 {org} 마을로 {n}-1 ({dong})"),
    ("최나래", "서울특별시 {org} 한빛길 {n} ({dong})"),
    ("정우리", "서울특별시 {org} 이음로 {n} ({dong})"),
]


def demo_totp_secret(email: str) -> str:
    """Base32 of the first 20 bytes of sha256(e-mail): the same secret on every run."""
    digest = hashlib.sha256(f"sotong-demo-totp:{email.strip().lower()}".encode()).digest()
    return base64.b32encode(digest[:20]).decode("ascii")


def demo_totp_code(email: str) -> str:
    """The code an authenticator app holding the demo secret of `email` shows now."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(demo_totp_secret(email), counter))


def _ensure_verified_email(user: User) -> None:
    EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).delete()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def _ensure_totp(user: User) -> str:
    """Stored the way allauth.mfa stores it (TOTP.activate → encrypted by our MFA adapter)."""
    secret = demo_totp_secret(user.email)
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        if decrypt(existing.data["secret"]) == secret:
            return secret
        existing.delete()
    TOTP.activate(user, secret)
    return secret


def _fill_profile(user: User, index: int, dongs: list[Dong]) -> None:
    name, address = DEMO_RESIDENTS[index % len(DEMO_RESIDENTS)]
    name = user.display_name or name
    # The demo loader says where each resident lives; anyone else is spread over the dongs.
    dong = getattr(user, "demo_dong", None) or (dongs[index % len(dongs)] if dongs else None)
    organization = dong.organization if dong else getattr(user, "demo_organization", None)
    current = ResidentProfile.objects.filter(user=user).first()
    services.resident_profile_update(
        actor=user,
        user=user,
        name=name,
        phone=f"010-0000-{1000 + index:04d}",
        address=" ".join(
            address.format(
                org=organization.name if organization else "",
                dong=dong.name if dong else "",
                n=10 + index,
            )
            .replace("()", "")
            .split()
        ),
        organization=organization,
        dong=dong,
        language=current.language if current else ResidentProfile.Language.KO,
    )


@transaction.atomic
def setup_demo_accounts(staff_users: Iterable[User], resident_users: Iterable[User]) -> list[str]:
    """Returns one printable line per staff user: e-mail, TOTP secret and otpauth URI (scan it
    into an authenticator app, or run `manage.py demo_totp EMAIL` for the current code)."""
    adapter = get_mfa_adapter()
    lines = []
    for user in staff_users:
        _ensure_verified_email(user)
        secret = _ensure_totp(user)
        lines.append(f"{user.email}  TOTP {secret}  {adapter.build_totp_url(user, secret)}")
    dongs = list(Dong.objects.select_related("organization").order_by("organization__name", "name"))
    for index, user in enumerate(resident_users):
        _ensure_verified_email(user)
        _fill_profile(user, index, dongs)
    return lines
