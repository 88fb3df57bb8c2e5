"""Dashboards and statistics (`stats.py`, `views/stats.py`): exact figures on a crafted set with a
fixed `now`, who sees which dashboard, the public page and its CSV without personal data, and
the number of queries whatever the size."""

from __future__ import annotations

import csv
import datetime
import io
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from sotong.petitions import stats
from sotong.petitions.models import Answer, Category, PetitionEvent, Stage
from sotong.petitions.views import stats as views_stats

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime.datetime(2025, 6, 16, 10, 0, tzinfo=SEOUL)
D = datetime.timedelta(days=1)


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime.datetime:
    return datetime.datetime(y, m, d, h, mi, tzinfo=SEOUL)


# --- the cast beyond tests/conftest.py ----------------------------------------------------------


@pytest.fixture
def bureau(district, department):
    """행정지원국 with the officer's department under it (the other department is not)."""
    from sotong.org.models import Department

    bureau = Department.objects.create(organization=district, name="행정지원국", kind="bureau")
    department.parent = bureau
    department.save(update_fields=["parent"])
    return bureau


def _staff_user(email, name, organization, department, position, **extra):
    from sotong.accounts.models import User
    from sotong.org.models import Staff

    user = User.objects.create_user(email=email, password="correct-horse-9", display_name=name)
    Staff.objects.create(
        user=user,
        organization=organization,
        department=department,
        name=name,
        position=position,
        **extra,
    )
    return user


@pytest.fixture
def director(district, bureau):
    return _staff_user("director@testgu.go.kr", "오국장", district, bureau, "director", grade=4)


