"""Signup with mandatory e-mail verification, password reset and e-mail change, each followed
through a real SMTP server (aiosmtpd) and the links in the messages it received."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from sotong.accounts.models import User

from .conftest import PASSWORD

NEW_PASSWORD = "bright-river-42"


def _signup(client, email="new.resident@example.kr"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


@pytest.mark.django_db
def test_signup_sends_a_confirmation_mail_and_the_link_logs_the_resident_in(client, smtp_server):
    response = _signup(client)

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="new.resident@example.kr")
    assert not EmailAddress.objects.get(user=user).verified
    assert "_auth_user_id" not in client.session  # not logged in before verifying

    [message] = smtp_server.to("new.resident@example.kr")
    assert message["Subject"].strip() == "[소통] 이메일 주소를 확인하세요."
    assert smtp_server.envelopes[0][1] == ["new.resident@example.kr"]
    confirm_path = smtp_server.link(message, r"^/accounts/confirm-email/")

    page = client.get(confirm_path)
    assert page.status_code == 200
    assert "new.resident@example.kr" in page.content.decode()
    response = client.post(confirm_path)

    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_login_before_verifying_the_address_is_refused(client, smtp_server):
    _signup(client)
    client.logout()

    response = client.post(
        reverse("account_login"), {"login": "new.resident@example.kr", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:profile")).status_code == 302


@pytest.mark.django_db
def test_signup_with_a_taken_address_does_not_reveal_it_but_mails_the_owner(
    client, smtp_server, resident, verified
):
    verified(resident)

    response = _signup(client, email=resident.email)

    # Same answer as for a new address (no account enumeration); the owner is told by mail.
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert User.objects.filter(email=resident.email).count() == 1
    [message] = smtp_server.to(resident.email)
    assert "/accounts/password/reset/" in smtp_server.text(message)


@pytest.mark.django_db
def test_password_reset_through_the_mailed_link(client, smtp_server, resident, verified):
    verified(resident)

    response = client.post(reverse("account_reset_password"), {"email": resident.email})
    assert response.status_code == 302
    [message] = smtp_server.to(resident.email)
    reset_path = smtp_server.link(message, r"^/accounts/password/reset/key/")

    # allauth moves the key out of the URL into the session before showing the form.
    page = client.get(reset_path, follow=True)
    assert page.status_code == 200
    form_path = page.redirect_chain[-1][0] if page.redirect_chain else reset_path
    response = client.post(form_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302

    resident.refresh_from_db()
    assert resident.check_password(NEW_PASSWORD)
    assert not resident.check_password(PASSWORD)
    login = client.post(
        reverse("account_login"), {"login": resident.email, "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    assert client.session["_auth_user_id"] == str(resident.pk)


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_gives_the_same_answer(client, smtp_server):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.kr"})

    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
    # allauth tells the address that no account exists, without saying so on the page.
    [message] = smtp_server.to("nobody@example.kr")
    assert "/accounts/password/reset/key/" not in smtp_server.text(message)


@pytest.mark.django_db
def test_email_change_is_confirmed_by_the_new_address(client, smtp_server, resident, verified):
    verified(resident)
    client.post(reverse("account_login"), {"login": resident.email, "password": PASSWORD})

    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "moved@example.kr"}
    )

    assert response.status_code == 302
    [message] = smtp_server.to("moved@example.kr")
    confirm_path = smtp_server.link(message, r"^/accounts/confirm-email/")
    assert client.post(confirm_path).status_code == 302

    resident.refresh_from_db()
    assert resident.email == "moved@example.kr"
    assert list(EmailAddress.objects.filter(user=resident).values_list("email", flat=True)) == [
        "moved@example.kr"
    ]
    # The old address is told (ACCOUNT_EMAIL_NOTIFICATIONS), so a hijack does not go unnoticed.
    assert smtp_server.to("resident@example.kr")


@pytest.mark.django_db
def test_logout_needs_a_post(client, resident, verified):
    verified(resident)
    client.post(reverse("account_login"), {"login": resident.email, "password": PASSWORD})

    page = client.get(reverse("account_logout"))
    assert page.status_code == 200  # a confirmation page, still logged in
    assert client.session["_auth_user_id"] == str(resident.pk)

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
