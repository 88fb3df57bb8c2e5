import pytest
from django.urls import reverse

from sotong.org.models import Department, Dong, Organization, Staff, StaffingEntry, Team

pytestmark = pytest.mark.django_db

MODELS = ["organization", "dong", "department", "team", "staff", "staffingentry"]


@pytest.fixture
def rows(district, department, officer):
    team = Team.objects.create(department=department, name="여권팀")
    dong = Dong.objects.create(organization=district, name="신촌동")
    entry = StaffingEntry.objects.create(
        organization=district,
        department=department,
        as_of="2016-08-10",
        series="general",
        grade="5급",
        authorized=1,
        current=1,
    )
    return {
        "organization": district,
        "dong": dong,
        "department": department,
        "team": team,
        "staff": officer.staff,
        "staffingentry": entry,
    }


@pytest.mark.parametrize("model", MODELS)
def test_admin_pages_load_for_a_superuser(client, admin_user, rows, model):
    client.force_login(admin_user)
    changelist = client.get(reverse(f"admin:org_{model}_changelist"))
    assert changelist.status_code == 200
    assert client.get(reverse(f"admin:org_{model}_add")).status_code == 200
    change = client.get(reverse(f"admin:org_{model}_change", args=[rows[model].pk]))
    assert change.status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_admin_pages_are_closed_to_residents(client, resident, rows, model):
    client.force_login(resident)
    response = client.get(reverse(f"admin:org_{model}_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_changelists_have_filters_and_search(client, admin_user, rows, other_manager):
    client.force_login(admin_user)
    body = client.get(reverse("admin:org_staff_changelist") + "?q=박주무").content.decode()
    assert "박주무" in body
    assert "position__exact" in body  # the position filter
    body = client.get(reverse("admin:org_department_changelist")).content.decode()
    assert "kind__exact" in body and "organization__id__exact" in body


def test_manager_sees_and_changes_only_their_organisation(
    client, manager, other_manager, department, district
):
    foreign = other_manager.staff.department
    client.force_login(manager)
    body = client.get(reverse("admin:org_department_changelist")).content.decode()
    assert department.name in body
    assert foreign.name not in body
    response = client.get(reverse("admin:org_department_change", args=[foreign.pk]))
    assert response.status_code == 302  # "does not exist" redirect, the same as for a missing id
    assert client.get(reverse("admin:org_organization_add")).status_code == 403
    page = client.get(reverse("admin:org_organization_change", args=[district.pk]))
    assert page.status_code == 200
    # Code, kind and parent city are read-only for a manager.
    assert 'name="code"' not in page.content.decode()


def department_form(department, **overrides):
    data = {
        "parent": "",
        "name": department.name,
        "name_en": "",
        "kind": department.kind,
        "duties": department.duties,
        "phone": "",
        "order": "100",
        "active": "on",
        "teams-TOTAL_FORMS": "0",
        "teams-INITIAL_FORMS": "0",
        "teams-MIN_NUM_FORMS": "0",
        "teams-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_save_goes_through_the_service_and_is_audited(
    client, manager, department, audit_events
):
    client.force_login(manager)
    url = reverse("admin:org_department_change", args=[department.pk])
    data = department_form(
        department,
        duties="여권 발급과 민원 접수",
        **{
            "teams-TOTAL_FORMS": "1",
            "teams-0-name": "여권팀",
            "teams-0-duties": "여권",
            "teams-0-order": "1",
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    department.refresh_from_db()
    assert department.duties == "여권 발급과 민원 접수"
    assert Team.objects.filter(department=department, name="여권팀").exists()
    [update] = audit_events("org.department.update")
    assert update.actor_id == manager.pk
    assert len(audit_events("org.team.create")) == 1


def test_admin_shows_model_rules_in_korean(client, admin_user, department, district):
    client.force_login(admin_user)
    url = reverse("admin:org_department_change", args=[department.pk])
    response = client.post(url, department_form(department, parent=str(department.pk)))
    assert response.status_code == 200
    assert "자기 자신을 상위 부서로 지정할 수 없습니다" in response.content.decode()


def test_admin_refuses_to_close_a_department_with_staff(client, admin_user, department, officer):
    client.force_login(admin_user)
    url = reverse("admin:org_department_change", args=[department.pk])
    response = client.post(url, department_form(department, active=None))
    assert response.status_code == 200
    assert "재직 중인 직원이 있는 부서는 폐지할 수 없습니다" in response.content.decode()
    department.refresh_from_db()
    assert department.active


def test_admin_adds_a_department_through_the_service(client, admin_user, district, audit_events):
    client.force_login(admin_user)
    data = department_form(Department(name="신설과", kind="division"), organization=district.pk)
    data.pop("active")
    response = client.post(reverse("admin:org_department_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Department.objects.get(name="신설과")
    assert audit_events("org.department.create")[0].object_id == str(created.pk)


def test_admin_moves_staff_through_the_service(
    client, admin_user, officer, other_department, audit_events
):
    client.force_login(admin_user)
    staff = officer.staff
    url = reverse("admin:org_staff_change", args=[staff.pk])
    data = {
        "organization": staff.organization_id,
        "department": other_department.pk,
        "team": "",
        "name": staff.name,
        "position": "team_lead",
        "title": "팀장",
        "grade": "6",
        "office_phone": "",
        "active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    staff.refresh_from_db()
    assert (staff.department, staff.position, staff.grade) == (other_department, "team_lead", 6)
    assert audit_events("org.staff.move")[0].after["position"] == "team_lead"
    assert audit_events("org.staff.update")[0].after == {"title": "팀장"}


def test_staffing_list_editable_is_audited(client, admin_user, rows, audit_events):
    client.force_login(admin_user)
    entry = rows["staffingentry"]
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(entry.pk),
        "form-0-authorized": "2",
        "form-0-current": "3",
        "_save": "저장",
    }
    response = client.post(reverse("admin:org_staffingentry_changelist"), data)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.authorized, entry.current) == (2, 3)
    assert audit_events("org.staffing.update")[0].after["current"] == 3


CSV = """부서,직군,급,정원,현원
민원여권과,행정·기술직군,5급,1,2
민원여권과,임기제 일반직,6급 이하,-,1
청소행정과,other,전체,3,3
"""


def test_staffing_import_screen(
    client, manager, district, department, other_department, audit_events
):
    client.force_login(manager)
    url = reverse("admin:org_staffingentry_import")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"organization": district.pk, "as_of": "2024-01-01", "data": CSV, "reason": "연초"}
    )
    assert response.status_code == 302
    entries = StaffingEntry.objects.filter(organization=district, as_of="2024-01-01")
    assert entries.count() == 3
    assert entries.get(series="fixed_term").authorized == 0
    assert audit_events("org.staffing.import")[0].reason == "연초"


def test_staffing_import_screen_reports_every_bad_line(client, manager, district, department):
    client.force_login(manager)
    bad = "부서,직군,급,정원,현원\n없는과,행정·기술직군,5급,1,1\n민원여권과,무슨직군,5급,1,1\n민원여권과,general,5급,-3,1\n민원여권과,general\n"
    response = client.post(
        reverse("admin:org_staffingentry_import"),
        {"organization": district.pk, "as_of": "2024-01-01", "data": bad},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "2번째 줄: &#x27;없는과&#x27; 부서가 이 기관에 없습니다" in body
    assert "3번째 줄: 직군" in body
    assert "4번째 줄: 정원과 현원은 0 이상의 정수" in body
    assert "5번째 줄: 부서,직군,급,정원,현원 다섯 칸" in body
    assert not StaffingEntry.objects.exists()


def test_staffing_import_cannot_target_another_organisation(
    client, manager, other_manager, department
):
    client.force_login(manager)
    response = client.post(
        reverse("admin:org_staffingentry_import"),
        {
            "organization": other_manager.staff.organization_id,
            "as_of": "2024-01-01",
            "data": CSV,
        },
    )
    assert response.status_code == 200
    assert not StaffingEntry.objects.exists()


def test_staffing_import_closed_to_residents(client, resident):
    client.force_login(resident)
    response = client.get(reverse("admin:org_staffingentry_import"))
    assert response.status_code == 302


def test_organisations_are_never_deleted_from_the_admin(client, admin_user, district):
    client.force_login(admin_user)
    response = client.get(reverse("admin:org_organization_delete", args=[district.pk]))
    assert response.status_code == 403
    assert Organization.objects.filter(pk=district.pk).exists()
    assert Staff.objects.count() == 0
