"""The public organisation pages of the demo government in a real Chromium: accessible (axe-core),
usable at 360 px, the staffing table reachable by keyboard, and no staff names."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOBILE = {"width": 360, "height": 740}


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo_load", "--quiet")


@pytest.mark.parametrize("path", ["/org/", "/org/seoul/", "/org/seodaemun/", "/org/junggu/"])
def test_organisation_pages_are_accessible(page: Page, assert_accessible, demo, path):
    response = page.goto(path)
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size(MOBILE)
    assert_accessible(page)
    # Nothing but the staffing table (in its own scrolling region) may overflow at 360 px.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_seoul_staffing_table_by_keyboard(page: Page, keyboard_reach, demo):
    page.goto("/org/seoul/")
    table = page.get_by_role("table", name="서울특별시 부서별·급별 정원과 현원")
    expect(table).to_be_visible()
    expect(table.locator("tfoot")).to_contain_text("138")
    expect(table.locator("tfoot")).to_contain_text("143")
    expect(table.locator("tfoot")).to_contain_text("과원 5")
    keyboard_reach(page, ".krds-table-wrap[tabindex='0']", max_tabs=60)


def test_no_staff_name_on_public_pages(page: Page, demo):
    from sotong.org.models import Staff

    names = list(Staff.objects.values_list("name", flat=True))
    for path in ["/org/seoul/", "/org/seodaemun/", "/org/junggu/", "/org/yeongdeungpo/"]:
        page.goto(path)
        text = page.locator("body").inner_text()
        assert not [name for name in names if name in text], path
