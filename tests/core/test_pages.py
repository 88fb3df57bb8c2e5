"""The base layout, the home page, the language switch and the error pages (server side; the same
pages are driven in a real browser by tests/e2e/test_e2e_pages.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import BadRequest, PermissionDenied
from django.db import DatabaseError
from django.template import Context, Template, loader
from django.test import Client
from django.urls import path
from django.utils import translation

from sotong import urls as sotong_urls
from sotong.core import views as core_views
from sotong.org.models import Organization

STATIC_DIR = Path(core_views.__file__).resolve().parent.parent / "static"


# --- a URL configuration with views that fail, for the error handlers --------------------------
def _forbidden(request):
    raise PermissionDenied


def _bad_request(request):
    raise BadRequest("malformed")


def _server_error(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("test/403/", _forbidden),
    path("test/400/", _bad_request),
    path("test/500/", _server_error),
    *sotong_urls.urlpatterns,
]
handler400 = getattr(sotong_urls, "handler400", None)
handler403 = sotong_urls.handler403
handler404 = sotong_urls.handler404
handler500 = sotong_urls.handler500
failing_urls = pytest.mark.urls(__name__)


def _district(city, code, name, name_en=""):
    return Organization.objects.create(
        code=code,
        name=name,
        name_en=name_en,
        kind=Organization.Kind.DISTRICT,
        parent=city,
        head_title="구청장",
    )


def _html(response) -> str:
    return response.content.decode()


# --- layout ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_layout_is_korean_with_skip_link_landmarks_and_assets(client):
    html = _html(client.get("/"))
    assert '<html lang="ko">' in html
    assert '<div id="krds-skip-link"><a href="#main">본문 바로가기</a></div>' in html
    assert '<main id="main" tabindex="-1">' in html
    assert '<header id="krds-header">' in html
    assert '<footer id="krds-footer">' in html
    assert 'aria-label="주 메뉴"' in html
    assert 'id="messages" class="sotong-messages" role="status"' in html
    for asset in (
        "/static/vendor/krds/css/component/output.css",
        "/static/css/sotong.css",
        "/static/vendor/htmx/htmx.min.js",
        "/static/vendor/krds/js/component/ui-script.js",
    ):
        assert asset in html
    assert "접근성 정책" in html
    assert "Apache License 2.0" in html


@pytest.mark.django_db
def test_anonymous_visitor_gets_login_and_signup(client):
    html = _html(client.get("/"))
    assert 'href="/accounts/login/" class="btn-navi login"' in html
    assert 'href="/accounts/signup/" class="btn-navi join"' in html
    assert "로그아웃" not in html


@pytest.mark.django_db
def test_logged_in_user_gets_my_page_and_a_logout_form_not_a_link(client, resident):
    client.force_login(resident)
    html = _html(client.get("/"))
    assert "btn-navi login" not in html
    assert 'href="/accounts/profile/" class="btn-navi my"' in html
    logout = re.search(
        r'<form method="post" action="/accounts/logout/"[^>]*>(.*?)</form>', html, re.S
    )
    assert logout, "logout must be a POST form"
    assert 'name="csrfmiddlewaretoken"' in logout.group(1)


@pytest.mark.django_db
def test_logout_form_logs_out(client, resident):
    client.force_login(resident)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "btn-navi login" in _html(client.get("/"))


@pytest.mark.django_db
def test_staff_member_sees_their_organisation_in_header_and_footer(
    client, officer, district, settings
):
    settings.SOTONG_STAFF_MFA_REQUIRED = False  # the second factor is not what this tests
    district.address = "서울특별시 시험구 시험로 1"
    district.phone = "02-000-0000"
    district.save()
    client.force_login(officer)
    html = _html(client.get("/"))
    header = html.split('<header id="krds-header">')[1].split("</header>")[0]
    assert f'<a href="{district.get_absolute_url()}">시험구</a>' in header
    footer = html.split('<footer id="krds-footer">')[1]
    assert "서울특별시 시험구 시험로 1" in footer
    assert "02-000-0000" in footer


@pytest.mark.django_db
def test_resident_and_anonymous_pages_name_no_organisation(client, resident, district):
    for login in (False, True):
        if login:
            client.force_login(resident)
        response = client.get("/")
        assert response.status_code == 200
        html = _html(response)
        assert district.get_absolute_url() in html  # the organisation is listed, not "current"
        assert "sotong-current-org" not in html


@pytest.mark.django_db
def test_organisation_given_by_the_view_wins_over_the_staff_organisation(rf, officer, city):
    request = rf.get("/")
    request.user = officer
    html = loader.render_to_string(
        "core/home.html", {"cities": [], "current_organization": city}, request=request
    )
    assert '<p class="sotong-current-org">' in html
    assert ">시험특별시</a>" in html
    assert ">시험구</a>" not in html


def test_messages_are_shown_in_the_status_region(rf):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = rf.get("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    from django.contrib import messages

    messages.success(request, "저장했습니다.")
    html = loader.render_to_string("core/home.html", {"cities": []}, request=request)
    region = html.split('role="status">')[1].split("</div>")[0]
    assert '<li class="sotong-message sotong-message-success">저장했습니다.</li>' in region


def test_breadcrumb_marks_the_current_page_and_links_the_rest():
    html = loader.render_to_string(
        "includes/breadcrumb.html", {"crumbs": [("기관 안내", "/org/"), ("시험구", "/org/testgu/")]}
    )
    assert '<a class="txt" href="/">홈</a>' in html
    assert '<a class="txt" href="/org/">기관 안내</a>' in html
    assert '<span class="txt" aria-current="page">시험구</span>' in html
    assert 'href="/org/testgu/"' not in html


# --- language switch -------------------------------------------------------------------------
@pytest.mark.django_db
def test_language_switch_is_a_post_form_offering_english(client):
    html = _html(client.get("/?page=2"))
    form = re.search(r'<form method="post" action="/i18n/setlang/"[^>]*>(.*?)</form>', html, re.S)
    assert form
    body = form.group(1)
    assert 'name="csrfmiddlewaretoken"' in body
    assert '<input type="hidden" name="next" value="/?page=2">' in body
    assert 'name="language" value="en"' in body


@pytest.mark.django_db
def test_switching_to_english_changes_the_interface_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = _html(client.get("/"))
    assert '<html lang="en">' in html
    assert "Skip to main content" in html
    assert ">Log in<" in html
    assert "Accessibility policy" in html
    assert "본문 바로가기" not in html
    assert 'name="language" value="ko"' in html
    client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    assert '<html lang="ko">' in _html(client.get("/"))


@pytest.mark.django_db
def test_english_page_uses_english_organisation_names(client, city):
    _district(city, "mapo", "마포구", "Mapo-gu")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = _html(client.get("/"))
    assert ">Mapo-gu</a>" in html
    # No English name recorded: the Korean one is shown.
    assert ">시험특별시</a>" in html


def test_localized_name_filter():
    org = Organization(name="서대문구", name_en="Seodaemun-gu")
    template = Template("{% load sotong_tags %}{{ org|localized_name }}")
    with translation.override("ko"):
        assert template.render(Context({"org": org})) == "서대문구"
    with translation.override("en"):
        assert template.render(Context({"org": org})) == "Seodaemun-gu"
        org.name_en = ""
        assert template.render(Context({"org": org})) == "서대문구"


# --- home page ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_home_without_organisations_shows_the_empty_state(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        html = _html(client.get("/"))
    assert "아직 등록된 기관이 없습니다." in html
    assert "<code>manage.py demo_load</code>" in html
    assert "관리 화면" in html


@pytest.mark.django_db
def test_home_lists_each_city_with_its_districts_as_links(client, city):
    _district(city, "seodaemun", "서대문구")
    _district(city, "jung", "중구")
    other = Organization.objects.create(
        code="othercity", name="다른광역시", kind=Organization.Kind.CITY, head_title="시장"
    )
    _district(other, "othergu", "다른구")
    html = _html(client.get("/"))
    assert "아직 등록된 기관이 없습니다." not in html
    test_city = html.split('id="city-testcity"')[1].split("</section>")[0]
    assert '<a href="/org/testcity/">시험특별시</a>' in test_city
    assert '<a class="sotong-tile" href="/org/seodaemun/">서대문구</a>' in test_city
    assert '<a class="sotong-tile" href="/org/jung/">중구</a>' in test_city
    assert "다른구" not in test_city
    assert test_city.index("서대문구") < test_city.index("중구")  # 가나다 order
    assert "자치구 2곳" in test_city
    other_city = html.split('id="city-othercity"')[1].split("</section>")[0]
    assert '<a class="sotong-tile" href="/org/othergu/">다른구</a>' in other_city


@pytest.mark.django_db
def test_home_city_without_districts_says_so(client, city):
    html = _html(client.get("/"))
    assert "이 시에 등록된 자치구가 아직 없습니다." in html


@pytest.mark.django_db
def test_home_shows_the_entry_points_that_exist(client, resident, city):
    html = _html(client.get("/"))
    entries = html.split('id="entry-title"')[1]
    assert 'href="/accounts/login/"' in entries
    assert 'href="/accounts/signup/"' in entries
    assert 'href="#organizations"' in entries
    client.force_login(resident)
    entries = _html(client.get("/")).split('id="entry-title"')[1]
    assert 'href="/accounts/login/"' not in entries
    assert "내 정보" in entries


@pytest.mark.django_db
def test_home_queries_do_not_grow_with_cities_and_districts(
    client, city, django_assert_num_queries
):
    _district(city, "onegu", "일구")
    with django_assert_num_queries(2):
        client.get("/")
    for n in range(2):
        extra_city = Organization.objects.create(
            code=f"city{n}", name=f"도시{n}", kind=Organization.Kind.CITY, head_title="시장"
        )
        for m in range(6):
            _district(extra_city, f"gu{n}x{m}", f"구{n}-{m}")
    with django_assert_num_queries(2):
        html = _html(client.get("/"))
    assert html.count('class="sotong-tile"') == 13


@pytest.mark.django_db
def test_home_queries_for_a_logged_in_staff_member(
    client, officer, city, django_assert_num_queries, settings
):
    settings.SOTONG_STAFF_MFA_REQUIRED = False
    for n in range(5):
        _district(city, f"gu{n}", f"구{n}")
    client.force_login(officer)
    # cities, districts, session, user, the staff member's organisation, whether the menu offers
    # the notification staff pages
    with django_assert_num_queries(6):
        response = client.get("/")
    assert response.status_code == 200
    assert "sotong-current-org" in _html(response)


# --- error pages -------------------------------------------------------------------------------
def test_root_urlconf_declares_every_error_handler():
    assert sotong_urls.handler400 == "sotong.core.views.error_400"
    assert sotong_urls.handler403 == "sotong.core.views.error_403"
    assert sotong_urls.handler404 == "sotong.core.views.error_404"
    assert sotong_urls.handler500 == "sotong.core.views.error_500"


def _assert_error_page(response, status: int, heading: str) -> str:
    assert response.status_code == status
    html = _html(response)
    assert '<html lang="ko">' in html
    assert f"<h1>{heading}</h1>" in html
    assert '<a href="/" class="krds-btn primary medium">첫 화면으로 가기</a>' in html
    assert '<a href="#main">본문 바로가기</a>' in html
    assert "이렇게 해 보세요" in html
    return html


@pytest.mark.django_db
def test_404_page(client):
    html = _assert_error_page(client.get("/no-such-page/"), 404, "페이지를 찾을 수 없습니다")
    assert "오류 404" in html
    assert 'action="/i18n/setlang/"' in html  # full layout, language switch included


@pytest.mark.django_db
@failing_urls
def test_403_page_offers_login_to_anonymous_visitors(client):
    html = _assert_error_page(client.get("/test/403/"), 403, "이 페이지를 볼 권한이 없습니다")
    assert '<a href="/accounts/login/">로그인</a>한 뒤 다시 시도해 주세요.' in html


@pytest.mark.django_db
@failing_urls
def test_403_page_for_a_logged_in_user(client, resident):
    client.force_login(resident)
    html = _assert_error_page(client.get("/test/403/"), 403, "이 페이지를 볼 권한이 없습니다")
    assert "다른 계정으로 로그인해야" in html


@pytest.mark.django_db
@failing_urls
def test_400_page(client):
    html = _assert_error_page(client.get("/test/400/"), 400, "요청을 처리할 수 없습니다")
    assert "오류 400" in html


@pytest.mark.django_db
@failing_urls
def test_500_page(client):
    client.raise_request_exception = False
    html = _assert_error_page(client.get("/test/500/"), 500, "일시적인 오류가 발생했습니다")
    assert "오류 500" in html
    # Bare context: nothing that needs the request, the session or the database.
    assert "csrfmiddlewaretoken" not in html
    assert 'action="/i18n/setlang/"' not in html


@pytest.mark.django_db
@failing_urls
def test_500_page_in_english(client):
    client.raise_request_exception = False
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/test/500/")
    assert response.status_code == 500
    assert '<html lang="en">' in _html(response)
    assert "A temporary error occurred" in _html(response)


def test_500_template_renders_with_a_bare_context_and_no_database():
    # No django_db mark: any query would raise.
    html = loader.get_template("errors/500.html").render({})
    assert "<h1>일시적인 오류가 발생했습니다</h1>" in html
    assert 'href="/accounts/login/"' in html


def test_500_handler_falls_back_to_a_last_resort_page(rf, monkeypatch):
    def broken(name, *args, **kwargs):
        raise RuntimeError("template engine down")

    monkeypatch.setattr(core_views.loader, "get_template", broken)
    response = core_views.error_500(rf.get("/"))
    assert response.status_code == 500
    assert "일시적인 오류가 발생했습니다" in _html(response)
    assert 'lang="en"' in _html(response)


@pytest.mark.django_db
def test_404_survives_a_failing_database_behind_the_layout(client, officer, monkeypatch, settings):
    settings.SOTONG_STAFF_MFA_REQUIRED = False
    client.force_login(officer)

    def broken(request):
        raise DatabaseError("database is down")

    monkeypatch.setattr("sotong.org.context_processors._staff_organization", broken)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = _html(response)
    assert "<h1>페이지를 찾을 수 없습니다</h1>" in html
    assert 'action="/i18n/setlang/"' not in html  # the bare layout was used


@pytest.mark.django_db
def test_csrf_failure_page_is_ours(resident):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 403
    assert "<h1>보안 확인에 실패했습니다</h1>" in _html(response)


# --- vendored assets ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "asset",
    [
        "vendor/krds/css/component/output.css",
        "vendor/krds/css/token/krds_tokens.css",
        "vendor/krds/js/component/ui-script.js",
        "vendor/krds/fonts/PretendardGOV-Regular.subset.woff2",
        "vendor/krds/fonts/PretendardGOV-Bold.subset.woff2",
        "vendor/krds/LICENSE",
        "vendor/krds/fonts/LICENSE-PretendardGOV.txt",
        "vendor/htmx/htmx.min.js",
        "vendor/htmx/LICENSE",
        "css/sotong.css",
        "img/favicon.svg",
    ],
)
def test_vendored_and_own_assets_are_found(asset):
    assert finders.find(asset), asset


def test_every_url_in_our_css_and_krds_css_exists():
    """collectstatic with the manifest storage (production) fails on a missing reference."""
    for css in ("css/sotong.css", "vendor/krds/css/component/output.css"):
        path = STATIC_DIR / css
        text = path.read_text(encoding="utf-8")
        refs = re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", text)
        refs += re.findall(r"@import\s+['\"]([^'\"]+)['\"]", text)
        remote = [r for r in refs if r.startswith(("http:", "https:", "//"))]
        assert not remote, f"{css} loads from the network at run time: {remote}"
        local = [r for r in refs if not r.startswith(("data:", "#"))]
        assert local, css
        for ref in local:
            assert (path.parent / ref).resolve().is_file(), f"{css}: {ref}"
        assert "sourceMappingURL" not in text


@pytest.mark.django_db
def test_collectstatic_with_the_production_storage(tmp_path, settings):
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/krds/css/component/output.css" in manifest
    assert "css/sotong.css" in manifest
