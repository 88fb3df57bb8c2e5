"""The public search page `/search`: results the visitor may see, filters, pages, and a clean page
for any input."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from sotong.core.search_page import QUERY_MAX, clean_query, page_window

pytestmark = pytest.mark.django_db

URL = "/search"


@pytest.fixture
def faq(db):
    """Makes FAQ entries and brings the search index up to date."""
    from sotong.guide.models import FaqEntry

    def make(*entries, **common):
        made = [FaqEntry.objects.create(**{**common, **entry}) for entry in entries]
        call_command("search_reindex", "faq", stdout=_Null(), stderr=_Null())
        return made

    return make


class _Null:
    def write(self, *args, **kwargs):
        return 0

    def flush(self):
        return None


@pytest.fixture
def knowledge(faq, city):
    return faq(
        {
            "title": "아빠 육아휴직 장려금",
            "answer": "남성근로자의 육아휴직을 장려하고 양육에 따른 경제적 부담을 덜어 드립니다.",
            "category": "welfare",
            "source_id": "1",
        },
        {
            "title": "대형폐기물은 어떻게 버리나요?",
            "answer": "구청 누리집에서 신고하고 스티커를 붙여 내놓습니다.",
            "category": "environment",
            "source_id": "2",
        },
        {
            "title": "비공개 육아휴직 안내",
            "answer": "육아휴직 내부 자료",
            "category": "welfare",
            "source_id": "3",
            "published": False,
        },
        source="seoul120",
        organization=city,
    )


def get(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def hits(html: str) -> list[str]:
    """The titles of the hits on the page, without their <mark>s."""
    titles = re.findall(r'<h3 class="sotong-hit-title"><a href="[^"]+">(.*?)</a></h3>', html)
    return [re.sub(r"</?mark>", "", title) for title in titles]


# --- results --------------------------------------------------------------------------------


def test_anyone_finds_published_entries_with_kind_link_snippet_and_date(
    client, knowledge, django_assert_num_queries
):
    with django_assert_num_queries(4):
        html = get(client, q="아빠가 육아휴직하면 돈 주나요")
    entry = knowledge[0]
    assert hits(html) == ["아빠 육아휴직 장려금"]
    assert (
        f'<a href="{entry.get_absolute_url()}"><mark>아빠</mark> <mark>육아휴직</mark> 장려금</a>'
        in html
    )
    assert "자주 묻는 질문" in html
    assert "<mark>육아휴직</mark>" in html
    assert entry.updated_at.astimezone().strftime("%Y-%m-%d") in html
    assert "검색 결과 1건" in html
    # The query stays in the search box.
    assert 'value="아빠가 육아휴직하면 돈 주나요"' in html


def test_a_resident_finds_them_too(client, knowledge, resident, django_assert_num_queries):
    client.force_login(resident)
    with django_assert_num_queries(9):
        html = get(client, q="육아휴직")
    assert hits(html) == ["아빠 육아휴직 장려금"]


def test_unpublished_entries_never_appear(knowledge, admin_client):
    from django.test import Client

    # Not to visitors, and not to a superuser either: the page shows what is public.
    for browser in (Client(), admin_client):
        html = get(browser, q="비공개 육아휴직 내부 자료")
        assert hits(html) == ["아빠 육아휴직 장려금"]
        assert knowledge[2].get_absolute_url() not in html
        assert "비공개 육아휴직 안내" not in html


def test_html_in_titles_and_answers_is_escaped(client, faq):
    faq({"title": "<script>alert(1)</script> 주차", "answer": "<b>주차</b> 안내", "source_id": "9"})
    html = get(client, q="주차")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>주차</mark>" in html
    assert "<b>주차</b>" not in html


def test_only_get_and_head_are_allowed(client):
    assert client.head(URL, {"q": "주차"}).status_code == 200
    assert client.post(URL, {"q": "주차"}).status_code == 405


# --- filters --------------------------------------------------------------------------------


def test_type_and_category_filters(client, knowledge):
    html = get(client, q="육아휴직 폐기물", type="faq", category="환경")
    assert hits(html) == ["대형폐기물은 어떻게 버리나요?"]
    assert '<option value="faq" selected>자주 묻는 질문</option>' in html
    assert '<option value="환경" selected>환경</option>' in html
    # Only categories that hold something are offered.
    assert '<option value="복지">복지</option>' in html
    assert '<option value="교통">' not in html
    html = get(client, q="육아휴직 폐기물")
    assert set(hits(html)) == {"아빠 육아휴직 장려금", "대형폐기물은 어떻게 버리나요?"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"type": "petition'--"}, "알 수 없는 종류입니다"),
        ({"type": "x" * 5000}, "알 수 없는 종류입니다"),
        ({"category": "<script>"}, "알 수 없는 분류입니다"),
        ({"category": "복지\x00"}, "알 수 없는 분류입니다"),
        ({"category": "welfare"}, "알 수 없는 분류입니다"),
        ({"category": "교통"}, "알 수 없는 분류입니다"),
    ],
)
def test_bad_filters_get_a_message_and_the_search_runs_without_them(
    client, knowledge, params, message
):
    html = get(client, q="육아휴직", **params)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert hits(html) == ["아빠 육아휴직 장려금"]


def test_empty_result_offers_suggestions_and_dropping_the_filters(client, knowledge):
    html = get(client, q="육아휴직", type="faq", category="환경")
    assert "‘육아휴직’에 맞는 결과가 없습니다." in html
    assert "종류와 분류 조건을 빼고 다시 찾기" in html
    assert 'href="/search?q=%EA%B8%B0%EC%B4%88%EC%97%B0%EA%B8%88"' in html  # 기초연금


# --- pages ----------------------------------------------------------------------------------


@pytest.fixture
def many(faq):
    return faq(
        *[
            {"title": f"주차 안내 {n:02d}", "answer": "거주자우선주차 신청", "source_id": str(n)}
            for n in range(1, 26)
        ]
    )


def test_pages_with_aria_current(client, many, django_assert_num_queries):
    with django_assert_num_queries(4):
        html = get(client, q="주차", page="2")
    assert len(hits(html)) == 10
    assert "검색 결과 25건 중 2/3쪽" in html
    nav = html.split('class="krds-pagination')[1].split("</nav>")[0]
    assert re.search(r'href="\?q=%EC%A3%BC%EC%B0%A8&amp;page=2" aria-current="page"', nav)
    assert nav.count('aria-current="page"') == 1
    assert 'page=1"' in nav and 'page=3"' in nav
    assert '<ol class="sotong-hits" start="11">' in html


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "١", "99999999999999999999", " "])
def test_bad_page_numbers_show_the_first_page(client, many, page):
    html = get(client, q="주차", page=page)
    if page.strip():
        assert "쪽 번호가 올바르지 않아 첫 쪽을 보여 드립니다." in html
    assert "검색 결과 25건 중 1/3쪽" in html


def test_a_page_past_the_end_shows_the_last_page(client, many):
    html = get(client, q="주차", page="999")
    assert "결과는 3쪽까지 있어 마지막 쪽을 보여 드립니다." in html
    assert "검색 결과 25건 중 3/3쪽" in html
    assert len(hits(html)) == 5


def test_page_window():
    assert page_window(1, 1) == [1]
    assert page_window(1, 3) == [1, 2, 3]
    assert page_window(10, 20) == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert page_window(2, 20) == [1, 2, 3, 4, None, 20]


# --- any input ------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["", "   ", "\t\n", "\x00\x01", "\u200b"])
def test_an_empty_query_asks_for_one(client, q):
    html = get(client, q=q)
    assert "검색어를 입력하세요." in html
    assert "주민들이 자주 찾는 검색어" in html


def test_no_query_at_all(client):
    html = get(client)
    assert "검색어를 입력하세요." in html
    assert "<h1>검색</h1>" in html


BAD_QUERIES = [
    "가" * 10_000,
    "😀🎉👍",
    '"',
    "*",
    "OR",
    "NEAR(",
    ":",
    "title:주차",
    'NEAR("주차" "안내", 2)',
    "주차 OR 1=1; DROP TABLE services_faqentry; --",
    "주차\x00\x1b[31m\x7f",
    "주차 parking 駐車 ちゅうしゃ",
    "(((",
    "주차*",
    "-주차",
    "^",
    "'",
    "\\",
    "%_",
    "ＯＲ　主車",
]


@pytest.mark.parametrize("q", BAD_QUERIES)
def test_any_query_gives_a_clean_page(client, many, q):
    html = get(client, q=q)
    assert "검색 결과" in html


def test_a_very_long_query_is_cut_with_a_notice(client, many):
    html = get(client, q="주차 " * 5000)
    assert f"검색어가 너무 길어 앞의 {QUERY_MAX}자로 찾았습니다." in html
    assert len(re.search(r'id="search-q" name="q" value="([^"]*)"', html).group(1)) <= QUERY_MAX


def test_the_query_is_escaped_in_the_search_box(client):
    html = get(client, q='"><script>alert(1)</script>')
    assert "<script>alert(1)</script>" not in html
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_clean_query():
    assert clean_query("  육아\t휴직\n ") == ("육아 휴직", False)
    assert clean_query("주차\x00장") == ("주차 장", False)
    assert clean_query("가" * 300) == ("가" * QUERY_MAX, True)


def test_the_header_and_menu_lead_here(client):
    html = client.get(reverse("home")).content.decode()
    assert f'action="{URL}"' in html
    assert '<label for="header-search-q"' in html
    assert f'href="{URL}"' in html
