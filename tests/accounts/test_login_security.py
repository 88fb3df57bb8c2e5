"""Login rate limits (allauth, cache-backed), CSRF on every form, inactive accounts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import PASSWORD

TOO_MANY = "너무 많은 로그인 실패가 감지되었습니다. 잠시 후에 다시 시도하세요."


def _login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


@pytest.mark.django_db
def test_the_sixth_failed_login_for_an_account_is_refused_in_korean(client, resident, verified):
    verified(resident)
    for _ in range(5):
        response = _login(client, resident.email, "wrong-password-1")
        assert response.status_code == 200
        assert "이메일 또는 비밀번호가 올바르지 않습니다." in response.content.decode()

    response = _login(client, resident.email, PASSWORD)  # even the right password now

    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_limit_is_per_account_and_holds_across_clients(resident, other_resident, verified):
    verified(resident)
    verified(other_resident)
    for _ in range(5):
        _login(Client(), resident.email, "wrong-password-1")

    # Another browser does not get a fresh count for the same account ...
    assert TOO_MANY in _login(Client(), resident.email, PASSWORD).content.decode()
    # ... while another account is not affected.
    other = Client()
    assert _login(other, other_resident.email, PASSWORD).status_code == 302
    assert other.session["_auth_user_id"] == str(other_resident.pk)


@pytest.mark.django_db
def test_the_limit_message_is_english_when_english_is_chosen(client, resident, verified, settings):
    verified(resident)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(5):
        _login(client, resident.email, "wrong-password-1")

    body = _login(client, resident.email, PASSWORD).content.decode()

    assert "Too many failed login attempts. Try again later." in body
    assert '<html lang="en">' in body


@pytest.mark.django_db
def test_a_successful_login_is_not_counted_against_the_limit(client, resident, verified):
    verified(resident)
    for _ in range(4):
        _login(client, resident.email, "wrong-password-1")
    assert _login(client, resident.email, PASSWORD).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("account_login", {"login": "resident@example.kr", "password": PASSWORD}),
        ("account_signup", {"email": "a@example.kr", "password1": PASSWORD, "password2": PASSWORD}),
        ("account_reset_password", {"email": "resident@example.kr"}),
        ("account_logout", {}),
        ("accounts:profile", {"name": "김주민", "language": "ko"}),
        ("accounts:delete", {"password": PASSWORD, "reason": "other"}),
        ("account_email", {"action_add": "", "email": "x@example.kr"}),
        ("set_language", {"language": "en"}),
    ],
)
def test_a_post_without_csrf_token_gets_the_accessible_403_page(resident, url_name, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)

    response = client.post(reverse(url_name), data)

    assert response.status_code == 403
    body = response.content.decode()
    assert "보안 확인에 실패했습니다" in body
    assert '<html lang="ko">' in body
    assert "<h1>" in body


@pytest.mark.django_db
def test_the_csrf_token_in_the_form_is_accepted(resident, verified):
    verified(resident)
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("account_login"))
    token = page.cookies["csrftoken"].value

    response = client.post(
        reverse("account_login"),
        {"login": resident.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302


@pytest.mark.django_db
def test_an_inactive_account_cannot_log_in(client, resident, verified):
    verified(resident)
    resident.is_active = False
    resident.save(update_fields=["is_active"])

    response = _login(client, resident.email, PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("account_inactive")
    assert "_auth_user_id" not in client.session
    assert "비활성" in client.get(response.url).content.decode()


def test_every_configured_rate_limit_names_an_action_allauth_knows(settings):
    """A misspelt action (the sketch had "change_email") is silently never applied."""
    known = {
        "change_password",
        "change_phone",
        "confirm_email",
        "login",
        "login_failed",
        "manage_email",
        "reauthenticate",
        "request_login_code",
        "reset_password",
        "reset_password_from_key",
        "signup",
        "verify_phone",
    }
    assert set(settings.ACCOUNT_RATE_LIMITS) <= known


@pytest.mark.django_db
def test_changing_the_email_address_is_limited(client, resident, verified, smtp_server):
    verified(resident)
    client.post(reverse("account_login"), {"login": resident.email, "password": PASSWORD})
    for n in range(10):
        response = client.post(
            reverse("account_email"), {"action_add": "", "email": f"new{n}@example.kr"}
        )
        assert response.status_code == 302

    response = client.post(reverse("account_email"), {"action_add": "", "email": "x@example.kr"})

    assert response.status_code == 429
    assert "잠시 후에 다시 시도해 주세요" in response.content.decode()
    assert '<html lang="ko">' in response.content.decode()
    assert len(smtp_server.messages) == 10  # one confirmation each time, then no more
