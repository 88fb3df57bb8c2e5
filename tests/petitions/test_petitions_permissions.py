"""Who may do what (petitions.md, "Permissions"), for the whole cast, allowed and denied; and the
settings services behind the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied, ValidationError

from sotong.core.audit.models import AuditEvent
from sotong.petitions import permissions as perms
from sotong.petitions import services
from sotong.petitions.models import Answer, Board, KindPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(resident, other_resident, officer, other_officer, head, admin_user, intake_officer):
    return {
        "anonymous": AnonymousUser(),
        "resident": resident,
        "other_resident": other_resident,
        "officer": officer,
        "other_officer": other_officer,
        "head": head,
        "admin_user": admin_user,
        "intake": intake_officer,
    }


@pytest.fixture
def private(petition_factory, resident, department):
    return petition_factory(
        is_public=False, user=resident, department=department, status="assigned"
    )


def allowed(check, cast, petition):
    return {name for name, user in cast.items() if check(user, petition)}


def test_view_private(cast, private):
    assert allowed(perms.can_view, cast, private) == {
        "resident",
        "officer",
        "head",
        "admin_user",
        "intake",
    }


def test_view_public(cast, petition_factory):
    assert allowed(perms.can_view, cast, petition_factory()) == set(cast)


def test_handle_and_contact(cast, private):
    handlers = {"officer", "head", "admin_user", "intake"}
    assert allowed(perms.can_handle, cast, private) == handlers
    assert allowed(perms.can_view_contact, cast, private) == handlers


def test_handler_of_another_department_and_approver(cast, private, other_officer, head):
    private.handler = other_officer.staff
    private.save()
    assert perms.can_handle(other_officer, private)
    assert perms.can_work(other_officer, private)
    answer = Answer.objects.create(petition=private, body="답", drafted_by=head.staff)
    answer.approver = cast["other_officer"].staff
    answer.save()
    private.refresh_from_db()
    assert perms.can_decide(other_officer, private)
    assert not perms.can_decide(cast["officer"], private)


def test_assign_transfer_reassign(cast, private):
    assert allowed(perms.can_assign, cast, private) == {"admin_user", "intake"}
    assert allowed(perms.can_transfer, cast, private) == {"admin_user", "intake"}
    assert allowed(perms.can_reassign, cast, private) == {"admin_user", "intake", "head"}


def test_work_and_decide(cast, private):
    assert allowed(perms.can_work, cast, private) == {"officer", "head", "admin_user"}
    assert allowed(perms.can_decide, cast, private) == {"admin_user"}  # no approver yet


def test_manage_open311_keys(cast, district):
    assert perms.can_manage_open311_keys(None, district)  # the management command
    managers = {name for name, user in cast.items() if perms.can_manage_settings(user, district)}
    keyholders = {
        name for name, user in cast.items() if perms.can_manage_open311_keys(user, district)
    }
    assert keyholders == managers | {"admin_user"}
    assert "resident" not in keyholders and "officer" not in keyholders


def test_read_title_agrees_with_handle(cast, private, petition_factory):
    assert allowed(perms.can_read_title, cast, private) == allowed(perms.can_handle, cast, private)
    assert allowed(perms.can_read_title, cast, petition_factory()) == set(cast)


def test_offered_actions_by_status_and_role(cast, private):
    def offering(action):
        return allowed(lambda user, p: perms.offered_actions(user, p)[action], cast, private)

    assert offering("accept") == {"officer", "head", "admin_user"}
    assert offering("transfer") == {"admin_user", "intake"}
    assert offering("assign") == set()  # assigned already
    private.status = "received"
    assert offering("assign") == {"admin_user", "intake"}
    assert offering("accept") == set()


def test_rate_and_reopen_only_the_petitioner(cast, private):
    assert allowed(perms.can_rate, cast, private) == {"resident"}
    assert allowed(perms.can_reopen, cast, private) == {"resident"}


def test_self_approval_needs_policy(cast, private, district):
    assert allowed(perms.can_self_approve, cast, private) == set()
    KindPolicy.objects.create(
        organization=district, kind="report", period="7일", self_approval=True
    )
    assert allowed(perms.can_self_approve, cast, private) == {"officer", "head", "admin_user"}


def test_inactive_staff_lose_everything(private, officer):
    officer.staff.active = False
    officer.staff.save()
    officer.refresh_from_db()
    assert not perms.can_handle(officer, private)
    assert not perms.can_view(officer, private)


def test_staff_of_another_organisation(private, city):
    from sotong.accounts.models import User
    from sotong.org.models import Department, Staff

    user = User.objects.create_user(email="x@city.go.kr", password="x-horse-9", display_name="x")
    dept = Department.objects.create(organization=city, name="민원여권과")
    Staff.objects.create(
        user=user, organization=city, department=dept, name="x", position="head", grade=5
    )
    user.user_permissions.add(Permission.objects.get(codename="intake_petition"))
    user = User.objects.get(pk=user.pk)
    assert not perms.can_view(user, private)
    assert not perms.can_assign(user, private)


def test_posting_rules(cast, board):
    assert allowed(lambda u, b: perms.can_post(u, b), cast, board) == set(cast)
    board.posting = Board.Posting.MEMBERS
    assert "anonymous" not in allowed(lambda u, b: perms.can_post(u, b), cast, board)
    board.posting = Board.Posting.STAFF
    assert allowed(lambda u, b: perms.can_post(u, b), cast, board) == set()
    assert allowed(lambda u, b: perms.can_post(u, b, channel="phone"), cast, board) == {
        "admin_user",
        "intake",
    }


# --- settings services (the admin's saves) ---------------------------------------------------------


@pytest.fixture
def manager(district, department):
    from sotong.accounts.models import User
    from sotong.org.models import Staff

    user = User.objects.create_user(
        email="manager@testgu.go.kr", password="correct-horse-9", display_name="관리"
    )
    Staff.objects.create(
        user=user,
        organization=district,
        department=department,
        name="관리",
        position="officer",
        grade=6,
    )
    user.user_permissions.add(Permission.objects.get(codename="change_department"))
    return User.objects.get(pk=user.pk)


def test_board_save_by_manager_only(board, manager, officer):
    board.name = "생활불편"
    with pytest.raises(PermissionDenied):
        services.board_save(actor=officer, board=board)
    services.board_save(actor=manager, board=board)
    assert Board.objects.get(pk=board.pk).name == "생활불편"
    event = AuditEvent.objects.get(action="petitions.board.save")
    assert event.before["name"] == "생활불편신고"


def test_board_check(board, manager):
    board.kinds = ["report", "nonsense"]
    with pytest.raises(ValidationError) as exc:
        services.board_save(actor=manager, board=board)
    assert "kinds" in exc.value.message_dict


def test_kind_policy_period_checked(district, manager):
    with pytest.raises(ValidationError) as exc:
        services.kind_policy_save(
            actor=manager, kind_policy=KindPolicy(organization=district, kind="report", period="곧")
        )
    assert "period" in exc.value.message_dict
    saved = services.kind_policy_save(
        actor=manager, kind_policy=KindPolicy(organization=district, kind="report", period="3일")
    )
    assert saved.pk


def test_admin_pages(admin_client, board, petition_factory):
    petition = petition_factory(contact_email="secret@example.kr")
    assert admin_client.get(f"/admin/petitions/board/{board.pk}/change/").status_code == 200
    response = admin_client.get(f"/admin/petitions/petition/{petition.pk}/change/")
    assert response.status_code == 200
    assert "secret@example.kr" not in response.content.decode()
    response = admin_client.post(
        "/admin/petitions/kindpolicy/add/",
        {"organization": board.organization_id, "kind": "report", "period": "곧"},
    )
    assert response.status_code == 200  # the form shows the error
    assert not KindPolicy.objects.exists()
