"""The petitions dashboard, its drill-down list and the public statistics page in a real
Chromium: accessible (axe-core), the charts readable as images with a text alternative, the
counts reachable by keyboard, and narrow screens.

The `login` fixture makes a session without the TOTP step, so these tests switch the staff second
factor off (settings.SOTONG_STAFF_MFA_REQUIRED = False); tests/petitions/test_petitions_stats.py
logs staff in through TOTP."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOBILE = {"width": 360, "height": 740}


@pytest.fixture
def petitions(district, department, other_department):
    """A board, two categories and a few petitions in each light, some answered last year
    (tests/petitions/conftest.py is not loaded for browser tests)."""
    from sotong.petitions.models import Board, Category, Petition

    board = Board.objects.create(
        organization=district, code="daily", name="생활불편신고", kinds=["report"]
    )
    lights = Category.objects.create(organization=district, code="lights", name="가로정비")
    cleaning = Category.objects.create(organization=district, code="cleaning", name="청소")
    now = timezone.now()
    day = datetime.timedelta(days=1)
    rows = [
        # (received, due, answered, status, department, category)
        (now - 2 * day, now + 5 * day, None, "in_progress", department, lights),
        (now - 6.5 * day, now + 0.5 * day, None, "in_progress", department, lights),
        (now - 10 * day, now - 3 * day, None, "assigned", other_department, cleaning),
        (now - 400 * day, now - 393 * day, now - 395 * day, "closed", department, cleaning),
        (now - 40 * day, now - 33 * day, now - 30 * day, "closed", other_department, lights),
        (now - 20 * day, now - 13 * day, now - 15 * day, "closed", department, None),
    ]
    for n, (received, due, answered, status, dept, category) in enumerate(rows):
        Petition.objects.create(
            organization=district,
            board=board,
            kind="report",
            category=category,
            channel="web",
            title=f"가로등이 꺼져 있습니다 {n}",
            body="밤에 골목이 어둡습니다.",
            received_at=received,
            due_at=due,
            answered_at=answered,
            status=status,
            department=dept,
            period="7일",
        )
    return district


@pytest.fixture
def chief(district):
    from sotong.accounts.models import User
    from sotong.org.models import Staff

    user = User.objects.create_user(
        email="chief@testgu.go.kr", password="correct-horse-9", display_name="구청장"
    )
    Staff.objects.create(user=user, organization=district, name="구청장", position="chief")
    return user


def _scrolls_sideways(page: Page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
    )


def test_dashboard_is_accessible(
    page: Page, assert_accessible, keyboard_reach, login, settings, petitions, chief
):
    settings.SOTONG_STAFF_MFA_REQUIRED = False
    login(page, chief)
    page.goto("/petitions/staff/dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("민원 처리 현황판")
    # The month-by-department table scrolls inside its region, not the page.
    assert not _scrolls_sideways(page)
    expect(page.get_by_role("img", name="처리 기한 신호등: 열린 민원 건수")).to_be_visible()
    assert_accessible(page)

    keyboard_reach(page, "a[href*='light=overdue']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("신호등 지연 민원")
    expect(page.get_by_role("row")).to_have_count(2)  # header + the one overdue petition
    assert_accessible(page)

    page.set_viewport_size(MOBILE)
    page.goto("/petitions/staff/dashboard")
    assert_accessible(page)
    assert not _scrolls_sideways(page)


def test_public_stats_page_is_accessible(page: Page, assert_accessible, petitions):
    page.goto(f"/petitions/stats?org={petitions.code}")
    expect(page.get_by_role("heading", level=1)).to_have_text("시험구 민원 통계")
    expect(page.get_by_role("img", name="연도별 민원 건수")).to_be_visible()
    table = page.get_by_role("table", name="분야별·연도별 민원 건수 (단위: 건, 접수 연도 기준)")
    expect(table.get_by_role("row", name="가로정비")).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size(MOBILE)
    page.goto(f"/petitions/stats?org={petitions.code}")
    assert_accessible(page)
    assert not _scrolls_sideways(page)
