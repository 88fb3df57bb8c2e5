import datetime

import pytest
from django.urls import reverse

from sotong.org.models import Department, Dong, StaffingEntry, Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_page(district, bureau, department, other_department, officer, head):
    department.parent = bureau
    department.phone = "02-330-1234"
    department.save()
    Team.objects.create(department=department, name="여권팀", duties="여권 발급")
    Dong.objects.create(organization=district, name="신촌동")
    Department.objects.create(organization=district, name="폐지과", active=False)
    as_of = datetime.date(2016, 8, 10)
    for dept, series, grade, authorized, current in [
        (department, "general", "5급", 1, 1),
        (department, "general", "7급 이하", 3, 5),
        (other_department, "general", "5급", 2, 1),
        (other_department, "other", "전체", 1, None),
    ]:
        StaffingEntry.objects.create(
            organization=district,
            department=dept,
            as_of=as_of,
            series=series,
            grade=grade,
            authorized=authorized,
            current=current or 0,
        )
    # An older table is not the one shown.
    StaffingEntry.objects.create(
        organization=district,
        department=department,
        as_of=datetime.date(2015, 1, 1),
        series="general",
        grade="9급",
        authorized=99,
        current=99,
    )
    return district


def test_list_shows_every_organisation_to_anyone(client, city, district, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(reverse("org:organization_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert city.name in body and district.name in body
    assert district.get_absolute_url() in body


def test_list_query_count_does_not_grow_with_organisations(client, city, django_assert_num_queries):
    from sotong.org.models import Organization

    with django_assert_num_queries(1):
        response = client.get(reverse("org:organization_list"))
    assert response.status_code == 200
    assert len(response.context["organizations"]) == 1
    for n in range(15):
        Organization.objects.create(
            code=f"gu{n}", name=f"구{n}", kind="district", parent=city, head_title="구청장"
        )
    with django_assert_num_queries(1):
        response = client.get(reverse("org:organization_list"))
    assert response.status_code == 200
    assert len(response.context["organizations"]) == 16


def test_organisation_page_for_anonymous(
    client, org_page, bureau, department, django_assert_num_queries
):
    url = reverse("org:organization", kwargs={"code": org_page.code})
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>시험구" in body
    assert "행정국" in body and "민원여권과" in body and "청소행정과" in body
    assert "여권팀" in body and "여권 발급" in body
    assert "02-330-1234" in body
    assert "신촌동" in body
    assert "폐지과" not in body
    # The division is listed inside its bureau's section, after the bureau's heading.
    assert body.index(f'id="dept-{bureau.pk}"') < body.index(f'id="dept-{department.pk}"')
    assert org_page.parent.name in body


def test_organisation_page_shows_no_staff_names(client, org_page, officer, head):
    response = client.get(org_page.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    # The page lists the departments the staff work in, only not the staff themselves.
    assert "<h1>시험구" in body and officer.staff.department.name in body
    for user in (officer, head):
        assert user.staff.name not in body
        assert user.email not in body


def test_staffing_table_with_totals(client, org_page):
    response = client.get(org_page.get_absolute_url())
    table = response.context["staffing"]
    assert table.as_of == datetime.date(2016, 8, 10)
    assert [(c.series, c.grade) for c in table.columns] == [
        ("general", "5급"),
        ("general", "7급 이하"),
        ("other", "전체"),
    ]
    assert (table.total.authorized, table.total.current) == (7, 7)
    by_name = {row.department.name: row for row in table.rows}
    assert (by_name["민원여권과"].authorized, by_name["민원여권과"].current) == (4, 6)
    assert by_name["민원여권과"].surplus == 2
    assert by_name["청소행정과"].shortage == 2
    assert by_name["청소행정과"].cells[1].authorized is None  # no 7급 이하 entry: shown as "-"
    body = response.content.decode()
    assert "<caption" in body and 'scope="colgroup"' in body and 'scope="row"' in body
    assert "과원 2" in body and "결원 2" in body
    assert "99" not in body


def test_page_without_staffing_has_no_table(client, district):
    response = client.get(district.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert f"<h1>{district.name}" in body
    assert not response.context["staffing"]
    assert "<table" not in body


def test_city_page_lists_its_districts(client, city, district):
    body = client.get(city.get_absolute_url()).content.decode()
    assert district.get_absolute_url() in body


def test_unknown_organisation_is_404(client, db):
    assert client.get("/org/nowhere/").status_code == 404
