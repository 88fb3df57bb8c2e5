"""The petitions staff workspace in a real Chromium: the inbox and the case page pass axe-core,
and their main actions are reachable and usable by keyboard.

The `login` fixture makes a session without the TOTP step, so these tests switch the staff second
factor off (settings.SOTONG_STAFF_MFA_REQUIRED = False, the explicit switch for tests of pages
other than the login); tests/petitions/test_petitions_staff_views.py logs staff in through TOTP."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOBILE = {"width": 360, "height": 740}


@pytest.fixture
def intake(district, other_department):
    """An intake officer (tests/petitions/conftest.py is not loaded for browser tests)."""
    from django.contrib.auth.models import Permission

    from sotong.accounts.models import User
    from sotong.org.models import Staff

    user = User.objects.create_user(
        email="intake@testgu.go.kr", password="correct-horse-9", display_name="접수담당"
    )
    Staff.objects.create(
        user=user,
        organization=district,
        department=other_department,
        name="접수담당",
        position="officer",
        grade=8,
    )
    user.user_permissions.add(Permission.objects.get(codename="intake_petition"))
    return user


@pytest.fixture
def sample(district, department, officer, resident):
    from sotong.org.models import Staff
    from sotong.petitions.models import Board, Category, Petition

    board = Board.objects.create(
        organization=district,
        code="daily",
        name="생활불편신고",
        kinds=["report", "grievance"],
        checklist=["법령 근거 명시", "담당자 연락처 기재", "개인정보 미포함"],
    )
    category = Category.objects.create(
        organization=district, code="light", name="가로정비", department=department
    )
    now = timezone.now()

    def make(title, **fields):
        received = fields.pop("received_at", now - datetime.timedelta(days=1))
        values = {
            "organization": district,
            "board": board,
            "kind": "report",
            "category": category,
            "channel": "web",
            "title": title,
            "body": "밤에 골목이 어둡습니다.\n가로등을 고쳐 주세요.",
            "received_at": received,
            "due_at": fields.pop("due_at", received + datetime.timedelta(days=7)),
            "period": "7일",
        }
        values.update(fields)
        return Petition.objects.create(**values)

    late = make(
        "공원 보안등 고장",
        received_at=now - datetime.timedelta(days=10),
        due_at=now - datetime.timedelta(days=1),
    )
    make("횡단보도 신호등 꺼짐")
    mine = make(
        "골목 가로등이 꺼져 있습니다",
        department=department,
        handler=Staff.objects.get(user=officer),
        status="in_progress",
        user=resident,
        contact_email="resident@example.kr",
        personal_data_flagged=True,
    )
    return {"late": late, "mine": mine, "board": board}


def _login(page, login, settings, user):
    settings.SOTONG_STAFF_MFA_REQUIRED = False
    login(page, user)
    return page


def test_inbox_is_accessible_and_keyboard_usable(
    page: Page, login, settings, assert_accessible, keyboard_reach, intake, sample
):
    _login(page, login, settings, intake)
    page.goto("/petitions/staff/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("민원 업무")
    expect(page.get_by_role("table", name="민원 2건 (1/1쪽)")).to_be_visible()
    # The overdue row says so in words.
    row = page.get_by_role("row", name="공원 보안등 고장")
    expect(row).to_contain_text("지연")
    assert_accessible(page)
    keyboard_reach(page, f"a[href='/petitions/staff/{sample['late'].pk}/']", max_tabs=80)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("공원 보안등 고장")
    assert_accessible(page)
    page.goto("/petitions/staff/?light=overdue")
    expect(page.get_by_role("table", name="민원 1건 (1/1쪽)")).to_be_visible()
    page.set_viewport_size(MOBILE)
    assert_accessible(page)


def test_staff_entry_form_is_accessible(
    page: Page, login, settings, assert_accessible, intake, sample
):
    _login(page, login, settings, intake)
    page.goto("/petitions/staff/new")
    assert_accessible(page)
    page.get_by_role("button", name="접수하기").click()
    expect(page.get_by_role("alert")).to_contain_text("입력한 내용을 확인해 주세요")
    assert_accessible(page)


def test_case_page_is_accessible_and_answer_by_keyboard(
    page: Page, login, settings, assert_accessible, keyboard_reach, officer, sample
):
    from sotong.petitions.models import Answer

    _login(page, login, settings, officer)
    petition = sample["mine"]
    page.goto(f"/petitions/staff/{petition.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(petition.title)
    expect(page.get_by_role("note").first).to_contain_text("개인정보 주의")
    assert_accessible(page)

    # Write the answer and save it as a draft, keyboard only.
    keyboard_reach(page, "#id_answer-body", max_tabs=80)
    page.keyboard.type("가로등을 고쳤습니다.")
    page.keyboard.press("Tab")  # the first checklist item
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("임시 저장")
    page.keyboard.press("Enter")
    expect(page.locator(".sotong-messages, [role=status]").first).to_contain_text("임시 저장")
    assert Answer.objects.get(petition=petition).body == "가로등을 고쳤습니다."
    assert_accessible(page)

    # Submitting with an unticked item shows the error summary, still accessible.
    page.locator("#id_answer-checklist_0").uncheck()
    page.get_by_role("button", name="결재 요청").click()
    expect(page.get_by_role("alert")).to_contain_text("모든 점검 항목을 확인해 주세요.")
    assert_accessible(page)

    # The contact view: a button, then the contact once.
    page.goto(f"/petitions/staff/{petition.pk}/")
    keyboard_reach(page, "form[action$='/contact'] button", max_tabs=80)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("민원인 연락처")
    expect(page.get_by_text("resident@example.kr")).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size(MOBILE)
    page.goto(f"/petitions/staff/{petition.pk}/")
    assert_accessible(page)


def test_intake_case_page_with_assign_forms_is_accessible(
    page: Page, login, settings, assert_accessible, intake, sample
):
    _login(page, login, settings, intake)
    page.goto(f"/petitions/staff/{sample['late'].pk}/")
    expect(page.get_by_role("heading", name="배정 추천")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="배정하기").click()
    expect(page.get_by_role("alert")).to_contain_text("처리 부서")
    assert_accessible(page)
