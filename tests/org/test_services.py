import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sotong.org import services
from sotong.org.models import Department, Dong, Staff, StaffingEntry, Team

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2016, 8, 10)


def test_organization_create_is_superuser_only_and_audited(admin_user, manager, city, audit_events):
    with pytest.raises(PermissionDenied):
        services.organization_create(
            actor=manager,
            code="newgu",
            name="새구",
            kind="district",
            parent=city,
            head_title="구청장",
        )
    org = services.organization_create(
        actor=admin_user,
        code="newgu",
        name="새구",
        kind="district",
        parent=city,
        head_title="구청장",
        admin_code="3999999",
    )
    [event] = audit_events("org.organization.create")
    assert event.object_id == str(org.pk)
    assert event.after["admin_code"] == "3999999"
    assert event.actor_id == admin_user.pk


def test_organization_update_records_only_what_changed(manager, district, city, audit_events):
    services.organization_update(actor=manager, organization=district, phone="02-123-4567")
    [event] = audit_events("org.organization.update")
    assert event.before == {"phone": ""}
    assert event.after == {"phone": "02-123-4567"}
    # A manager may not move their district to another city or rename its code.
    with pytest.raises(PermissionDenied):
        services.organization_update(actor=manager, organization=district, code="renamed")
    district.refresh_from_db()
    assert district.code == "testgu"
    # Nothing changed: nothing recorded.
    services.organization_update(actor=manager, organization=district, phone="02-123-4567")
    assert len(audit_events("org.organization.update")) == 1


def test_department_create_update_and_validation(manager, district, bureau, audit_events):
    dept = services.department_create(
        actor=manager, organization=district, name="  정보공개과 ", parent=bureau, duties="공개"
    )
    assert dept.name == "정보공개과"
    assert audit_events("org.department.create")[0].after["parent"] == bureau.pk

    with pytest.raises(ValidationError) as exc:
        services.department_create(actor=manager, organization=district, name="정보공개과")
    assert "같은 이름의 부서가 이미 있습니다" in " ".join(exc.value.messages)

    services.department_update(actor=manager, department=dept, duties="정보공개 청구 처리")
    event = audit_events("org.department.update")[0]
    assert event.before == {"duties": "공개"}
    assert event.after == {"duties": "정보공개 청구 처리"}

    with pytest.raises(ValidationError):
        services.department_update(actor=manager, department=dept, parent=dept)


def test_department_services_refuse_other_organisations(other_manager, department, district):
    with pytest.raises(PermissionDenied):
        services.department_create(actor=other_manager, organization=district, name="침입과")
    with pytest.raises(PermissionDenied):
        services.department_update(actor=other_manager, department=department, duties="x")
    with pytest.raises(PermissionDenied):
        services.department_deactivate(actor=other_manager, department=department)
    assert not Department.objects.filter(name="침입과").exists()


def test_resident_cannot_change_anything(resident, district, department):
    with pytest.raises(PermissionDenied):
        services.department_update(actor=resident, department=department, duties="x")
    with pytest.raises(PermissionDenied):
        services.dong_create(actor=resident, organization=district, name="가짜동")


def test_department_deactivation_needs_an_empty_department(
    manager, department, officer, bureau, audit_events
):
    with pytest.raises(ValidationError) as exc:
        services.department_deactivate(actor=manager, department=department)
    assert "재직 중인 직원" in " ".join(exc.value.messages)

    Staff.objects.filter(department=department).update(active=False)
    services.department_deactivate(actor=manager, department=department, reason="조직개편")
    department.refresh_from_db()
    assert not department.active
    [event] = audit_events("org.department.deactivate")
    assert event.reason == "조직개편"

    child = Department.objects.create(
        organization=bureau.organization, name="하위과", parent=bureau
    )
    with pytest.raises(ValidationError) as exc:
        services.department_deactivate(actor=manager, department=bureau)
    assert "하위 부서" in " ".join(exc.value.messages)
    services.department_deactivate(actor=manager, department=child)
    services.department_deactivate(actor=manager, department=bureau)
    with pytest.raises(ValidationError):
        services.department_reactivate(actor=manager, department=child)
    services.department_reactivate(actor=manager, department=bureau)
    services.department_reactivate(actor=manager, department=child)
    assert len(audit_events("org.department.reactivate")) == 2


def test_teams(manager, department, officer, audit_events):
    team = services.team_create(actor=manager, department=department, name="민원팀")
    services.team_update(actor=manager, team=team, duties="민원 접수")
    Staff.objects.filter(user=officer).update(team=team)
    with pytest.raises(ValidationError):
        services.team_delete(actor=manager, team=team)
    Staff.objects.filter(user=officer).update(team=None)
    services.team_delete(actor=manager, team=team, reason="통합")
    assert not Team.objects.exists()
    assert [e.action for e in audit_events()][-3:] == [
        "org.team.create",
        "org.team.update",
        "org.team.delete",
    ]


def test_dongs(manager, district, audit_events):
    dong = services.dong_create(actor=manager, organization=district, name="신촌동")
    services.dong_update(actor=manager, dong=dong, name="신촌1동")
    with pytest.raises(ValidationError):
        services.dong_create(actor=manager, organization=district, name="신촌1동")
    services.dong_delete(actor=manager, dong=dong)
    assert not Dong.objects.exists()
    assert len(audit_events("org.dong.delete")) == 1


