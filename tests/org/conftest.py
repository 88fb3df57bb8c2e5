import pytest


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    # The admin screens are tested here, not the staff second factor (tests/accounts does that).
    settings.SOTONG_STAFF_MFA_REQUIRED = False
    # Many users are made per test; the real hasher's deliberate slowness is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def bureau(district):
    from sotong.org.models import Department

    return Department.objects.create(organization=district, name="행정국", kind="bureau")


@pytest.fixture
def other_district(city):
    from sotong.org.models import Organization

    return Organization.objects.create(
        code="othergu", name="다른구", kind="district", parent=city, head_title="구청장"
    )


def _grant_manage(user):
    from django.contrib.auth.models import Permission

    perms = Permission.objects.filter(content_type__app_label="org")
    user.user_permissions.add(*perms)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    # Permissions are cached on the user object.
    from sotong.accounts.models import User

    return User.objects.get(pk=user.pk)


@pytest.fixture
def manager(head):
    """The head of the test district's department, holding the org permissions."""
    return _grant_manage(head)


@pytest.fixture
def other_manager(other_district, db):
    from sotong.accounts.models import User
    from sotong.org.models import Department, Staff

    dept = Department.objects.create(organization=other_district, name="총무과")
    user = User.objects.create_user(email="boss@othergu.go.kr", password="correct-horse-9")
    Staff.objects.create(
        user=user,
        organization=other_district,
        department=dept,
        name="남관리",
        position="head",
        grade=5,
    )
    return _grant_manage(user)


@pytest.fixture
def audit_events():
    from sotong.core.audit.models import AuditEvent

    def events(action=None):
        qs = AuditEvent.objects.order_by("seq")
        return list(qs.filter(action=action) if action else qs)

    return events
