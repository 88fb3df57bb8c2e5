"""Kakao and Naver login end to end against a local fake provider: the real allauth adapter code
talks HTTP to it (authorize redirect with code and state, token endpoint, user-info endpoint)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings as django_settings
from django.urls import reverse

from sotong.accounts.models import User

KAKAO_PROFILE = {
    "id": 3141592653,
    "connected_at": "2026-11-01T01:45:28Z",
    "properties": {"nickname": "소통이"},
    "kakao_account": {
        "profile_nickname_needs_agreement": False,
        "profile": {
            "nickname": "소통이",
            "thumbnail_image_url": "http://k.kakaocdn.net/dn/thumb.jpg",
            "profile_image_url": "http://k.kakaocdn.net/dn/img.jpg",
            "is_default_image": False,
        },
        "has_email": True,
        "email_needs_agreement": False,
        "is_email_valid": True,
        "is_email_verified": True,
        "email": "kakao.user@example.kr",
        "has_age_range": True,
        "age_range": "30~39",
        "has_gender": True,
        "gender": "female",
    },
}

NAVER_PROFILE = {
    "id": "32742776",
    "nickname": "네이버주민",
    "name": "홍길동",
    "email": "naver.user@example.kr",
    "gender": "M",
    "age": "40-49",
    "birthday": "10-01",
    "birthyear": "1985",
    "mobile": "010-9876-5432",
    "profile_image": "https://ssl.pstatic.net/static/pwe/address/img_profile.png",
}


def _start_login(client, provider):
    """The resident presses "카카오 계정으로 로그인": a POST that redirects to the provider."""
    response = client.post(reverse(f"{provider.provider_id}_login"))
    assert response.status_code == 302
    assert response.url.startswith(provider.authorize_url)
    query = parse_qs(urlsplit(response.url).query)
    assert query["client_id"] == [provider.client_id]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == [
        f"http://testserver{reverse(provider.provider_id + '_callback')}"
    ]
    return response.url


def _come_back(client, provider, authorize_url):
    callback = urlsplit(provider.authorize(authorize_url))
    assert callback.path == reverse(f"{provider.provider_id}_callback")
    return client.get(f"{callback.path}?{callback.query}")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("provider_id", "profile", "email", "uid"),
    [
        ("kakao", KAKAO_PROFILE, "kakao.user@example.kr", "3141592653"),
        ("naver", NAVER_PROFILE, "naver.user@example.kr", "32742776"),
    ],
)
def test_a_resident_signs_up_and_is_logged_in_with_a_linked_social_account(
    client, fake_provider, provider_id, profile, email, uid
):
    provider = fake_provider(provider_id, profile)

    response = _come_back(client, provider, _start_login(client, provider))

    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(email=email)
    assert client.session["_auth_user_id"] == str(user.pk)
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == (provider_id, uid)
    assert EmailAddress.objects.get(user=user, email=email).verified
    assert not user.has_usable_password()
    assert provider.requests == [
        ("GET", provider.authorize_url.removeprefix(provider.base_url)),
        ("POST", provider.token_url.removeprefix(provider.base_url)),
        ("GET", provider.profile_url.removeprefix(provider.base_url)),
    ]
    # The page after login is the resident's, not an error page.
    assert client.get(response.url).status_code == 200


@pytest.mark.django_db
def test_only_what_we_need_of_the_provider_answer_is_stored(client, fake_provider):
    provider = fake_provider("naver", NAVER_PROFILE)
    _come_back(client, provider, _start_login(client, provider))

    account = SocialAccount.objects.get(provider="naver")

    assert account.extra_data == {
        "id": "32742776",
        "email": "naver.user@example.kr",
        "nickname": "네이버주민",
    }


@pytest.mark.django_db
def test_kakao_nickname_becomes_the_display_name_and_age_and_gender_are_dropped(
    client, fake_provider
):
    provider = fake_provider("kakao", KAKAO_PROFILE)
    _come_back(client, provider, _start_login(client, provider))

    account = SocialAccount.objects.select_related("user").get(provider="kakao")

    assert account.user.display_name == "소통이"
    assert "age_range" not in str(account.extra_data)
    assert "gender" not in str(account.extra_data)


@pytest.mark.django_db
def test_a_returning_resident_logs_in_to_the_same_account(client, fake_provider):
    provider = fake_provider("kakao", KAKAO_PROFILE)
    _come_back(client, provider, _start_login(client, provider))
    client.post(reverse("account_logout"))

    response = _come_back(client, provider, _start_login(client, provider))

    assert response.status_code == 302
    user = User.objects.get(email="kakao.user@example.kr")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert SocialAccount.objects.count() == 1
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_an_address_that_already_has_an_account_is_not_taken_over(
    client, fake_provider, resident, verified, smtp_server
):
    """Someone controlling a Kakao account with the resident's address must not get into the
    resident's account: SOCIALACCOUNT_EMAIL_AUTHENTICATION is off."""
    verified(resident)
    profile = {**KAKAO_PROFILE, "kakao_account": {**KAKAO_PROFILE["kakao_account"]}}
    profile["kakao_account"]["email"] = resident.email
    provider = fake_provider("kakao", profile)

    response = _come_back(client, provider, _start_login(client, provider))

    # The same answer as for a new address (no account enumeration); the owner gets a mail.
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.exists()
    assert User.objects.filter(email=resident.email).count() == 1
    [message] = smtp_server.to(resident.email)
    assert "/accounts/password/reset/" in smtp_server.text(message)


