"""The catalogue import pages in Chromium: the upload page (empty, with row errors) and the status
page (running, finished) pass axe-core, and the upload works by keyboard.

The `login` fixture makes a session without the TOTP step, so the staff second factor is switched
off here (settings.SOTONG_STAFF_MFA_REQUIRED = False); tests/guide/test_catalogue_io_views.py
logs staff in through TOTP."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADER = ["출처번호", "서비스명", "서비스목적", "분야", "제공기관", "제공기관유형", "생애주기"]


def csv_bytes(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@pytest.fixture
def manager(officer, settings):
    from django.contrib.auth.models import Permission

    settings.SOTONG_STAFF_MFA_REQUIRED = False
    officer.user_permissions.add(Permission.objects.get(codename="change_service"))
    return officer


def test_upload_page_with_errors(page: Page, login, manager, assert_accessible, keyboard_reach):
    login(page, manager)
    page.goto("/services/staff/import")
    expect(page.get_by_role("heading", level=1)).to_contain_text("서비스 목록 가져오기")
    assert_accessible(page)

    keyboard_reach(page, "input[type=file]")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "목록.csv",
                "mimeType": "text/csv",
                "buffer": csv_bytes(
                    [
                        [
                            "A-1",
                            "어르신 교통비",
                            "교통비 지원",
                            "복지서비스",
                            "시험구청",
                            "복지관",
                            "",
                        ],
                        [
                            "A-2",
                            "청년 월세",
                            "월세 지원",
                            "주거·자립",
                            "시험구청",
                            "복지관",
                            "젊은이",
                        ],
                    ]
                ),
            }
        ],
    )
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("아무것도 가져오지 않았습니다")
    expect(page.get_by_role("alert")).to_contain_text("2행 '분야' 열")
    expect(page.get_by_role("alert")).to_contain_text("3행 '생애주기' 열")
    assert_accessible(page)


def test_upload_and_status(page: Page, login, manager, assert_accessible):
    from sotong.guide.models import CatalogueImport, Service

    login(page, manager)
    page.goto("/services/staff/import")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "목록.csv",
                "mimeType": "text/csv",
                "buffer": csv_bytes(
                    [
                        [
                            "A-1",
                            "어르신 교통비",
                            "교통비 지원",
                            "생활안정",
                            "시험구청",
                            "복지관",
                            "어르신",
                        ]
                    ]
                ),
            }
        ],
    )
    page.get_by_role("button", name="검사하고 가져오기").click()
    # The immediate task backend has imported it by the time the status page shows.
    expect(page.get_by_role("heading", level=1)).to_contain_text("서비스 목록 가져오기 #")
    expect(page.locator("#import-status")).to_contain_text("새로 만든 서비스 1개")
    assert Service.objects.filter(source_id="A-1").exists()
    assert_accessible(page)

    running = CatalogueImport.objects.create(
        organization=manager.staff.organization,
        file_name="큰목록.csv",
        status=CatalogueImport.Status.IMPORTING,
        total=200,
        done=50,
        created_by=manager,
    )
    page.goto(f"/services/staff/import/{running.pk}")
    expect(page.locator("progress")).to_have_attribute("value", "50")
    assert_accessible(page)
    # Polling swaps in the finished state.
    CatalogueImport.objects.filter(pk=running.pk).update(
        status=CatalogueImport.Status.DONE, done=200, created=200
    )
    expect(page.locator("#import-status")).to_contain_text("새로 만든 서비스 200개", timeout=10000)
    assert_accessible(page)
