import pytest

from sotong.org import permissions

pytestmark = pytest.mark.django_db


def test_superuser_manages_everything(admin_user, district, other_district):
    assert permissions.can_manage_organization(admin_user, district)
    assert permissions.can_manage_organization(admin_user, other_district)
    assert permissions.can_create_organization(admin_user)
    assert permissions.managed_organization_ids(admin_user) is None
    assert set(permissions.managed_organizations(admin_user)) >= {district, other_district}


def test_staff_with_permission_manage_only_their_own_organisation(
    manager, district, other_district, department
):
    assert permissions.can_manage_organization(manager, district)
    assert permissions.can_manage_department(manager, department)
    assert permissions.can_manage_staff(manager, manager.staff)
    assert not permissions.can_manage_organization(manager, other_district)
    assert not permissions.can_create_organization(manager)
    assert not permissions.can_restructure_organization(manager)
    assert list(permissions.managed_organizations(manager)) == [district]


def test_staff_without_permission_manage_nothing(officer, district):
    assert not permissions.can_manage_organization(officer, district)
    assert permissions.managed_organization_ids(officer) == set()


def test_inactive_staff_lose_their_rights(manager, district):
    manager.staff.active = False
    manager.staff.save()
    assert not permissions.can_manage_organization(manager, district)


def test_residents_and_anonymous_manage_nothing(resident, district):
    from django.contrib.auth.models import AnonymousUser

    assert not permissions.can_manage_organization(resident, district)
    assert not permissions.can_manage_organization(AnonymousUser(), district)


def test_managed_department_fetch_gives_one_404_for_missing_and_forbidden(
    manager, other_manager, department
):
    from django.http import Http404

    from sotong.org.queries import managed_department_or_404

    assert managed_department_or_404(manager, department.pk) == department
    with pytest.raises(Http404):
        managed_department_or_404(other_manager, department.pk)
    with pytest.raises(Http404):
        managed_department_or_404(manager, 999_999)