@pytest.fixture
def analyst(district, other_department):
    """An officer of another department holding the whole-organisation statistics permission."""
    from sotong.accounts.models import User

    user = _staff_user("analyst@testgu.go.kr", "윤기획", district, other_department, "officer")
    user.user_permissions.add(Permission.objects.get(codename="view_petition_statistics"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def cast(officer, other_officer, head, team, team_lead, director, chief, resident, analyst):
    from sotong.org.models import Staff

    # The officer works in the team lead's team: the team's petitions are the ones they handle.
    Staff.objects.filter(user=officer).update(team=team)
    return SimpleNamespace(
        officer=officer,
        other_officer=other_officer,
        head=head,
        team_lead=team_lead,
        director=director,
        chief=chief,
        resident=resident,
        analyst=analyst,
    )


@pytest.fixture
def crafted(cast, petition_factory, district, department, other_department, category):
    """The set every figure below is computed from by hand (now = 2025-06-16 10:00 KST)."""
    from sotong.org.models import Staff

    officer = Staff.objects.get(user=cast.officer)
    other = Staff.objects.get(user=cast.other_officer)
    head = Staff.objects.get(user=cast.head)
    cleaning = Category.objects.create(organization=district, code="cleaning", name="청소")
    p = {}

    def make(key, received, due, **fields):
        p[key] = petition_factory(received_at=received, due_at=due, **fields)
        return p[key]

    # Open petitions.
    make("A", NOW - 2 * D, NOW + 5 * D, status="in_progress", department=department,
         handler=officer, title="가로등 고장 홍길동 010-1234-5678")  # fmt: skip
    make("B", NOW - 6.5 * D, NOW + 0.5 * D, status="in_progress", department=department,
         handler=officer)  # fmt: skip
    make("C", NOW - 10 * D, NOW - 3 * D, status="assigned", department=department)
    make("D", NOW - 8 * D, NOW - D, status="in_progress", department=other_department,
         handler=other)  # fmt: skip
    make("E", NOW - D, NOW + 6 * D, status="assigned", department=other_department,
         is_public=False, title="비밀 상담 제목")  # fmt: skip
    make("G", NOW - datetime.timedelta(hours=1), NOW + 7 * D, status="received")
    # Transferred: out of every count.
    make("F", NOW - 10 * D, NOW - 3 * D, status="transferred", department=department)
    # Answered and closed.
    make("H", at(2025, 5, 1), at(2025, 5, 8, 18), status="closed", department=department,
         handler=officer, answered_at=at(2025, 5, 7), speed_rating=4, completeness_rating=5,
         rated_at=at(2025, 5, 8), petitioner_name="김민원", contact_phone="010-9999-8888")  # fmt: skip
    make("I", at(2025, 5, 5), at(2025, 5, 12, 18), status="answered", department=department,
         handler=officer, answered_at=at(2025, 5, 20), speed_rating=2, completeness_rating=3,
         rated_at=at(2025, 5, 21))  # fmt: skip
    make("J", at(2025, 4, 1), at(2025, 4, 10, 18), status="closed", department=other_department,
         handler=other, answered_at=at(2025, 4, 9))  # fmt: skip
    # 2024-12-31 23:30 in Seoul is still 2024 (14:30 UTC); the next one is 2025 in Seoul but
    # 2024 in UTC.
    make("K", at(2024, 12, 31, 23, 30), at(2025, 1, 8, 18), status="closed",
         department=other_department, category=cleaning, answered_at=at(2025, 1, 2, 23, 30))  # fmt: skip
    make("L", at(2025, 1, 1, 0, 30), at(2025, 1, 8, 18), status="closed", category=None)
    answers = [("H", head, False), ("I", officer, True), ("J", other, False), ("K", other, False)]
    for key, approver, self_approved in answers:
        Answer.objects.create(
            petition=p[key],
            body="답변드립니다.",
            state=Answer.State.APPROVED,
            drafted_by=officer if key in "HI" else other,
            approver=approver,
            self_approved=self_approved,
            decided_at=p[key].answered_at,
        )
    PetitionEvent.objects.create(petition=p["H"], stage=Stage.RETURNED, at=at(2025, 5, 6))
    return SimpleNamespace(p=p, cleaning=cleaning)


# --- scopes --------------------------------------------------------------------------------------


def test_scopes_follow_the_org_chart(crafted, cast, department, other_department, bureau):
    assert stats.dashboard_scope(cast.officer) is None
    assert stats.dashboard_scope(cast.other_officer) is None
    assert stats.dashboard_scope(cast.resident) is None

    lead = stats.dashboard_scope(cast.team_lead)
    assert lead.level == stats.Level.TEAM
    head = stats.dashboard_scope(cast.head)
    assert (head.level, head.department_ids) == (stats.Level.DEPARTMENT, (department.pk,))
    director = stats.dashboard_scope(cast.director)
    assert director.level == stats.Level.BUREAU
    assert set(director.department_ids) == {bureau.pk, department.pk}
    for user in (cast.chief, cast.analyst):
        scope = stats.dashboard_scope(user)
        assert scope.level == stats.Level.ORGANIZATION
        assert other_department.pk in scope.department_ids


def test_light_counts_per_level(crafted, cast, department, other_department):
    def counts(user):
        scope = stats.dashboard_scope(user)
        return stats.light_by_department(scope.petitions(), NOW)

    org = counts(cast.chief)
    assert org["total"] == {"on_time": 3, "at_risk": 1, "overdue": 2, "all": 6}
    assert org["rows"][department.pk] == {"on_time": 1, "at_risk": 1, "overdue": 1, "all": 3}
    assert org["rows"][other_department.pk] == {"on_time": 1, "at_risk": 0, "overdue": 1, "all": 2}
    assert org["rows"][None] == {"on_time": 1, "at_risk": 0, "overdue": 0, "all": 1}
    assert counts(cast.head)["total"] == {"on_time": 1, "at_risk": 1, "overdue": 1, "all": 3}
    assert counts(cast.director)["total"] == counts(cast.head)["total"]
    # The team: petitions its members handle (C has no handler yet).
    assert counts(cast.team_lead)["total"] == {"on_time": 1, "at_risk": 1, "overdue": 0, "all": 2}


def test_light_list_is_the_drill_down(crafted, cast):
    scope = stats.dashboard_scope(cast.chief)
    overdue = list(stats.light_list(scope.petitions(), NOW, "overdue"))
    assert [p.pk for p in overdue] == [crafted.p["C"].pk, crafted.p["D"].pk]  # earliest due first
    at_risk = stats.light_list(scope.petitions(), NOW, "at_risk")
    assert [p.pk for p in at_risk] == [crafted.p["B"].pk]


def test_delay_by_department_and_month(crafted, cast, department, other_department):
    scope = stats.dashboard_scope(cast.chief)
    delay = stats.delay_by_department_month(scope.petitions(), NOW)
    assert delay["months"][0] == (2024, 7) and delay["months"][-1] == (2025, 6)
    assert delay["cells"] == {
        (other_department.pk, (2025, 1)): (0, 1),  # K answered before its deadline
        (None, (2025, 1)): (0, 1),  # L closed without a late answer
        (other_department.pk, (2025, 4)): (0, 1),  # J
        (department.pk, (2025, 5)): (1, 2),  # H on time, I late
        (department.pk, (2025, 6)): (1, 1),  # C open past its deadline
        (other_department.pk, (2025, 6)): (1, 1),  # D open past its deadline
    }
    assert delay["by_department"] == {
        department.pk: (2, 3),
        other_department.pk: (1, 3),
        None: (0, 1),
    }
    assert delay["by_month"][(2025, 6)] == (2, 2)
    assert delay["by_month"][(2024, 9)] == (0, 0)
    assert delay["total"] == (3, 7)
    assert stats.rate(*delay["total"]) == 42.9
    head = stats.dashboard_scope(cast.head)
    assert stats.delay_by_department_month(head.petitions(), NOW)["total"] == (2, 3)


def test_approval_and_satisfaction(crafted, cast):
    since = stats.month_start(NOW, 11)
    assert since == at(2024, 7, 1, 0)
    org = stats.approval_and_satisfaction(stats.dashboard_scope(cast.chief).petitions(), since)
    assert org == {
        "answered": 4,
        "approved": 3,
        "self_approved": 1,
        "approved_rate": 75.0,
        "self_approved_rate": 25.0,
        "returned": 1,
        "returned_rate": 25.0,
        "rated": 2,
        "speed": 3.0,
        "completeness": 4.0,
    }
    head = stats.approval_and_satisfaction(stats.dashboard_scope(cast.head).petitions(), since)
    assert (head["answered"], head["self_approved_rate"], head["returned"]) == (2, 50.0, 1)
    later = stats.approval_and_satisfaction(
        stats.dashboard_scope(cast.chief).petitions(), at(2025, 5, 10)
    )
    assert (later["answered"], later["rated"], later["speed"]) == (1, 1, 2.0)


def test_processing_percentiles_nearest_rank(crafted, district):
    qs = stats.public_petitions(district)
    overall = stats.processing_percentiles(qs)[None]
    # K 48 h, H 144 h, J 192 h, I 360 h.
    assert overall.count == 4
    assert overall.hours == {50: 144.0, 90: 360.0, 95: 360.0}
    assert overall.days(50) == 6.0
    by_year = stats.processing_percentiles(qs, by_year=True)
    assert by_year[2024] == stats.Percentiles(1, {50: 48.0, 90: 48.0, 95: 48.0})
    assert by_year[2025] == stats.Percentiles(3, {50: 192.0, 90: 360.0, 95: 360.0})


def test_category_year_table_uses_seoul_years(crafted, district):
    table = stats.category_year_table(district)
    assert table.years == [2024, 2025]
    assert table.rows == [("가로정비", [0, 9], 9), ("청소", [1, 0], 1), ("미분류", [0, 1], 1)]
    assert table.totals == [1, 10]
    assert table.total == 11


def test_queries_do_not_grow_with_the_data(
    crafted, cast, petition_factory, department, django_assert_num_queries
):
    scope = stats.dashboard_scope(cast.chief)

    def run():
        qs = scope.petitions()
        stats.light_by_department(qs, NOW)
        stats.delay_by_department_month(qs, NOW)
        stats.approval_and_satisfaction(qs, stats.month_start(NOW, 11))
        stats.processing_percentiles(qs, by_year=True)
        stats.category_year_table(scope.organization)

    with django_assert_num_queries(6):
        run()
    for n in range(30):
        petition_factory(
            received_at=NOW - (n + 3) * D,
            due_at=NOW - n * D,
            answered_at=NOW - (n + 1) * D,
            status="closed",
            department=department,
        )
    with django_assert_num_queries(6):
        run()


# --- pages: who sees the dashboard ---------------------------------------------------------------


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(views_stats, "_now", lambda: NOW)


DASHBOARD = "petitions:stats_dashboard"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer", 403),
        ("other_officer", 403),
        ("resident", 403),
        ("team_lead", 200),
        ("head", 200),
        ("director", 200),
        ("chief", 200),
        ("analyst", 200),
    ],
)
def test_dashboard_access(client, staff_login, crafted, cast, fixed_now, who, status):
    staff_login(client, getattr(cast, who))
    for name in (DASHBOARD, "petitions:stats_dashboard_delay_csv"):
        assert client.get(reverse(name)).status_code == status
    url = reverse("petitions:stats_dashboard_list") + "?light=overdue"
    assert client.get(url).status_code == status


