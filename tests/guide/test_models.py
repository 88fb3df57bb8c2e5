"""FaqEntry: one row's rules."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sotong.guide.models import CATEGORY_NAMES, FaqEntry

pytestmark = pytest.mark.django_db


def test_url_label_and_defaults(make_entry):
    entry = make_entry(title="전입신고는 어디서 하나요?")
    assert entry.get_absolute_url() == f"/services/faq/{entry.pk}/"
    assert str(entry) == "전입신고는 어디서 하나요?"
    assert entry.audit_label() == f"FAQ #{entry.pk} 전입신고는 어디서 하나요?"
    bare = FaqEntry.objects.create(title="직접 쓴 질문")
    assert (bare.source, bare.source_id, bare.category, bare.published) == (
        "local",
        "",
        "other",
        True,
    )


def test_the_seoul_120_categories_and_other():
    # The Korean names the import and the index use are the choices' labels.
    assert {value: str(label) for value, label in FaqEntry.Category.choices} == CATEGORY_NAMES
    assert [str(label) for _, label in FaqEntry.Category.choices] == [
        "행정",
        "경제",
        "복지",
        "환경",
        "주택도시계획",
        "문화관광",
        "교통",
        "안전",
        "건강",
        "여성가족",
        "기타",
    ]


def test_source_id_is_unique_per_source(make_entry):
    make_entry(source="seoul120", source_id="1")
    make_entry(source="junggu", source_id="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_entry(source="seoul120", source_id="1")
    duplicate = FaqEntry(title="x", source="seoul120", source_id="1")
    with pytest.raises(ValidationError, match="같은 출처 번호가 이미 있습니다"):
        duplicate.full_clean()


def test_entries_written_by_staff_need_no_source_id(make_entry):
    make_entry(source="local", source_id="")
    make_entry(source="local", source_id="")
    assert FaqEntry.objects.filter(source="local").count() == 2


@pytest.mark.parametrize("source", ["Seoul", "s", "서울", "a b"])
def test_source_code_format(source):
    with pytest.raises(ValidationError):
        FaqEntry(title="x", source=source).full_clean()


def test_an_organisation_with_entries_cannot_be_deleted(make_entry, city):
    from django.db.models import ProtectedError

    make_entry(organization=city)
    with pytest.raises(ProtectedError):
        city.delete()
