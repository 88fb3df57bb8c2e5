"""The FAQ document type: what the index holds of an entry, and who finds it."""

import pytest

from sotong.core.search import get_type, search
from sotong.guide.faq import services
from sotong.guide.models import FaqEntry

pytestmark = pytest.mark.django_db

ROWS = [
    {
        "분류": "복지",
        "제목": "아빠 육아휴직 장려금",
        "내용": "남성근로자의 육아휴직을 장려합니다.",
        "내용번호": "1",
    },
    {
        "분류": "행정",
        "제목": "주민등록 등본 발급",
        "내용": "육아휴직 급여 신청에도 등본이 필요합니다.",
        "내용번호": "2",
    },
    {
        "분류": "환경",
        "제목": "대형폐기물 배출",
        "내용": "구청 누리집에서 신고합니다.",
        "내용번호": "3",
    },
]


def titles(page):
    return [hit.title for hit in page.hits]


def test_the_faq_type_is_registered_with_title_above_answer():
    doctype = get_type("faq")
    assert doctype is not None and doctype.model is FaqEntry
    assert str(doctype.label) == "자주 묻는 질문"
    assert doctype.fields["title"] > doctype.fields["body"]


def test_imported_entries_are_found_title_first_with_kind_category_and_date(seoul):
    services.faq_import(actor=None, rows=ROWS)
    page = search(q="육아휴직 하면 돈 주나요")
    assert titles(page) == ["아빠 육아휴직 장려금", "주민등록 등본 발급"]
    hit = page.hits[0]
    entry = FaqEntry.objects.get(source_id="1")
    assert (hit.type, hit.type_label, hit.url) == (
        "faq",
        "자주 묻는 질문",
        entry.get_absolute_url(),
    )
    assert hit.category == "복지"
    assert hit.date == entry.updated_at
    assert hit.organization_id == seoul.pk
    assert titles(search(q="육아휴직", category="행정")) == ["주민등록 등본 발급"]
    assert titles(search(q="육아휴직", organization=seoul)) == titles(page)


def test_a_changed_answer_is_found_by_its_new_words_after_reimport(seoul):
    services.faq_import(actor=None, rows=ROWS)
    changed = [*ROWS[:2], {**ROWS[2], "내용": "스티커를 붙여 내놓습니다."}]
    services.faq_import(actor=None, rows=changed)
    assert titles(search(q="스티커")) == ["대형폐기물 배출"]
    assert titles(search(q="누리집")) == []


def test_unpublished_entries_are_not_found(
    seoul, admin_user, resident, django_capture_on_commit_callbacks
):
    services.faq_import(actor=None, rows=ROWS)
    entry = FaqEntry.objects.get(source_id="3")
    with django_capture_on_commit_callbacks(execute=True):
        services.faq_entry_set_published(actor=admin_user, entry=entry, published=False)
    for user in (None, resident, admin_user):
        assert titles(search(user=user, q="대형폐기물")) == []
    # Imported again, it stays unpublished and out of the index.
    services.faq_import(actor=None, rows=[{**ROWS[2], "내용": "새 답"}])
    assert titles(search(q="대형폐기물")) == []
    with django_capture_on_commit_callbacks(execute=True):
        services.faq_entry_set_published(actor=admin_user, entry=entry, published=True)
    assert titles(search(q="대형폐기물")) == ["대형폐기물 배출"]


def test_entries_written_in_the_admin_are_indexed_and_deleted_ones_removed(
    admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = services.faq_entry_create(
            actor=admin_user,
            title="여권 발급 수수료",
            answer="구청 민원여권과",
            category="administration",
        )
    assert titles(search(q="여권")) == ["여권 발급 수수료"]
    with django_capture_on_commit_callbacks(execute=True):
        services.faq_entry_delete(actor=admin_user, entry=entry)
    assert titles(search(q="여권")) == []
