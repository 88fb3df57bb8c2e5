"""Shared test set-up. The environment is fixed here, before Django reads its settings, so that
`pytest` alone (without make) runs the suite the same way."""

import os

os.environ["SOTONG_ENV"] = "test"
os.environ.setdefault("SOTONG_TASK_BACKEND", "immediate")
os.environ.setdefault("SOTONG_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

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
