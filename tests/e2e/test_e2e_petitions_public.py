"""The resident pages of petitions in a real Chromium: the board list, the web form (empty, with
its error summary, then filled in by keyboard), the receipt, the public timeline (also with the
petitioner's rating and reopen forms) and the listing pass axe-core at desktop and 360 px, and
their controls are reachable by keyboard."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOBILE = {"width": 360, "height": 740}


@pytest.fixture(autouse=True)
def _clean_cache():
    """The database cache holds the rate limits and is not flushed between live-server tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def board(district):
    from sotong.petitions.models import Board

    return Board.objects.create(
        organization=district,
        code="daily",
        name="생활불편신고",
        description="생활 속 불편을 알려 주세요.",
        kinds=["report", "grievance", "suggestion"],
    )


@pytest.fixture
def category(district, department):
    from sotong.petitions.models import Category

    return Category.objects.create(
        organization=district, code="street-light", name="가로정비", department=department
    )


@pytest.fixture
def answered(board, category, department, officer, resident):
    """A public answered petition of the resident with its public stages."""
    from sotong.petitions.models import Answer, Petition, PetitionEvent, Stage

    now = timezone.now()
    petition = Petition.objects.create(
        organization=board.organization,
        board=board,
        kind="report",
        category=category,
        channel="web",
        status="answered",
        title="가로등이 꺼져 있습니다",
        body="충현동 골목 가로등이 꺼져 있습니다. 연락처 010-1234-5678",
        user=resident,
        department=department,
        received_at=now - datetime.timedelta(days=3),
        due_at=now + datetime.timedelta(days=4),
        period="7일",
        answered_at=now - datetime.timedelta(hours=2),
    )
    for stage, days in ((Stage.RECEIVED, 3), (Stage.ASSIGNED, 2), (Stage.ANSWERED, 0)):
        PetitionEvent.objects.create(
            petition=petition,
            stage=stage,
            at=now - datetime.timedelta(days=days),
            department=department if stage != Stage.RECEIVED else None,
        )
    Answer.objects.create(
        petition=petition,
        body="가로등을 고쳤습니다.",
        state=Answer.State.APPROVED,
        drafted_by=officer.staff,
        decided_at=now,
    )
    return petition


def _tick(page: Page, box) -> None:
    """Checks a KRDS checkbox or radio the way a keyboard user does (its label covers the box)."""
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()


def _both_sizes(page: Page, assert_accessible) -> None:
    assert_accessible(page)
    page.set_viewport_size(MOBILE)
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.set_viewport_size({"width": 1280, "height": 800})


def test_board_list(page: Page, assert_accessible, keyboard_reach, board):
    page.goto("/petitions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("민원 신청")
    expect(page.get_by_role("heading", name="생활불편신고")).to_be_visible()
    _both_sizes(page, assert_accessible)
    page.goto("/petitions/")
    keyboard_reach(page, "a[href='/petitions/testgu/daily/new']", max_tabs=60)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/petitions/testgu/daily/new$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("생활불편신고")


def test_form_errors_then_submit_by_keyboard(
    page: Page, assert_accessible, keyboard_reach, login, board, category, resident
):
    login(page, resident)
    page.goto("/petitions/testgu/daily/new")
    _both_sizes(page, assert_accessible)
    page.get_by_role("button", name="민원 접수").click()
    summary = page.locator("#form-errors")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("제목을 입력하세요.")
    expect(summary).to_contain_text("동의해야")
    _both_sizes(page, assert_accessible)

    _tick(page, page.get_by_label("신고", exact=True))
    page.get_by_label("제목").fill("가로등이 꺼져 있습니다")
    page.get_by_label("내용").fill("충현동 골목 가로등이 사흘째 꺼져 있습니다.")
    expect(page.locator("#body-counter")).to_be_visible()
    page.get_by_label("위도 (선택)").fill("37.5663")
    page.get_by_label("경도 (선택)").fill("126.9779")
    _tick(page, page.get_by_label("위 개인정보 수집·이용에 동의합니다. (필수)"))
    keyboard_reach(page, "button[type=submit]:not([name])", max_tabs=40)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("민원이 접수되었습니다")
    _both_sizes(page, assert_accessible)

    from sotong.petitions.models import Petition

    petition = Petition.objects.get()
    assert petition.user_id == resident.pk and str(petition.latitude) == "37.566300"


def test_anonymous_form_shows_the_contact_step(page: Page, assert_accessible, board):
    page.goto("/petitions/testgu/daily/new")
    expect(page.get_by_role("heading", name="연락처 확인")).to_be_visible()
    _tick(page, page.get_by_label("신고", exact=True))
    page.get_by_label("제목").fill("보도블록이 깨졌습니다")
    page.get_by_label("내용").fill("시청 앞 보도블록이 깨져 걸려 넘어질 뻔했습니다.")
    _tick(page, page.get_by_label("휴대전화 (문자 인증번호로 확인)"))
    page.get_by_label("휴대전화 번호").fill("010-1234-5678")
    _tick(page, page.get_by_label("위 개인정보 수집·이용에 동의합니다. (필수)"))
    page.get_by_role("button", name="연락처 확인하고 접수하기").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("연락처 확인")
    expect(page.get_by_label("인증번호 6자리")).to_be_visible()
    _both_sizes(page, assert_accessible)


def test_timeline_public_and_owner(
    page: Page, assert_accessible, keyboard_reach, login, answered, resident
):
    page.goto(f"/petitions/{answered.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("가로등이 꺼져 있습니다")
    expect(page.locator("main")).not_to_contain_text("010-1234-5678")
    expect(page.locator("main")).to_contain_text("가로등을 고쳤습니다.")
    expect(page.locator("main")).to_contain_text("김*민")
    _both_sizes(page, assert_accessible)

    login(page, resident)
    page.goto(f"/petitions/{answered.pk}/")
    expect(page.get_by_role("heading", name="만족도 평가")).to_be_visible()
    _both_sizes(page, assert_accessible)
    page.get_by_role("button", name="평가 보내기").click()
    expect(page.locator("#form-errors")).to_be_visible()
    assert_accessible(page)
    _tick(page, page.get_by_label("4 · 만족").first)
    _tick(
        page,
        page.get_by_role("group", name="답변 내용은 충실했나요?").get_by_label("5 · 매우 만족"),
    )
    keyboard_reach(page, "form[action$='/rate'] button[type=submit]", max_tabs=80)
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("고맙습니다")
    assert_accessible(page)


def test_listing(page: Page, assert_accessible, keyboard_reach, answered):
    page.goto("/petitions/list")
    expect(page.get_by_role("heading", level=1)).to_have_text("민원 목록")
    expect(page.get_by_role("link", name="가로등이 꺼져 있습니다")).to_be_visible()
    _both_sizes(page, assert_accessible)
    page.goto("/petitions/list?status=%3Cb%3E&year=abc")
    expect(page.locator(".sotong-form-errors")).to_be_visible()
    assert_accessible(page)
    page.goto("/petitions/list")
    keyboard_reach(page, "form.sotong-filter button[type=submit]", max_tabs=60)
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="가로등이 꺼져 있습니다")).to_be_visible()
