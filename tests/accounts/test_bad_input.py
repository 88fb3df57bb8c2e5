"""Bad input at signup, login, password reset and profile: every invalid field gets a clear
message in the visitor's language, and no input makes a 500 or leaves anything half-written."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sotong.accounts.models import ResidentProfile, User

HANGUL = re.compile(r"[\uac00-\ud7a3]")

SPECIMENS = [
    "",
    " ",
    "\x00",
    "a\x00b@example.kr",
    "\x07\x1b[31m",
    "\u202eevil",
    "\u200b",
    "😀" * 30,
    "👨‍👩‍👧‍👦@example.kr",
    "user@😀.kr",
    "' OR '1'='1' --",
    "'; DROP TABLE accounts_user; --",
    '" onmouseover="alert(1)',
    "<script>alert(1)</script>",
    "{{ 7*7 }}{% debug %}",
    "%(name)s %s %d",
    "../../etc/passwd",
    "가" * 5000,
    "a" * 100_000,
    "a@" + "b" * 300 + ".kr",
    "x@example.kr\r\nBcc: victim@example.kr",
    "\ud7a3\u3131\u314f",
    "０１０－１２３４－５６７８",
    "-1",
    "99999999999999999999999999",
    "1.5",
    "NaN",
]

odd_text = st.one_of(
    st.sampled_from(SPECIMENS),
    st.text(max_size=200),
    st.text(
        alphabet=st.characters(categories=["Cc", "Cf", "So", "Zl", "Zp", "Mn", "Lo"]),
        max_size=60,
    ),
    st.builds(
        lambda piece, n: piece * n,
        st.sampled_from(["가", "a", "😀", "'", "\x00"]),
        st.integers(200, 3000),
    ),
)

HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _messages(response) -> list[str]:
    form = response.context["form"]
    return [str(m) for errors in form.errors.values() for m in errors]


def _assert_answered(response, *, language: str = "ko") -> None:
    """A 302 (accepted) or the form again with a message in the right language for each
    invalid field; never a server error."""
    assert response.status_code in {200, 302}, response.status_code
    if response.status_code == 302:
        return
    messages = _messages(response)
    assert messages, "the form was shown again without saying why"
    for message in messages:
        if language == "ko":
            assert HANGUL.search(message), message
        else:
            assert not HANGUL.search(message), message
    assert f'<html lang="{language}">' in response.content.decode()


@pytest.fixture
def no_rate_limits(settings):
    """Rate limits would turn the 21st signup of one test into a 429; they have their own tests."""
    settings.ACCOUNT_RATE_LIMITS = False


def _client(language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    return client


@pytest.mark.django_db
@HYPOTHESIS
@given(email=odd_text, password1=odd_text, password2=odd_text)
def test_signup_answers_any_input(no_rate_limits, email, password1, password2):
    users = User.objects.count()
    response = _client("ko").post(
        reverse("account_signup"),
        {"email": email, "password1": password1, "password2": password2},
    )
    _assert_answered(response)
    if response.status_code != 302:
        assert User.objects.count() == users


@pytest.mark.django_db
@HYPOTHESIS
@given(login=odd_text, password=odd_text)
def test_login_answers_any_input(no_rate_limits, resident, login, password):
    response = _client("ko").post(reverse("account_login"), {"login": login, "password": password})
    _assert_answered(response)


@pytest.mark.django_db
@HYPOTHESIS
@given(email=odd_text)
def test_password_reset_answers_any_input(no_rate_limits, email):
    response = _client("ko").post(reverse("account_reset_password"), {"email": email})
    _assert_answered(response)


@pytest.mark.django_db
@HYPOTHESIS
@given(
    name=odd_text,
    phone=odd_text,
    address=odd_text,
    organization=st.one_of(odd_text, st.integers(-(2**70), 2**70).map(str)),
    dong=st.one_of(odd_text, st.integers(-(2**70), 2**70).map(str)),
    language=st.one_of(odd_text, st.sampled_from(["ko", "en"])),
)
def test_profile_answers_any_input(resident, name, phone, address, organization, dong, language):
    client = _client("ko")
    client.force_login(resident)
    response = client.post(
        reverse("accounts:profile"),
        {
            "name": name,
            "phone": phone,
            "address": address,
            "organization": organization,
            "dong": dong,
            "language": language,
        },
    )
    _assert_answered(response)
    if response.status_code != 302:
        assert not ResidentProfile.objects.filter(user=resident).exists()


# --- the same specimens, field by field, in both languages ----------------------------------

FORMS = {
    "account_signup": lambda value: {"email": value, "password1": value, "password2": value},
    "account_login": lambda value: {"login": value, "password": value},
    "account_reset_password": lambda value: {"email": value},
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("url_name", list(FORMS))
def test_specimens_get_messages_in_the_chosen_language(no_rate_limits, url_name, language):
    client = _client(language)
    for value in SPECIMENS:
        response = client.post(reverse(url_name), FORMS[url_name](value))
        _assert_answered(response, language=language)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ko", "en"])
def test_profile_specimens_get_messages_in_the_chosen_language(resident, language):
    client = _client(language)
    client.force_login(resident)
    for value in SPECIMENS:
        data = {f: value for f in ("name", "phone", "address", "organization", "dong")}
        response = client.post(reverse("accounts:profile"), {**data, "language": value})
        _assert_answered(response, language=language)
    assert not ResidentProfile.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "ko", "en"),
    [
        ({"email": "", "password1": "", "password2": ""}, "email", "필수 항목", "required"),
        (
            {"email": "not-an-email", "password1": "x", "password2": "x"},
            "email",
            "올바른 이메일 주소를 입력하세요.",
            "Enter a valid email address.",
        ),
        (
            {"email": "a@example.kr", "password1": "short", "password2": "short"},
            "password1",
            "이 비밀번호는 너무 짧습니다. 최소 10자 이상이어야 합니다.",
            "This password is too short. It must contain at least 10 characters.",
        ),
        (
            {"email": "a@example.kr", "password1": "1234567890", "password2": "1234567890"},
            "password1",
            "비밀번호가 전부 숫자로 되어 있습니다.",
            "This password is entirely numeric.",
        ),
        (
            {"email": "a@example.kr", "password1": "bright-river-42", "password2": "other-42-xx"},
            "password2",
            "동일한 비밀번호를 입력해야 합니다.",
            "You must type the same password each time.",
        ),
    ],
)
def test_each_signup_field_explains_itself(no_rate_limits, data, field, ko, en):
    for language, expected in (("ko", ko), ("en", en)):
        response = _client(language).post(reverse("account_signup"), data)
        assert response.status_code == 200
        errors = " ".join(str(m) for m in response.context["form"].errors[field])
        assert expected in errors, (language, errors)
