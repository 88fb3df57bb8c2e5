"""The demo government: loaded from the package's data files, exact to the seeds, idempotent."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from sotong.demo.loader import DemoDataError, read_data, staffing_cells
from sotong.org import queries
from sotong.org.models import Department, Dong, Organization, Staff, StaffingEntry, Team

pytestmark = pytest.mark.django_db

SEEDS = Path("/work/shared/seeds")

# Department names as the seeds print them (spaces inside names removed), per district.
SEED_DEPARTMENTS = {
    "seodaemun": (
        ["000_4a18d4a2a81083b5.txt", "001_2755755cee308694.txt"],
        [
            "주민자치국",
            "정책기획담당관",
            "감사담당관",
            "홍보담당관",
            "자치행정과",
            "민원여권과",
            "세무1과",
            "전산정보과",
            "일자리경제과",
            "경제발전기획단",
            "지역활성화과",
            "문화체육과",
            "교육지원과",
            "복지정책과",
            "여성가족과",
            "청소행정과",
            "푸른도시과",
            "건설관리과",
            "교통행정과",
            "주택과",
            "건축과",
            "지적과",
            "보건소",
            "보건위생과",
            "지역건강과",
            "의약과",
            "가좌보건지소",
            "자연사박물관",
        ],
    ),
    "junggu": (
        ["002_b6284928f469dfa0.txt"],
        [
            "행정관리국",
            "기획재정국",
            "기획예산과",
            "복지환경국",
            "도시관리국",
            "안전건설국",
            "감사담당관",
            "공보실",
            "총무과",
            "민원여권과",
            "전산정보과",
            "자치행정과",
            "시장경제과",
            "취업지원과",
            "복지지원과",
            "교육체육과",
            "공원녹지과",
            "주차관리과",
            "청소행정과",
            "안전치수과",
            "토지관리과",
            "보건소",
        ],
    ),
    "yeongdeungpo": (
        ["003_c34f038ae0a74ec2.txt"],
        [
            "혁신기획단",
            "혁신기획담당관",
            "기획예산과",
            "감사담당관",
            "총무과",
            "자치행정과",
            "민원여권과",
            "주민생활지원과",
            "재무과",
            "세무관리과",
            "부과과",
            "문화체육과",
            "보건소",
        ],
    ),
}
SEOUL_OFFICES = {
    # name: (정원, 현원), from seed 004 "(시민소통 45/50, 도시브랜드 13/14, …)"
    "시민소통담당관": (45, 50),
    "도시브랜드담당관": (13, 14),
    "시민봉사담당관": (46, 46),
    "뉴미디어담당관": (22, 21),
    "신속행정담당관": (12, 12),
}


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load(*args):
    out = StringIO()
    call_command("demo_load", *args, stdout=out)
    return out.getvalue()


def counts():
    from sotong.accounts.models import User
    from sotong.core.audit.models import AuditEvent

    return {
        model.__name__: model.objects.count()
        for model in (Organization, Dong, Department, Team, Staff, StaffingEntry, User, AuditEvent)
    }


def test_loading_twice_creates_nothing_twice():
    first = load()
    after_first = counts()
    second = load()
    assert counts() == after_first
    assert "created this run: 없음 / none" in second
    assert "created this run: 없음" not in first
    assert after_first["Organization"] == 4


def test_seed_numbers_are_exact():
    load("--quiet")
    seoul = Organization.objects.get(code="seoul")
    assert (seoul.admin_code, seoul.kind, seoul.parent) == ("6110000", "city", None)
    table = queries.staffing_table(seoul)
    assert str(table.as_of) == "2016-08-10"
    assert (table.total.authorized, table.total.current) == (138, 143)
    assert table.total.surplus == 5  # "(과원 5명)"
    assert {r.department.name: (r.authorized, r.current) for r in table.rows} == SEOUL_OFFICES
    # The seed's 계 row, column by column.
    assert [(c.authorized, c.current) for c in table.total.cells] == [
        (1, 1),
        (3, 2),
        (20, 19),
        (39, 32),
        (33, 43),
        (2, 2),
        (3, 3),
        (32, 31),
        (5, 10),
    ]
    assert [(c.series, c.grade) for c in table.columns] == [
        ("general", "2급"),
        ("general", "4급"),
        ("general", "5급"),
        ("general", "6급"),
        ("general", "7급 이하"),
        ("fixed_term", "4급"),
        ("fixed_term", "5급"),
        ("fixed_term", "6급 이하"),
        ("other", "전체"),
    ]
    rows = {r.department.name: r for r in table.rows}
    # A '-' pair is no entry; a '-' beside a number is 0 (시민봉사 4급: 정원 1, 현원 -).
    assert rows["시민봉사담당관"].cells[1].authorized == 1
    assert rows["시민봉사담당관"].cells[1].current == 0
    assert rows["신속행정담당관"].cells[8].authorized is None

    bureau = Department.objects.get(organization=seoul, name="시민소통기획관")
    assert bureau.kind == "bureau"
    assert set(bureau.children.values_list("name", flat=True)) == set(SEOUL_OFFICES)


@pytest.mark.parametrize("code", sorted(SEED_DEPARTMENTS))
def test_every_department_the_seeds_name_is_there(code):
    load("--quiet")
    org = Organization.objects.get(code=code)
    assert org.parent.code == "seoul" and org.kind == "district"
    files, names = SEED_DEPARTMENTS[code]
    seed_text = "".join(re.sub(r"\s", "", (SEEDS / f).read_text("utf-8")) for f in files)
    loaded = set(Department.objects.filter(organization=org).values_list("name", flat=True))
    for name in names:
        assert name in seed_text, f"{name} is not in the seed: fix this test"
        assert name in loaded, f"{name} is missing from {org.name}"
    assert loaded == set(names)
    assert all(d.duties for d in Department.objects.filter(organization=org))
    assert Dong.objects.filter(organization=org).count() >= 5


def test_bureaus_only_where_the_seeds_say_so():
    load("--quiet")
    grouped = {
        (d.organization.code, d.name, d.parent.name)
        for d in Department.objects.filter(parent__isnull=False).select_related(
            "parent", "organization"
        )
    }
    assert grouped == {("seoul", n, "시민소통기획관") for n in SEOUL_OFFICES} | {
        ("junggu", "기획예산과", "기획재정국"),
        ("yeongdeungpo", "혁신기획담당관", "혁신기획단"),
    }


def test_staff_in_every_position_and_residents_everywhere():
    from allauth.account.models import EmailAddress

    from sotong.accounts.models import User

    load("--quiet")
    for org in Organization.objects.all():
        positions = set(Staff.objects.filter(organization=org).values_list("position", flat=True))
        assert positions == {"chief", "deputy", "director", "head", "team_lead", "officer"}, org
    for code in SEED_DEPARTMENTS:
        assert (
            len([r for r in read_data("people.json")["residents"] if r["organization"] == code])
            >= 2
        )
    demo_users = User.objects.filter(email__endswith="@demo.sotong.kr")
    assert demo_users.count() == User.objects.count()
    assert all(u.check_password("sotong-demo-2026") for u in demo_users)
    verified = EmailAddress.objects.filter(verified=True, primary=True)
    assert verified.count() == demo_users.count()
    admin = User.objects.get(email="admin@demo.sotong.kr")
    assert admin.is_superuser and admin.is_staff
    managers = User.objects.filter(groups__name="기관 관리자")
    assert managers.count() == 4
    assert all(m.has_perm("org.change_department") and m.is_staff for m in managers)


def test_command_prints_summary_and_logins_or_nothing_when_quiet():
    out = load()
    assert "demo government loaded" in out
    assert "admin@demo.sotong.kr" in out
    assert "seodaemun.officer@demo.sotong.kr" in out
    assert "sotong-demo-2026" in out
    assert "주민" in out and "junggu.resident@demo.sotong.kr" in out
    assert load("--quiet") == ""


def test_data_files_cite_their_seed():
    for name in ["seoul.json", "seodaemun.json", "junggu.json", "yeongdeungpo.json", "people.json"]:
        data = read_data(name)
        assert "_source" in data
    assert "004_" in read_data("seoul.json")["_source"]
    assert "004_" in read_data("seoul.json")["staffing"]["_source"]


def test_a_typo_in_the_staffing_grid_is_caught():
    staffing = read_data("seoul.json")["staffing"]
    staffing_cells(staffing)
    staffing["rows"][0]["current_cells"][2] += 1
    with pytest.raises(DemoDataError):
        staffing_cells(staffing)
