"""Account deletion: deactivated and anonymised, never a deleted row (see accounts/README.md)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.socialaccount.models import SocialAccount
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse

from sotong.accounts import services
from sotong.accounts.demo import demo_totp_secret
from sotong.accounts.models import AccountDeletion, ResidentProfile, User
from sotong.core.audit.models import AuditEvent

from .conftest import PASSWORD


@pytest.fixture
def full_resident(resident, verified, dongs):
    """A resident with everything an account can hold."""
    verified(resident)
    services.resident_profile_update(
        actor=resident,
        user=resident,
        name="김주민",
        phone="010-1357-2468",
        address="서울특별시 시험구 소통로 7",
        organization=dongs["충현동"].organization,
        dong=dongs["충현동"],
        language="ko",
    )
    SocialAccount.objects.create(user=resident, provider="kakao", uid="777", extra_data={"id": 777})
    TOTP.activate(resident, demo_totp_secret(resident.email))
    return resident


@pytest.mark.django_db
def test_deleting_an_account_erases_personal_data_and_keeps_a_record(
    client, full_resident, staff_login
):
    other_device = Client()
    staff_login(other_device, full_resident)
    staff_login(client, full_resident)
    assert client.get(reverse("accounts:delete")).status_code == 200

    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "reason": "moved"})

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert "_auth_user_id" not in client.session
    user = User.objects.get(pk=full_resident.pk)
    assert not user.is_active
    assert not user.has_usable_password()
    assert user.email.startswith("deleted-") and user.email.endswith("@deleted.invalid")
    assert user.display_name == ""
    profile = ResidentProfile.objects.get(user=user)
    assert (profile.name, profile.phone, profile.address, profile.dong) == ("", "", "", None)
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not SocialAccount.objects.filter(user=user).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    deletion = AccountDeletion.objects.get(user=user)
    assert deletion.reason == "moved"
    event = AuditEvent.objects.get(action="accounts.account_deleted")
    assert "profile.phone" in event.after["erased_fields"]
    assert "resident@example.kr" not in " ".join(
        [str(event.after), event.object_repr, event.actor_label]
    )
    # The session on the other device is over too.
    assert not other_device.get("/").wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_no_personal_data_of_a_deleted_account_remains_in_its_rows(client, full_resident):
    client.force_login(full_resident)
    client.post(reverse("accounts:delete"), {"password": PASSWORD, "reason": "privacy"})

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT email, display_name FROM accounts_user WHERE id = %s", [full_resident.pk]
        )
        row = cursor.fetchone()
        cursor.execute(
            "SELECT name, phone, address, dong_id FROM accounts_residentprofile WHERE user_id = %s",
            [full_resident.pk],
        )
        profile_row = cursor.fetchone()

    assert "resident" not in row[0] and row[1] == ""
    assert profile_row == ("", "", "", None)


@pytest.mark.django_db
def test_a_deleted_account_can_no_longer_log_in(client, full_resident):
    client.force_login(full_resident)
    client.post(reverse("accounts:delete"), {"password": PASSWORD, "reason": "other"})

    for login in ("resident@example.kr", User.objects.get(pk=full_resident.pk).email):
        response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
        assert "_auth_user_id" not in client.session
        assert response.status_code == 200
    # The address is free for a new account.
    response = client.post(
        reverse("account_signup"),
        {"email": "resident@example.kr", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert User.objects.filter(email="resident@example.kr", is_active=True).count() == 1


@pytest.mark.django_db
def test_a_wrong_password_deletes_nothing(client, full_resident):
    client.force_login(full_resident)

    response = client.post(
        reverse("accounts:delete"), {"password": "not-my-password", "reason": "other"}
    )

    assert response.status_code == 200
    assert "비밀번호가 맞지 않습니다." in response.content.decode()
    assert User.objects.get(pk=full_resident.pk).is_active
    assert not AccountDeletion.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password": PASSWORD}, "탈퇴 사유를 고르세요."),
        ({"password": PASSWORD, "reason": "bored"}, "목록에 있는 탈퇴 사유를 고르세요."),
        ({"reason": "other"}, "탈퇴하려면 비밀번호를 입력하세요."),
    ],
)
def test_an_incomplete_form_deletes_nothing(client, full_resident, data, message):
    client.force_login(full_resident)

    response = client.post(reverse("accounts:delete"), data)

    assert message in response.content.decode()
    assert not AccountDeletion.objects.exists()


@pytest.mark.django_db
def test_staff_cannot_delete_their_own_account(client, officer, staff_login):
    staff_login(client, officer)

    page = client.get(reverse("accounts:delete"))
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "reason": "other"})

    assert page.status_code == 200
    assert "직원(공무원) 계정은 스스로 탈퇴할 수 없습니다." in page.content.decode()
    assert response.status_code == 403
    assert User.objects.get(pk=officer.pk).is_active


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client):
    response = client.post(reverse("accounts:delete"), {"reason": "other"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.django_db
def test_a_social_only_account_must_set_a_password_first(client, resident):
    resident.set_unusable_password()
    resident.save()
    client.force_login(resident)

    page = client.get(reverse("accounts:delete")).content.decode()
    client.post(reverse("accounts:delete"), {"password": "", "reason": "other"})

    assert reverse("account_set_password") in page
    assert not AccountDeletion.objects.exists()


@pytest.mark.django_db
def test_only_the_owner_deletes_an_account(resident, other_resident, admin_user):
    for actor in (other_resident, admin_user):
        with pytest.raises(PermissionDenied):
            services.account_delete(actor=actor, user=resident, reason="other")
    assert User.objects.get(pk=resident.pk).is_active