def test_dashboard_anonymous_goes_to_login(client, crafted):
    for name in (
        DASHBOARD,
        "petitions:stats_dashboard_list",
        "petitions:stats_dashboard_delay_csv",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert reverse("account_login") in response.url


def test_superuser_picks_the_organisation(admin_client, crafted, district, fixed_now):
    response = admin_client.get(reverse(DASHBOARD) + f"?org={district.code}")
    assert response.status_code == 200
    assert response.context["scope"].level == stats.Level.ORGANIZATION
    assert response.context["light_total"] == 6
    assert admin_client.get(reverse(DASHBOARD) + "?org=nowhere").status_code == 404


def test_dashboard_pages_show_the_numbers(
    client, staff_login, crafted, cast, department, fixed_now, django_assert_num_queries
):
    staff_login(client, cast.chief)
    with django_assert_num_queries(12):
        response = client.get(reverse(DASHBOARD))
    assert response.status_code == 200
    context = response.context
    assert [card["count"] for card in context["cards"]] == [3, 1, 2]
    assert context["delay_total"] == {"late": 3, "total": 7, "rate": 42.9}
    assert context["approval"]["self_approved_rate"] == 25.0
    html = response.content.decode()
    assert 'role="img"' in html and '<title id="chart-lights-title">' in html
    assert "42.9%" in html
    # Narrowed to one department.
    response = client.get(reverse(DASHBOARD) + f"?department={department.pk}")
    assert [card["count"] for card in response.context["cards"]] == [1, 1, 1]


def test_head_sees_only_the_department(
    client, staff_login, crafted, cast, other_department, fixed_now
):
    staff_login(client, cast.head)
    response = client.get(reverse(DASHBOARD) + f"?department={other_department.pk}")
    # A department outside the scope is ignored, never shown.
    assert [card["count"] for card in response.context["cards"]] == [1, 1, 1]
    url = (
        reverse("petitions:stats_dashboard_list")
        + f"?light=overdue&department={other_department.pk}"
    )
    rows = client.get(url).context["rows"]
    assert [row["pk"] for row in rows] == [crafted.p["C"].pk]


def test_drill_down_list(
    client, staff_login, crafted, cast, petition_factory, department, fixed_now,
    django_assert_num_queries,
):  # fmt: skip
    staff_login(client, cast.director)
    url = reverse("petitions:stats_dashboard_list")
    response = client.get(url + "?light=on_time")
    rows = response.context["rows"]
    assert [row["pk"] for row in rows] == [crafted.p["A"].pk]
    # Titles pass through the masking of public surfaces.
    assert "010-1234-5678" not in response.content.decode()
    assert client.get(url + "?light=green").status_code == 404

    for n in range(45):
        petition_factory(
            received_at=NOW - 20 * D, due_at=NOW - D - n * datetime.timedelta(minutes=1),
            status="assigned", department=department,
        )  # fmt: skip
    # A full page and the short last page cost the same: the rows' details are not read per row.
    with django_assert_num_queries(12):
        response = client.get(url + "?light=overdue")
    assert response.context["page"].paginator.count == 46
    assert len(response.context["rows"]) == views_stats.PAGE_SIZE
    with django_assert_num_queries(12):
        response = client.get(url + "?light=overdue&page=3")
    assert len(response.context["rows"]) == 6


def test_private_titles_hidden_outside_the_department(
    client, staff_login, crafted, cast, fixed_now
):
    staff_login(client, cast.chief)
    response = client.get(reverse("petitions:stats_dashboard_list") + "?light=on_time")
    titles = {row["pk"]: row["title"] for row in response.context["rows"]}
    assert titles[crafted.p["E"].pk] == "비공개 민원"
    assert "비밀 상담" not in response.content.decode()


def test_delay_csv(client, staff_login, crafted, cast, fixed_now):
    staff_login(client, cast.head)
    response = client.get(reverse("petitions:stats_dashboard_delay_csv"))
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows == [
        ["부서", "월(기한 기준)", "지연", "대상 건수", "지연율(%)"],
        ["민원여권과", "2025-05", "1", "2", "50.0"],
        ["민원여권과", "2025-06", "1", "1", "100.0"],
        ["합계", "2025-05", "1", "2", "50.0"],
        ["합계", "2025-06", "1", "1", "100.0"],
    ]


# --- the public statistics page -----------------------------------------------------------------


def test_public_stats_page_for_everyone(client, staff_login, crafted, cast, district):
    url = reverse("petitions:stats") + f"?org={district.code}"
    for user in (None, cast.resident):
        if user is not None:
            staff_login(client, user)
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "가로정비" in html and "청소" in html
        for private in ("홍길동", "010-1234-5678", "김민원", "비밀 상담", "가로등 고장", "박주무"):
            assert private not in html
    assert response.context["table"].total == 11
    assert 'role="img"' in html and 'id="chart-years-desc"' in html


def test_public_stats_default_organisation_and_unknown(client, crafted, board):
    assert client.get(reverse("petitions:stats")).context["organization"] == board.organization
    assert client.get(reverse("petitions:stats") + "?org=nowhere").status_code == 404


def test_public_stats_queries_are_few(client, crafted, district, django_assert_num_queries):
    with django_assert_num_queries(5):
        assert client.get(reverse("petitions:stats") + f"?org={district.code}").status_code == 200


def test_public_csv_has_the_table_and_a_bom(client, crafted, district):
    response = client.get(reverse("petitions:stats_csv") + f"?org={district.code}")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows == [
        ["분야", "2024", "2025", "합계"],
        ["가로정비", "0", "9", "9"],
        ["청소", "1", "0", "1"],
        ["미분류", "0", "1", "1"],
        ["합계", "1", "10", "11"],
    ]


def test_public_processing_csv(client, crafted, district):
    response = client.get(reverse("petitions:stats_processing_csv") + f"?org={district.code}")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows == [
        ["접수 연도", "답변 건수", "50백분위(시간)", "90백분위(시간)", "95백분위(시간)"],
        ["2024", "1", "48.0", "48.0", "48.0"],
        ["2025", "3", "192.0", "360.0", "360.0"],
    ]


def test_empty_organisation_pages(client, staff_login, chief, board, fixed_now):
    assert client.get(reverse("petitions:stats")).status_code == 200
    staff_login(client, chief)
    response = client.get(reverse(DASHBOARD))
    assert response.status_code == 200
    assert response.context["light_total"] == 0


def test_drill_down_links_where_the_viewer_may_go(client, staff_login, crafted, cast, fixed_now):
    url = reverse("petitions:stats_dashboard_list")
    staff_login(client, cast.head)
    rows = client.get(url + "?light=overdue").context["rows"]
    assert rows[0]["url"] == reverse("petitions:staff_case", kwargs={"pk": crafted.p["C"].pk})
    staff_login(client, cast.chief)
    rows = {row["pk"]: row for row in client.get(url + "?light=on_time").context["rows"]}
    assert rows[crafted.p["A"].pk]["url"] == reverse(
        "petitions:detail", kwargs={"pk": crafted.p["A"].pk}
    )
    assert rows[crafted.p["E"].pk]["url"] == ""  # private, not the chief's to open here


def test_no_dashboard_without_a_team_or_when_inactive(client, staff_login, crafted, cast):
    from sotong.org.models import Staff

    Staff.objects.filter(user=cast.team_lead).update(team=None)
    Staff.objects.filter(user=cast.head).update(active=False)
    for user in (cast.team_lead, cast.head):
        staff_login(client, user)
        assert client.get(reverse(DASHBOARD)).status_code == 403


def test_bar_chart_geometry_and_text():
    chart = views_stats.bar_chart(
        [("2013년", 27744), ("2014년", 28743), ("없음", None), ("지연율", 42.9)],
        key="t",
        title="연도별",
    )
    assert [bar["value"] for bar in chart["bars"]] == ["27,744", "28,743", "–", "42.9"]
    assert chart["description"] == "2013년 27,744, 2014년 28,743, 없음 –, 지연율 42.9"
    widths = [bar["width"] for bar in chart["bars"]]
    assert widths[1] == max(widths) and widths[2] == 0


def test_public_stats_without_boards_staff_see_their_own_others_404(
    client, staff_login, officer, district
):
    """No organisation has a petition board yet: a visitor has nothing to look at (404 with a
    reason), a member of staff sees their own organisation's (empty) page."""
    assert client.get(reverse("petitions:stats")).status_code == 404
    staff_login(client, officer)
    response = client.get(reverse("petitions:stats"))
    assert response.status_code == 200 and response.context["organization"] == district
