import pytest
from django.core.exceptions import ValidationError

from sotong.org.models import Department, Organization, Staff, StaffingEntry, Team

pytestmark = pytest.mark.django_db


def messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def test_district_needs_a_city_as_parent(city, district):
    orphan = Organization(code="orphan", name="고아구", kind="district", head_title="구청장")
    with pytest.raises(ValidationError) as exc:
        orphan.full_clean()
    assert "상위 시를 지정해야" in messages_of(exc.value)

    under_district = Organization(
        code="under", name="아래구", kind="district", parent=district, head_title="구청장"
    )
    with pytest.raises(ValidationError) as exc:
        under_district.full_clean()
    assert "상위 기관은 시여야" in messages_of(exc.value)


def test_city_has_no_parent(city):
    other = Organization(code="other", name="다른시", kind="city", parent=city, head_title="시장")
    with pytest.raises(ValidationError) as exc:
        other.full_clean()
    assert "시에는 상위 기관을 둘 수 없습니다" in messages_of(exc.value)
    city.parent = city
    with pytest.raises(ValidationError) as exc:
        city.full_clean()
    assert "자기 자신" in messages_of(exc.value)


def test_phone_numbers_as_koreans_write_them(district):
    for good in ["02-330-1114", "120", "(02) 330-1114", "1588-0000"]:
        district.phone = good
        district.full_clean()
    district.phone = "call me"
    with pytest.raises(ValidationError) as exc:
        district.full_clean()
    assert "전화번호는 숫자와 하이픈" in messages_of(exc.value)


def test_department_parent_must_be_a_bureau_of_the_same_organisation(
    district, other_district, bureau, department
):
    division = Department(organization=district, name="새과", parent=department)
    with pytest.raises(ValidationError) as exc:
        division.full_clean()
    assert "국·실·본부여야" in messages_of(exc.value)

    foreign_bureau = Department.objects.create(
        organization=other_district, name="외부국", kind="bureau"
    )
    division.parent = foreign_bureau
    with pytest.raises(ValidationError) as exc:
        division.full_clean()
    assert "같은 기관" in messages_of(exc.value)

    division.parent = bureau
    division.full_clean()

    nested = Department(organization=district, name="하위국", kind="bureau", parent=bureau)
    with pytest.raises(ValidationError) as exc:
        nested.full_clean()
    assert "다른 부서 아래에 둘 수 없습니다" in messages_of(exc.value)


def test_bureau_with_divisions_keeps_its_kind(district, bureau, department):
    department.parent = bureau
    department.save()
    bureau.kind = Department.Kind.DIVISION
    with pytest.raises(ValidationError) as exc:
        bureau.full_clean()
    assert "하위 부서가 있는" in messages_of(exc.value)


def test_department_names_are_unique_per_organisation(district, other_district, department):
    duplicate = Department(organization=district, name=department.name)
    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert "같은 이름의 부서가 이미 있습니다" in messages_of(exc.value)
    Department(organization=other_district, name=department.name).full_clean()


def test_staff_rules(district, bureau, department, other_department, officer):
    staff = officer.staff
    team = Team.objects.create(department=other_department, name="청소팀")
    staff.team = team
    with pytest.raises(ValidationError) as exc:
        staff.full_clean()
    assert "팀은 직원의 부서에 속해야" in messages_of(exc.value)

    staff.team = None
    staff.position = "director"
    with pytest.raises(ValidationError) as exc:
        staff.full_clean()
    assert "국장은 국·실·본부에 배치" in messages_of(exc.value)
    staff.department = bureau
    staff.full_clean()

    staff.position = "chief"
    staff.grade = None
    with pytest.raises(ValidationError) as exc:
        staff.full_clean()
    assert "부서 없이 기관에 소속" in messages_of(exc.value)
    staff.department = None
    staff.full_clean()
    staff.grade = 3
    with pytest.raises(ValidationError) as exc:
        staff.full_clean()
    assert "선출직" in messages_of(exc.value)

    staff.position = "officer"
    staff.grade = 7
    with pytest.raises(ValidationError) as exc:
        staff.full_clean()
    assert "부서를 지정해야" in messages_of(exc.value)


def test_one_sitting_chief_per_organisation(district, db):
    from sotong.accounts.models import User

    first = User.objects.create_user(email="chief1@testgu.go.kr", password="x-correct-9")
    second = User.objects.create_user(email="chief2@testgu.go.kr", password="x-correct-9")
    Staff.objects.create(user=first, organization=district, name="가구청장", position="chief")
    candidate = Staff(user=second, organization=district, name="나구청장", position="chief")
    with pytest.raises(ValidationError) as exc:
        candidate.full_clean()
    assert "이미 재직 중인 기관장" in messages_of(exc.value)
    Staff.objects.filter(user=first).update(active=False)
    candidate.full_clean()


def test_staffing_entry_rules_and_column_order(district, other_district, department):
    foreign = Department.objects.create(organization=other_district, name="외부과")
    entry = StaffingEntry(
        organization=district,
        department=foreign,
        as_of="2016-08-10",
        series="general",
        grade="5급",
        authorized=1,
        current=2,
    )
    with pytest.raises(ValidationError) as exc:
        entry.full_clean()
    assert "같은 기관에 속해야" in messages_of(exc.value)
    assert entry.difference == 1

    def key(series, grade):
        return StaffingEntry(series=series, grade=grade).column_key

    ordered = sorted(
        [
            key("other", "전체"),
            key("general", "7급 이하"),
            key("fixed_term", "4급"),
            key("general", "2급"),
            key("general", "5급"),
        ]
    )
    assert [(k[0], k[2]) for k in ordered] == [
        (0, "2급"),
        (0, "5급"),
        (0, "7급 이하"),
        (1, "4급"),
        (2, "전체"),
    ]
