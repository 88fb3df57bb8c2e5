"""Real-browser test harness: Playwright driving Debian's Chromium against pytest-django's
live_server, with axe-core for accessibility. See README.md in this folder for how to use it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio event loop registered on the main thread, which makes
# Django refuse ORM calls from the test body ("cannot call this from an async context"). The test
# body is plain synchronous code, so the guard does not apply here; set before Django looks.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 360, "height": 740}
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test, marked or not."""
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run; closed (with its processes) at the end."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make system-deps)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield instance
        finally:
            instance.close()


class PageProblems:
    """What went wrong in the browser while a test ran, checked when the page closes."""

    def __init__(self) -> None:
        self.script_errors: list[str] = []
        self.failed_assets: list[str] = []
        self.console_errors: list[str] = []

    def on_page_error(self, error: Exception) -> None:
        self.script_errors.append(str(error))

    def on_response(self, response: Response) -> None:
        # The document itself may be an error page on purpose; what it loads may not fail.
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed_assets.append(f"{response.status} {response.url}")

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    """A fresh browser context (no cookies) in Korean at desktop size whose relative URLs go to the
    live server (`page.goto("/")`). Fails the test if a script threw or a stylesheet, script, font
    or image failed to load; `page.problems` holds what was seen (console errors too)."""
    context = browser.new_context(
        base_url=live_server.url, locale="ko-KR", viewport=DESKTOP, service_workers="block"
    )
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    problems = PageProblems()
    new_page.on("pageerror", problems.on_page_error)
    new_page.on("response", problems.on_response)
    new_page.on("console", problems.on_console)
    new_page.problems = problems  # type: ignore[attr-defined]
    try:
        yield new_page
    finally:
        context.close()
    assert not problems.script_errors, f"JavaScript errors: {problems.script_errors}"
    assert not problems.failed_assets, f"assets that failed to load: {problems.failed_assets}"


def _format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']} "
            f"[{violation['helpUrl']}]"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    at {target}: {summary}")
    return "\n".join(lines)


def run_axe(page: Page, *, disable: tuple[str, ...] = ()) -> list[dict]:
    """Runs axe-core on the page as it is now and returns its violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    result = page.evaluate("options => axe.run(document, options)", options)
    return result["violations"]


@pytest.fixture
def assert_accessible() -> Callable[..., None]:
    """`assert_accessible(page)` fails the test with every axe-core violation (WCAG 2.0/2.1 A and
    AA, and best practice), each with the CSS targets of the offending elements."""

    def check(page: Page, *, disable: tuple[str, ...] = ()) -> None:
        violations = run_axe(page, disable=disable)
        if violations:
            pytest.fail(
                f"{page.url} has {len(violations)} accessibility violation(s):\n"
                + _format_violations(violations),
                pytrace=False,
            )

    return check


@pytest.fixture
def keyboard_reach() -> Callable[..., int]:
    """`keyboard_reach(page, selector)` presses Tab from where the focus is now (the top of the
    page right after `page.goto`) until an element matching `selector` has the focus, and returns
    how many presses it took. Fails if it is not reached within `max_tabs` presses."""

    def reach(page: Page, selector: str, *, max_tabs: int = 40) -> int:
        for presses in range(1, max_tabs + 1):
            page.keyboard.press("Tab")
            if page.evaluate(
                "sel => !!document.activeElement && document.activeElement.matches(sel)", selector
            ):
                return presses
        focused = page.evaluate(
            "() => document.activeElement ? document.activeElement.outerHTML.slice(0, 200) : null"
        )
        pytest.fail(
            f"{selector!r} not reached by keyboard within {max_tabs} Tab presses on {page.url}; "
            f"focus ended on {focused}",
            pytrace=False,
        )

    return reach


@pytest.fixture
def login(live_server) -> Callable[[Page, object], None]:
    """`login(page, user)` logs the browser in as `user` (any cast fixture) by handing it a session
    made on the server side, without going through the login form."""
    from django.conf import settings
    from django.test import Client

    def log_in(page: Page, user) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )

    return log_in
