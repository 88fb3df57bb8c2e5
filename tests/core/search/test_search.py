"""search(): ranking, filters, pagination and hits, on whichever database DATABASE_URL selects
(the suite runs on SQLite and on PostgreSQL; every expectation here holds on both)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from sotong.core.search import search


def titles(page):
    return [hit.title for hit in page.hits]


def test_title_weighs_more_than_body(docs):
    body_hit = docs.add("민원 안내", "여권 발급은 구청 민원실에서 합니다")
    title_hit = docs.add("여권 발급 안내", "구청 민원실에서 합니다")
    for n in range(6):
        docs.add(f"다른 안내 {n}", "주민센터 민원 처리")
    page = search(user=None, q="여권 발급")
    assert [hit.object_id for hit in page.hits[:2]] == [str(title_hit.pk), str(body_hit.pk)]


def test_documents_matching_more_distinct_words_rank_higher(docs):
    # Same length, same words; only how many distinct query words each holds differs.
    three = docs.add("공지 1", "기초연금 신청 서류 접수 안내 주민센터")
    two = docs.add("공지 2", "기초연금 신청 도로 접수 안내 주민센터")
    one = docs.add("공지 3", "기초연금 공원 도로 접수 안내 주민센터")
    for n in range(8):
        docs.add(f"공지 {n + 4}", f"도로 공원 접수 안내 {n}")
    page = search(user=None, q="기초연금 신청 서류")
    assert [hit.object_id for hit in page.hits] == [str(three.pk), str(two.pk), str(one.pk)]
    assert page.hits[0].score > page.hits[1].score > page.hits[2].score > 0


def test_any_word_finds_a_document(docs):
    docs.add("불법 주정차 신고", "견인 안내")
    docs.add("쓰레기 배출 요일", "종량제 봉투")
    page = search(user=None, q="아빠 육아휴직 쓰레기 수당")
    assert titles(page) == ["쓰레기 배출 요일"]


def test_particles_endings_and_spacing_do_not_decide(docs):
    docs.add("육아휴직 급여 안내", "고용센터에 신청합니다")
    docs.add("다른 안내", "주차 요금")
    for q in ("육아휴직", "육아 휴직은요", "육아휴직을 하려면", "육아휴직급여"):
        assert titles(search(user=None, q=q)) == ["육아휴직 급여 안내"], q


def test_filters_by_type_organization_category_and_date(docs, district, city):
    kept = docs.add(
        "주차 안내",
        "공영 주차 요금",
        organization=district.pk,
        category="교통",
        date=timezone.make_aware(datetime(2024, 5, 10, 9)),
    )
    docs.add("주차 공사", "주차 공사 일정", organization=city.pk, category="교통")
    docs.add("주차 민원", "주차 민원 처리", organization=district.pk, category="행정")
    docs.add(
        "주차 단속",
        "주차 단속 시간",
        organization=district.pk,
        category="교통",
        date=timezone.make_aware(datetime(2023, 1, 1)),
    )
    page = search(
        user=None,
        q="주차",
        organization=district,
        category="교통",
        date_from=date(2024, 5, 10),
        date_to=date(2024, 5, 10),
    )
    assert [hit.object_id for hit in page.hits] == [str(kept.pk)]
    assert page.hits[0].category == "교통"
    assert page.hits[0].organization_id == district.pk
    assert search(user=None, q="주차", organization=district.pk).total == 3
    assert search(user=None, q="주차", types=["note"]).total == 4
    assert search(user=None, q="주차", types=["nothing"]).total == 0
    assert search(user=None, q="주차", date_to=date(2023, 12, 31)).total == 1


def test_types_are_weighted_each_with_their_own_fields(docs, district):
    from sotong.core.search import DocumentType, index_objects, register, unregister
    from sotong.org.models import Organization

    register(
        DocumentType(
            name="org_note",
            label="기관 메모",
            model=Organization,
            fields={"title": 1.0},
            extract=lambda org: {"title": org.description, "body": "무시되는 본문 여권"},
            url=lambda org: f"/orgs/{org.pk}",
        )
    )
    try:
        note = docs.add("여권 발급", "구청")
        org = Organization.objects.create(
            code="passport", name="여권센터", kind="city", head_title="장", description="여권 센터"
        )
        index_objects("org_note", [org])
        page = search(user=None, q="여권")
        assert {(hit.type, hit.type_label) for hit in page.hits} == {
            ("note", "메모"),
            ("org_note", "기관 메모"),
        }
        assert {hit.object_id for hit in page.hits} == {str(note.pk), str(org.pk)}
        # The body of org_note is not indexed: its words find nothing.
        assert search(user=None, q="무시되는 본문", types=["org_note"]).total == 0
    finally:
        unregister("org_note")


def test_pagination(docs):
    for n in range(25):
        docs.add(f"버스 노선 {n}", f"버스 정류장 {n}")
    first = search(user=None, q="버스", per_page=10)
    last = search(user=None, q="버스", page=3, per_page=10)
    beyond = search(user=None, q="버스", page=9, per_page=10)
    assert (first.total, first.num_pages, first.has_next, first.has_previous) == (
        25,
        3,
        True,
        False,
    )
    assert (len(last.hits), last.has_next, last.has_previous, last.start_index) == (
        5,
        False,
        True,
        21,
    )
    assert beyond.hits == [] and beyond.total == 25
    seen = [h.object_id for p in (1, 2, 3) for h in search(user=None, q="버스", page=p).hits]
    assert len(seen) == len(set(seen)) == 25
    assert search(user=None, q="버스", page=0).page == 1
    assert search(user=None, q="버스", page="x", per_page=10_000).per_page == 100


def test_hits_carry_marked_escaped_snippets(docs):
    docs.add(
        "육아휴직 <b>안내</b>",
        "처음 문장입니다. " * 20
        + "아빠 육아휴직 장려금은 <script>alert(1)</script> 매월 지급합니다. "
        + "끝 " * 50,
    )
    hit = search(user=None, q="아빠 육아휴직 장려금").hits[0]
    assert "<mark>육아휴직</mark>" in hit.snippet
    assert "<mark>아빠</mark>" in hit.snippet and "<mark>장려금</mark>" in hit.snippet
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert hit.title == "육아휴직 <b>안내</b>"
    assert str(hit.title_html) == "<mark>육아휴직</mark> &lt;b&gt;안내&lt;/b&gt;"
    assert hit.url.startswith("/notes/")


def test_query_count_does_not_grow_with_hits(docs, django_assert_num_queries):
    docs.add("공원 안내", "공원 시설")
    with django_assert_num_queries(3):
        page = search(user=None, q="공원 시설", per_page=30)
    assert len(page.hits) == 1
    for n in range(29):
        docs.add(f"공원 안내 {n}", f"공원 시설 {n}")
    with django_assert_num_queries(3):
        page = search(user=None, q="공원 시설", per_page=30)
    assert len(page.hits) == 30


def test_common_words_only_score_when_rarer_ones_bring_candidates(docs, monkeypatch):
    from sotong.core.search.backends import get_backend

    rare = docs.add("장려금 안내", "신청 방법")
    docs.add("신청 안내", "신청 신청")
    for n in range(5):
        docs.add(f"신청 {n}", "신청 서류")
    backend = get_backend()
    monkeypatch.setattr(backend, "candidate_budget", 2)
    page = search(user=None, q="장려금 신청")
    # 신청 is in 7 documents, more than the budget: it only adds to 장려금's candidates.
    assert [hit.object_id for hit in page.hits] == [str(rare.pk)]
    assert not page.truncated


def test_a_word_too_common_reads_only_the_newest_documents(docs, monkeypatch):
    from sotong.core.search.backends import get_backend

    made = [docs.add(f"공지 {n}", "주차 요금") for n in range(10)]
    monkeypatch.setattr(get_backend(), "candidate_budget", 3)
    page = search(user=None, q="주차")
    assert page.truncated
    assert {hit.object_id for hit in page.hits} <= {str(d.pk) for d in made[-4:]}
    assert 1 <= page.total <= 4


@pytest.mark.parametrize("q", ["", "   ", "?!", "😀"])
def test_queries_without_words_give_an_empty_page(docs, q):
    docs.add("주차 안내", "주차")
    page = search(user=None, q=q)
    assert (page.total, page.hits, page.num_pages, page.has_next) == (0, [], 1, False)
