"""Demo logins: deterministic TOTP for demo staff, fictitious resident profiles, demo_totp."""

from __future__ import annotations

import base64
import hashlib
from io import StringIO

import pyotp
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.management import CommandError, call_command
from django.urls import reverse

from sotong.accounts.demo import demo_totp_secret, setup_demo_accounts
from sotong.accounts.models import ResidentProfile
from sotong.core.audit.models import AuditEvent

from .conftest import PASSWORD


def test_the_demo_secret_is_derived_from_the_email_only():
    digest = hashlib.sha256(b"sotong-demo-totp:officer@testgu.go.kr").digest()

    assert demo_totp_secret("Officer@testgu.go.kr ") == base64.b32encode(digest[:20]).decode()
    assert demo_totp_secret("officer@testgu.go.kr") != demo_totp_secret("head@testgu.go.kr")
    assert len(demo_totp_secret("a@b.kr")) == 32


@pytest.mark.django_db
def test_setup_gives_staff_totp_and_residents_profiles(officer, head, resident, dongs):
    resident.demo_dong = dongs["신촌동"]

    lines = setup_demo_accounts([officer, head], [resident])

    assert len(lines) == 2
    secret = demo_totp_secret(officer.email)
    assert lines[0].startswith(f"{officer.email}  TOTP {secret}  otpauth://totp/")
    assert f"secret={secret}" in lines[0] and "issuer=sotong" in lines[0]
    totp = Authenticator.objects.get(user=officer, type="totp")
    assert decrypt(totp.data["secret"]) == secret
    assert EmailAddress.objects.get(user=officer).verified
    assert EmailAddress.objects.get(user=resident).verified
    profile = ResidentProfile.objects.get(user=resident)
    assert profile.name == "김주민"  # the demo user's own name
    assert profile.dong == dongs["신촌동"]
    assert profile.organization == dongs["신촌동"].organization
    assert profile.phone.startswith("010-0000-")
    assert "신촌동" in profile.address


@pytest.mark.django_db
def test_running_the_setup_twice_changes_nothing(officer, resident, dongs):
    first = setup_demo_accounts([officer], [resident])
    totp_pk = Authenticator.objects.get(user=officer).pk
    events = AuditEvent.objects.count()

    second = setup_demo_accounts([officer], [resident])

    assert first == second
    assert Authenticator.objects.get(user=officer).pk == totp_pk
    assert AuditEvent.objects.count() == events
    assert ResidentProfile.objects.count() == 1
    assert EmailAddress.objects.filter(user=officer).count() == 1


@pytest.mark.django_db
def test_a_demo_staff_member_logs_in_with_the_printed_secret(client, officer):
    setup_demo_accounts([officer], [])
    client.post(reverse("account_login"), {"login": officer.email, "password": PASSWORD})

    code = pyotp.TOTP(demo_totp_secret(officer.email)).now()
    response = client.post(reverse("mfa_authenticate"), {"code": code})

    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_demo_totp_prints_the_current_code(officer, settings):
    settings.SOTONG_ENV = "demo"
    setup_demo_accounts([officer], [])
    out = StringIO()

    call_command("demo_totp", officer.email, stdout=out)

    assert out.getvalue().strip() == pyotp.TOTP(demo_totp_secret(officer.email)).now()


@pytest.mark.django_db
@pytest.mark.parametrize("env", ["production", "test"])
def test_demo_totp_refuses_outside_demo_and_development(officer, settings, env):
    settings.SOTONG_ENV = env
    setup_demo_accounts([officer], [])

    with pytest.raises(CommandError, match="데모·개발 환경"):
        call_command("demo_totp", officer.email, stdout=StringIO())


@pytest.mark.django_db
def test_demo_totp_refuses_accounts_without_the_demo_secret(officer, resident, settings):
    from allauth.mfa.totp.internal.auth import TOTP

    settings.SOTONG_ENV = "development"
    TOTP.activate(officer, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")

    for email in (officer.email, resident.email, "nobody@example.kr"):
        with pytest.raises(CommandError, match="데모 OTP"):
            call_command("demo_totp", email, stdout=StringIO())