@pytest.mark.django_db
def test_a_kakao_account_without_email_consent_must_give_and_verify_an_address(
    client, fake_provider, smtp_server
):
    profile = {
        "id": 2718281828,
        "properties": {"nickname": "무메일"},
        "kakao_account": {
            "profile": {"nickname": "무메일"},
            "has_email": True,
            "email_needs_agreement": True,
        },
    }
    provider = fake_provider("kakao", profile)

    response = _come_back(client, provider, _start_login(client, provider))
    assert response.status_code == 302
    assert response.url == reverse("socialaccount_signup")
    form = client.get(response.url)
    assert form.status_code == 200
    response = client.post(reverse("socialaccount_signup"), {"email": "given@example.kr"})

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    [message] = smtp_server.to("given@example.kr")
    assert client.post(smtp_server.link(message, r"^/accounts/confirm-email/")).status_code == 302
    user = User.objects.get(email="given@example.kr")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert SocialAccount.objects.get(user=user).uid == "2718281828"


@pytest.mark.django_db
def test_a_callback_with_a_forged_state_logs_nobody_in(client, fake_provider):
    provider = fake_provider("kakao", KAKAO_PROFILE)
    authorize_url = _start_login(client, provider)
    callback = urlsplit(provider.authorize(authorize_url))
    query = parse_qs(callback.query)

    response = client.get(callback.path, {"code": query["code"][0], "state": "forged"})

    assert response.status_code == 401
    assert "소셜 로그인 실패" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.exists()


@pytest.mark.django_db
def test_a_code_the_provider_refuses_logs_nobody_in(client, fake_provider):
    provider = fake_provider("naver", NAVER_PROFILE)
    authorize_url = _start_login(client, provider)
    callback = urlsplit(provider.authorize(authorize_url))
    query = parse_qs(callback.query)

    response = client.get(callback.path, {"code": "not-issued", "state": query["state"][0]})

    assert response.status_code == 401
    assert "소셜 로그인 실패" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.exists()


@pytest.mark.django_db
def test_providers_are_offered_on_the_login_page_only_when_configured(client, fake_provider):
    page = client.get(reverse("account_login")).content.decode()
    assert "카카오 계정으로 로그인" not in page

    fake_provider("kakao", KAKAO_PROFILE)
    page = client.get(reverse("account_login")).content.decode()

    assert "카카오 계정으로 로그인" in page
    assert f'action="{reverse("kakao_login")}' in page
    assert "네이버 계정으로 로그인" not in page


def _settings_in_subprocess(extra_env: dict) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SOTONG_KAKAO", "SOTONG_NAVER"))
    }
    env = {**env, "PYTHONPATH": str(django_settings.PROJECT_DIR / "src"), **extra_env}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sotong.settings as s; print(json.dumps(s.SOCIALACCOUNT_PROVIDERS))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_providers_are_switched_on_by_their_environment_variables():
    result = _settings_in_subprocess(
        {"SOTONG_KAKAO_CLIENT_ID": "kakao-id", "SOTONG_KAKAO_SECRET": "kakao-secret"}
    )

    providers = json.loads(result.stdout)
    assert list(providers) == ["kakao"]
    assert providers["kakao"]["APPS"] == [
        {"client_id": "kakao-id", "secret": "kakao-secret", "key": ""}
    ]
    assert "account_email" in providers["kakao"]["SCOPE"]


def test_a_half_configured_provider_stops_the_start():
    result = _settings_in_subprocess({"SOTONG_NAVER_CLIENT_ID": "naver-id"})

    assert result.returncode != 0
    assert "SOTONG_NAVER_CLIENT_ID and SOTONG_NAVER_SECRET must be set together" in result.stderr
