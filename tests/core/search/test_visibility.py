"""Only the documents a user may see: a restricted document is found by the users, department
staff and organisation staff it names, and never by anyone else (the cast of tests/conftest.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from sotong.core.search import Visibility, search


def found(user, q="민원 답변"):
    return {hit.title for hit in search(user=user, q=q).hits}


@pytest.fixture
def petition(docs, resident, department):
    """A private petition: its author and the handling department may see it."""
    return docs.add(
        "비공개 민원 답변",
        "민원 답변 내용 특이사항",
        visibility=Visibility.restricted(user_ids=[resident.pk], department_ids=[department.pk]),
    )


@pytest.fixture
def public_note(docs):
    return docs.add("공개 민원 답변", "민원 답변 공개 내용")


@pytest.mark.usefixtures("petition", "public_note")
def test_the_author_and_the_department_find_a_restricted_document(resident, officer, head):
    for user in (resident, officer, head):
        assert found(user) == {"비공개 민원 답변", "공개 민원 답변"}, user


@pytest.mark.usefixtures("petition", "public_note")
def test_nobody_else_finds_it(other_resident, other_officer, admin_user):
    for user in (other_resident, other_officer, AnonymousUser(), None, admin_user):
        assert found(user) == {"공개 민원 답변"}, user
        page = search(user=user, q="특이사항")
        assert page.total == 0 and page.hits == []


@pytest.mark.usefixtures("petition")
def test_inactive_accounts_and_former_staff_lose_access(resident, officer):
    resident.is_active = False
    resident.save(update_fields=["is_active"])
    officer.staff.active = False
    officer.staff.save(update_fields=["active"])
    assert found(resident) == set()
    assert found(officer) == set()


def test_all_staff_of_an_organisation(docs, district, officer, other_officer, resident):
    docs.add(
        "내부 공지",
        "직원 교육 일정",
        visibility=Visibility.restricted(organization_staff=district.pk),
    )
    assert found(officer, "직원 교육") == found(other_officer, "직원 교육") == {"내부 공지"}
    assert found(resident, "직원 교육") == set()


def test_a_restricted_document_without_grants_is_found_by_nobody(docs, officer, resident):
    docs.add("감춘 문서", "감춘 내용", visibility=Visibility.restricted())
    assert found(officer, "감춘") == found(resident, "감춘") == set()


def test_a_grant_for_one_user_is_not_a_grant_for_a_similar_id(docs, resident):
    # Ids that hold the resident's id as a prefix or a suffix must not let the resident in.
    similar = [resident.pk * 10, resident.pk * 10 + 1, int(f"1{resident.pk}")]
    docs.add("개인 문서", "개인 내용", visibility=Visibility.restricted(user_ids=similar))
    assert found(resident, "개인") == set()


def test_visibility_filtering_keeps_counts_and_pages_right(docs, resident, other_resident):
    for n in range(12):
        who = resident if n % 2 else other_resident
        docs.add(f"상담 기록 {n}", "상담", visibility=Visibility.restricted(user_ids=[who.pk]))
    page = search(user=resident, q="상담", per_page=5)
    assert page.total == 6 and page.num_pages == 2
    assert all(int(hit.title.split()[-1]) % 2 for hit in page.hits)


def test_visibility_values_are_checked():
    with pytest.raises(TypeError):
        Visibility.restricted(user_ids=["1"])
    assert Visibility.restricted(organization_staff=[3, 4]).organization_ids == {3, 4}
    assert Visibility.public().is_public
