"""The organisation grants the notify roles to its own staff (`roles.py`, `/notify/staff/roles`)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from sotong.accounts.models import User
from sotong.core.audit.models import AuditEvent
from sotong.notify import permissions
from sotong.notify.roles import staff_notify_roles_set, staff_roles


@pytest.fixture
def manager(head):
    """The head of the officer's department, who also manages the district (org permission)."""
    head.user_permissions.add(Permission.objects.get(codename="change_department"))
    return User.objects.get(pk=head.pk)


def fresh(user):
    return User.objects.get(pk=user.pk)


@pytest.mark.django_db
def test_manager_grants_and_withdraws_roles(manager, officer, district):
    staff = officer.staff
    assert staff_notify_roles_set(actor=manager, staff=staff, campaigns=True, emergency=True) == [
        "+campaigns",
        "+emergency",
    ]
    assert permissions.can_manage_campaigns(fresh(officer), district)
    assert permissions.can_send_emergency(fresh(officer), district)
    assert staff_notify_roles_set(actor=manager, staff=staff, campaigns=True, emergency=False) == [
        "-emergency"
    ]
    assert not permissions.can_send_emergency(fresh(officer), district)
    assert staff_notify_roles_set(actor=manager, staff=staff, campaigns=True, emergency=False) == []
    events = AuditEvent.objects.filter(action="notify.role.set")
    assert events.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer", "other_officer", "resident"])
def test_only_the_organisations_managers_grant(request, who, officer):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        staff_notify_roles_set(actor=actor, staff=officer.staff, campaigns=True, emergency=True)
    assert not fresh(officer).has_perm("notify.send_emergency")


@pytest.mark.django_db
def test_roles_held_through_a_group_are_shown(
    manager, officer, district, django_assert_num_queries
):
    group = Group.objects.create(name="알림 담당")
    group.permissions.add(Permission.objects.get(codename="send_campaign"))
    officer.groups.add(group)
    with django_assert_num_queries(3):
        rows = {row.staff.user_id: row for row in staff_roles(district)}
    assert rows[officer.pk].campaigns_by_group and not rows[officer.pk].campaigns
    assert not rows[manager.pk].campaigns_by_group


@pytest.mark.django_db
def test_roles_page_allowed_for_the_manager(client, staff_login, manager, officer):
    staff_login(client, manager)
    response = client.get(reverse("notify:staff_roles"))
    assert response.status_code == 200
    assert officer.staff.name in response.content.decode()
    response = client.post(
        reverse("notify:staff_roles"), {"staff": officer.staff.pk, "emergency": "on"}
    )
    assert response.status_code == 302
    assert fresh(officer).has_perm("notify.send_emergency")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer", "other_officer", "resident"])
def test_roles_page_denied_to_others(client, staff_login, request, who, officer):
    staff_login(client, request.getfixturevalue(who))
    assert client.get(reverse("notify:staff_roles")).status_code == 403
    response = client.post(
        reverse("notify:staff_roles"), {"staff": officer.staff.pk, "emergency": "on"}
    )
    assert response.status_code == 403
    assert not fresh(officer).has_perm("notify.send_emergency")


@pytest.mark.django_db
def test_roles_page_asks_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("notify:staff_roles"))
    assert response.status_code == 302
    assert "login" in response.url


@pytest.mark.django_db
def test_staff_of_another_organisation_is_not_found(client, staff_login, manager, city):
    from sotong.org.models import Staff

    outsider = User.objects.create_user(email="x@city.go.kr", password="correct-horse-9")
    staff = Staff.objects.create(
        user=outsider, organization=city, name="시청직원", position="officer"
    )
    staff_login(client, manager)
    response = client.post(reverse("notify:staff_roles"), {"staff": staff.pk, "campaigns": "on"})
    assert response.status_code == 404
    assert not fresh(outsider).has_perm("notify.send_campaign")