def test_staff_assign_move_and_deactivate(
    manager, district, department, other_department, bureau, resident, audit_events
):
    staff = services.staff_assign(
        actor=manager,
        user=resident,
        organization=district,
        name="김신규",
        position="officer",
        department=department,
        grade=9,
        office_phone="02-330-0000",
    )
    event = audit_events("org.staff.assign")[0]
    assert event.after["position"] == "officer"
    # The person's name and direct line are not copied into the audit trail.
    assert event.after["name"] == "***"
    assert event.after["office_phone"] == "***"
    assert "김신규" not in str(event.after)

    with pytest.raises(ValidationError) as exc:
        services.staff_assign(
            actor=manager,
            user=resident,
            organization=district,
            name="김신규",
            position="officer",
            department=department,
        )
    assert "이미 직원으로 등록" in " ".join(exc.value.messages)

    team = Team.objects.create(department=other_department, name="재활용팀")
    services.staff_move(
        actor=manager,
        staff=staff,
        department=other_department,
        team=team,
        grade=8,
        reason="정기 인사",
    )
    staff.refresh_from_db()
    assert (staff.department, staff.team, staff.grade) == (other_department, team, 8)
    move = audit_events("org.staff.move")[0]
    assert move.before == {"department": department.pk, "grade": 9, "team": None}
    assert move.after == {"department": other_department.pk, "grade": 8, "team": team.pk}

    with pytest.raises(ValidationError) as exc:
        services.staff_move(actor=manager, staff=staff, department=bureau, team=team)
    assert "팀은 직원의 부서에 속해야" in " ".join(exc.value.messages)

    services.staff_update(actor=manager, staff=staff, name="김개명")
    assert audit_events("org.staff.update")[0].after == {"name": "***"}

    services.staff_deactivate(actor=manager, staff=staff, reason="퇴직")
    staff.refresh_from_db()
    assert not staff.active
    services.staff_reactivate(actor=manager, staff=staff)
    staff.refresh_from_db()
    assert staff.active


def test_staff_cannot_be_moved_into_an_organisation_one_does_not_manage(
    manager, officer, other_manager
):
    target = other_manager.staff.department
    with pytest.raises(PermissionDenied):
        services.staff_move(actor=manager, staff=officer.staff, department=target)
    with pytest.raises(PermissionDenied):
        services.staff_deactivate(actor=other_manager, staff=officer.staff)


def rows(department, other_department):
    return [
        services.StaffingRow(department, "general", "5급", 2, 1),
        services.StaffingRow(department, "general", "7급 이하", 5, 7),
        services.StaffingRow(other_department, "fixed_term", "6급 이하", 3, 3),
    ]


def test_staffing_import_replaces_the_table_of_that_date(
    manager, district, department, other_department, audit_events
):
    result = services.staffing_import(
        actor=manager,
        organization=district,
        as_of=AS_OF,
        rows=rows(department, other_department),
    )
    assert (result.created, result.replaced) == (3, 0)
    event = audit_events("org.staffing.import")[0]
    assert event.after == {"as_of": "2016-08-10", "entries": 3, "authorized": 10, "current": 11}

    result = services.staffing_import(
        actor=manager,
        organization=district,
        as_of=AS_OF,
        rows=[services.StaffingRow(department, "general", "5급", 3, 3)],
    )
    assert (result.created, result.replaced) == (1, 3)
    assert StaffingEntry.objects.count() == 1


def test_staffing_import_is_all_or_nothing(
    manager, district, department, other_department, other_manager
):
    services.staffing_import(
        actor=manager,
        organization=district,
        as_of=AS_OF,
        rows=rows(department, other_department),
    )
    foreign = other_manager.staff.department
    bad = [
        services.StaffingRow(department, "general", "5급", 1, 1),
        services.StaffingRow(foreign, "general", "5급", 1, 1),
        services.StaffingRow(department, "general", "5급", 1, 1),
        services.StaffingRow(department, "general", "  ", 1, 1),
    ]
    with pytest.raises(ValidationError) as exc:
        services.staffing_import(actor=manager, organization=district, as_of=AS_OF, rows=bad)
    text = " ".join(exc.value.messages)
    assert "2번째 행" in text and "같은 기관" in text
    assert "3번째 행: 같은 부서·직군·급이 두 번" in text
    assert "4번째 행" in text
    assert StaffingEntry.objects.count() == 3
    with pytest.raises(ValidationError):
        services.staffing_import(actor=manager, organization=district, as_of=AS_OF, rows=[])
    with pytest.raises(PermissionDenied):
        services.staffing_import(
            actor=other_manager,
            organization=district,
            as_of=AS_OF,
            rows=rows(department, other_department),
        )


def test_staffing_entry_save_and_delete(manager, district, department, audit_events):
    entry = services.staffing_entry_save(
        actor=manager,
        organization=district,
        department=department,
        as_of=AS_OF,
        series="general",
        grade="6급",
        authorized=4,
        current=3,
    )
    services.staffing_entry_save(
        actor=manager,
        organization=district,
        entry=entry,
        department=department,
        as_of=AS_OF,
        series="general",
        grade="6급",
        authorized=4,
        current=4,
    )
    update = audit_events("org.staffing.update")[0]
    assert update.before["current"] == 3 and update.after["current"] == 4
    with pytest.raises(ValidationError):
        services.staffing_entry_save(
            actor=manager,
            organization=district,
            department=department,
            as_of=AS_OF,
            series="general",
            grade="6급",
            authorized=1,
            current=1,
        )
    services.staffing_entry_delete(actor=manager, entry=entry)
    assert not StaffingEntry.objects.exists()
    assert len(audit_events("org.staffing.delete")) == 1
