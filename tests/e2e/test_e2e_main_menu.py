"""Shared page chrome: the main menu's list label follows the page's language (KRDS's script sets a
Korean one), and the legends naming form groups are visible (KRDS's reset hides them)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_main_menu_is_labelled_in_the_pages_language(page: Page, assert_accessible):
    page.goto("/")
    expect(page.locator(".gnb-menu")).to_have_attribute("aria-label", "메인 메뉴")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".gnb-menu")).to_have_attribute("aria-label", "Main menu")
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/services/", "/notify/subscribe"])
def test_group_labels_of_forms_are_visible(page: Page, path, district):
    """KRDS hides every legend; ours name checkbox groups and must be seen."""
    page.goto(path)
    legends = page.locator("legend.form-tit")
    assert legends.count() > 0
    for index in range(legends.count()):
        box = legends.nth(index).bounding_box()
        assert box is not None and box["height"] > 10 and box["width"] > 10


def test_a_focused_secondary_button_keeps_aa_contrast(page: Page, assert_accessible, district):
    """KRDS's focused secondary button is 4.26:1; sotong.css darkens its text on every page."""
    from sotong.guide.catalogue.services import service_create

    service = service_create(
        actor=None,
        organization=district,
        name="기초연금",
        summary="어르신 연금",
        field="livelihood",
        provider_name="보건복지부",
        provider_kind="central",
    )
    page.goto(f"/services/{service.pk}/")
    button = page.locator("#main .krds-btn.secondary").first
    button.focus()
    expect(button).to_be_focused()
    assert_accessible(page)
