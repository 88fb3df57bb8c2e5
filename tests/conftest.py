"""Shared test fixtures: the named cast of users and a small test government. The environment
(SOTONG_ENV=test, immediate tasks, in-memory e-mail) is set by `sotong.pytest_plugin`, which pytest
loads before Django reads its settings."""

import pytest


@pytest.fixture
def city(db):
    from sotong.org.models import Organization

    return Organization.objects.create(
        code="testcity", name="시험특별시", kind=Organization.Kind.CITY, head_title="시장"
    )


@pytest.fixture
def district(city):
    from sotong.org.models import Organization

    return Organization.objects.create(
        code="testgu",
        name="시험구",
        kind=Organization.Kind.DISTRICT,
        parent=city,
        head_title="구청장",
    )


@pytest.fixture
def department(district):
    from sotong.org.models import Department

    return Department.objects.create(organization=district, name="민원여권과", duties="민원 접수")


@pytest.fixture
def other_department(district):
    from sotong.org.models import Department

    return Department.objects.create(organization=district, name="청소행정과", duties="청소")


def _user(email: str, name: str, **extra):
    from sotong.accounts.models import User

    return User.objects.create_user(
        email=email, password="correct-horse-9", display_name=name, **extra
    )


def _staff(email, name, organization, department, position, grade):
    from sotong.org.models import Staff

    user = _user(email, name)
    Staff.objects.create(
        user=user,
        organization=organization,
        department=department,
        name=name,
        position=position,
        grade=grade,
    )
    return user


@pytest.fixture
def resident(db):
    """A resident of the test district."""
    return _user("resident@example.kr", "김주민")


@pytest.fixture
def other_resident(db):
    return _user("other@example.kr", "이이웃")


@pytest.fixture
def officer(district, department):
    return _staff("officer@testgu.go.kr", "박주무", district, department, "officer", 7)


@pytest.fixture
def other_officer(district, other_department):
    """An officer of another department of the same district."""
    return _staff("other.officer@testgu.go.kr", "최다른", district, other_department, "officer", 7)


@pytest.fixture
def head(district, department):
    """Head (과장) of the officer's department."""
    return _staff("head@testgu.go.kr", "정과장", district, department, "head", 5)


@pytest.fixture
def admin_user(db):
    return _user("admin@sotong.local", "관리자", is_staff=True, is_superuser=True)


# --- staff sessions through the real second factor (accounts) --------------------------------
# Staff must pass TOTP (sotong.accounts.middleware.StaffSecondFactorMiddleware): a session made
# with client.force_login(officer) is logged out on its first request. Log staff in with
# `staff_login(client, officer)` instead; see tests/accounts/README.md.


@pytest.fixture
def staff_login(db):
    """`staff_login(client, user)` logs `user` in through allauth's real login and TOTP stage and
    returns the client. The user gets a verified e-mail and, unless they have one, a TOTP
    authenticator with the demo secret of their e-mail (`sotong.accounts.demo.demo_totp_secret`).
    Works for any user with the cast's password; residents simply skip the TOTP step."""

    def login(client, user, password="correct-horse-9"):  # noqa: S107 - the cast password
        import pyotp
        from allauth.account.models import EmailAddress
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP
        from allauth.mfa.utils import decrypt
        from django.core.cache import cache
        from django.urls import reverse

        from sotong.accounts.demo import demo_totp_secret
        from sotong.accounts.permissions import needs_second_factor

        client.logout()
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if totp is None and needs_second_factor(user):
            totp = TOTP.activate(user, demo_totp_secret(user.email)).instance
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": password}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        if totp is None:
            return client
        assert response.url == reverse("mfa_authenticate"), response.url
        code = pyotp.TOTP(decrypt(totp.data["secret"])).now()
        # allauth refuses a code twice in its 30 seconds; a test may log the same user in twice.
        cache.delete(f"allauth.mfa.totp.used?user={user.pk}&code={code}")
        response = client.post(reverse("mfa_authenticate"), {"code": code})
        assert response.status_code == 302, response.content.decode()[:2000]
        return client

    return login


@pytest.fixture
def admin_client(client, admin_user, staff_login):
    """pytest-django's admin_client, logged in through the real TOTP stage (admin-site users
    must pass the second factor like staff)."""
    return staff_login(client, admin_user)


@pytest.fixture(autouse=True)
def _fewer_demo_petitions(settings):
    """Tests that load the demo government check its structure, pages and idempotency, not its
    volume: a tenth of the demo petitions keeps every state and the suite quick. A test about the
    petitions demo itself sets its own counts (and the scale back to 1)."""
    settings.DEMO_PETITION_SCALE = 0.1


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """What a process keeps for a while: the Open311 intake's lookups (a few seconds) and the
    organisations' closing days of petition deadlines (a minute). Each test starts with none,
    as a new worker would (a test changing a service or a closing day sees its change)."""
    from sotong.petitions.deadlines import closed_days_clear
    from sotong.petitions.open311.directory import intake_directory_clear

    intake_directory_clear()
    closed_days_clear()
    yield
    intake_directory_clear()
    closed_days_clear()


@pytest.fixture(autouse=True)
def _language_back_to_korean():
    """A request leaves its language active in the thread (LocaleMiddleware does not reset it):
    after an English page, a test that calls services directly would get English messages."""
    yield
    from django.utils import translation

    translation.activate("ko")
