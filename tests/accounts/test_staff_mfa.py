"""Staff must log in with a second factor (TOTP) that cannot be skipped; residents never are
asked for one."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.conf import settings as django_settings
from django.urls import reverse

from sotong.accounts.demo import demo_totp_secret

from .conftest import PASSWORD

WRONG_CODE = "코드가 맞지 않습니다. 인증 앱에 지금 보이는 6자리 숫자를 입력하세요."


def _password_login(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def _reauthenticate(client, user):
    """allauth asks for the password again before a second factor is added or removed."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def _with_totp(user) -> str:
    secret = demo_totp_secret(user.email)
    TOTP.activate(user, secret)
    return secret


def _a_wrong_code(secret: str) -> str:
    """A code that none of the time steps around now accepts."""
    totp = pyotp.TOTP(secret)
    now = time.time()
    accepted = {totp.at(now + step * 30) for step in range(-2, 3)}
    return next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in accepted)


@pytest.mark.django_db
def test_staff_without_totp_is_sent_to_activate_it_on_every_page(client, officer, verified):
    verified(officer)
    _password_login(client, officer)

    for path in ["/", reverse("accounts:profile"), "/org/", reverse("account_email")]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url == reverse("mfa_activate_totp")

    activation = client.get(reverse("mfa_activate_totp"))
    assert activation.url.startswith(reverse("account_reauthenticate"))  # not sent elsewhere
    assert client.get(activation.url).status_code == 200
    _reauthenticate(client, officer)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    assert client.get(reverse("account_logout")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302


@pytest.mark.django_db
def test_htmx_requests_are_redirected_with_hx_redirect(client, officer, verified):
    verified(officer)
    _password_login(client, officer)

    response = client.get("/", HTTP_HX_REQUEST="true")

    assert response.headers["HX-Redirect"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_staff_activates_totp_and_goes_on_without_logging_in_again(client, officer, verified):
    verified(officer)
    _password_login(client, officer)
    _reauthenticate(client, officer)
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret

    wrong = client.post(reverse("mfa_activate_totp"), {"code": _a_wrong_code(secret)})
    assert wrong.status_code == 200
    assert WRONG_CODE in wrong.content.decode()
    assert not Authenticator.objects.filter(user=officer, type="totp").exists()

    response = client.post(reverse("mfa_activate_totp"), {"code": pyotp.TOTP(secret).now()})

    assert response.status_code == 302
    totp = Authenticator.objects.get(user=officer, type="totp")
    # Stored encrypted with the field keys, never as the plain secret.
    assert secret not in str(totp.data)
    assert decrypt(totp.data["secret"]) == secret
    assert client.get("/").status_code == 200
    assert client.session["_auth_user_id"] == str(officer.pk)


@pytest.mark.django_db
def test_staff_with_totp_must_enter_a_valid_code(client, officer, verified):
    verified(officer)
    secret = _with_totp(officer)

    response = _password_login(client, officer)
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # the password alone does not log in

    wrong = client.post(reverse("mfa_authenticate"), {"code": _a_wrong_code(secret)})
    assert wrong.status_code == 200
    assert WRONG_CODE in wrong.content.decode()
    assert "_auth_user_id" not in client.session

    right = client.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(officer.pk)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_the_mfa_page_cannot_be_skipped_by_going_elsewhere(client, officer, verified):
    verified(officer)
    _with_totp(officer)
    _password_login(client, officer)

    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_session_that_skipped_the_mfa_stage_is_ended(client, officer):
    _with_totp(officer)
    client.force_login(officer)  # a session made without allauth's MFA stage

    response = client.get("/org/?page=2")

    assert response.status_code == 302
    assert response.url == reverse("account_login") + "?next=%2Forg%2F%3Fpage%3D2"
    assert "_auth_user_id" not in client.session
    page = client.get(response.url)
    assert "2단계 인증(OTP)을 거쳐야 합니다" in page.content.decode()


@pytest.mark.django_db
def test_the_admin_sites_login_goes_through_allauth_and_its_second_factor(client, admin_user):
    _with_totp(admin_user)
    login = client.post(
        reverse("admin:login"), {"username": admin_user.email, "password": PASSWORD}
    )

    # The admin login page hands over to allauth's login (password, then TOTP) ...
    assert login.status_code == 302
    assert login.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_a_session_that_skipped_the_second_factor_is_ended(client, admin_user):
    _with_totp(admin_user)
    client.force_login(admin_user)  # any login path other than allauth's stages

    response = client.get(reverse("admin:index"))

    # ... and a session made any other way is ended before any admin page is shown.
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_residents_are_never_asked_for_a_second_factor(client, resident, verified):
    verified(resident)

    response = _password_login(client, resident)

    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200
    assert client.get(reverse("accounts:profile")).status_code == 200


@pytest.mark.django_db
def test_a_former_member_of_staff_is_treated_as_a_resident(client, officer, verified):
    officer.staff.active = False
    officer.staff.save(update_fields=["active"])
    verified(officer)
    _password_login(client, officer)

    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_admin_site_users_must_pass_the_second_factor_too(client, admin_user, verified):
    verified(admin_user)
    _password_login(client, admin_user)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_admin_client_fixture_logs_in_through_totp(admin_client):
    assert admin_client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_staff_login_fixture_gives_a_working_staff_session(client, officer, head, staff_login):
    staff_login(client, officer)
    assert client.get("/").status_code == 200
    assert client.session["_auth_user_id"] == str(officer.pk)

    staff_login(client, head)  # a second login in the same test
    assert client.session["_auth_user_id"] == str(head.pk)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_staff_cannot_switch_their_totp_off(client, officer, staff_login):
    staff_login(client, officer)
    _reauthenticate(client, officer)

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 200  # the form answers with allauth's refusal
    assert Authenticator.objects.filter(user=officer, type="totp").exists()


@pytest.mark.django_db
def test_a_resident_may_switch_their_own_totp_off(client, resident, staff_login):
    TOTP.activate(resident, demo_totp_secret(resident.email))
    staff_login(client, resident)
    _reauthenticate(client, resident)

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=resident, type="totp").exists()


@pytest.mark.django_db
def test_the_requirement_can_be_relaxed_outside_production(client, officer, settings):
    settings.SOTONG_STAFF_MFA_REQUIRED = False
    client.force_login(officer)

    assert client.get("/").status_code == 200


def test_production_forces_the_second_factor_whatever_the_environment_says():
    env = {
        **os.environ,
        "SOTONG_ENV": "production",
        "SOTONG_STAFF_MFA_REQUIRED": "0",
        "DJANGO_SECRET_KEY": "x" * 50,
        "SOTONG_FIELD_ENCRYPTION_KEYS": django_settings.FIELD_ENCRYPTION_KEYS[0],
        "SOTONG_FIELD_LOOKUP_KEY": "y" * 40,
        "SOTONG_SOLAPI_API_SECRET": "provider-secret",
        "SOTONG_SOLAPI_WEBHOOK_SECRET": "webhook-secret",
        "PYTHONPATH": str(django_settings.PROJECT_DIR / "src"),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import sotong.settings as s; print(s.SOTONG_STAFF_MFA_REQUIRED)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.PROJECT_DIR,
    )
    assert result.stdout.strip() == "True"
