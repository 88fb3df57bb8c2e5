"""Visibility evaluated when the search runs (issue 11, leak 7): a type may name who may open a
restricted document now (`DocumentType.permitted`), which narrows what the grants written at
indexing time allow; staff posts are granted as posts (`Visibility.restricted(staff_ids=…)`),
which end with the post."""

from __future__ import annotations

import pytest

from sotong.core.search import DocumentType, Visibility, get_type, register, search, unregister


def found(user, q="상담 기록"):
    """Hits for `user` as a new request would load them (their staff post read afresh)."""
    if user is not None:
        user = type(user).objects.get(pk=user.pk)
    return {hit.title for hit in search(user=user, q=q).hits}


@pytest.fixture
def allowed():
    """Object ids the test type's `permitted` lets through (None: the hook is not set)."""
    return {"ids": set()}


@pytest.fixture
def checked_docs(docs, allowed):
    """The tests' "note" type with a `permitted` hook reading `allowed`."""
    import dataclasses

    base = get_type("note")
    calls = []

    def permitted(user, object_ids):
        calls.append((user, sorted(object_ids)))
        return {pk for pk in object_ids if pk in allowed["ids"]}

    unregister("note")
    register(dataclasses.replace(base, permitted=permitted))
    docs.calls = calls
    return docs


def test_permitted_narrows_the_grants(checked_docs, allowed, resident):
    kept = checked_docs.add(
        "상담 기록 하나", "상담", visibility=Visibility.restricted(user_ids=[resident.pk])
    )
    checked_docs.add(
        "상담 기록 둘", "상담", visibility=Visibility.restricted(user_ids=[resident.pk])
    )
    checked_docs.add("상담 기록 공개", "상담")
    allowed["ids"] = {str(kept.pk)}
    page = search(user=resident, q="상담 기록")
    assert {hit.title for hit in page.hits} == {"상담 기록 하나", "상담 기록 공개"}
    assert page.total == 2


def test_permitted_is_asked_only_about_restricted_documents(checked_docs, resident):
    checked_docs.add("상담 기록 공개", "상담")
    assert found(resident) == {"상담 기록 공개"}
    assert found(None) == {"상담 기록 공개"}
    assert checked_docs.calls == []


def test_a_type_without_the_hook_keeps_its_grants(docs, resident):
    docs.add("상담 기록 하나", "상담", visibility=Visibility.restricted(user_ids=[resident.pk]))
    assert found(resident) == {"상담 기록 하나"}


def test_a_staff_post_grant_ends_with_the_post(docs, officer, other_officer):
    staff = officer.staff
    docs.add("상담 기록 담당", "상담", visibility=Visibility.restricted(staff_ids=[staff.pk]))
    assert found(officer) == {"상담 기록 담당"}
    assert found(other_officer) == set()
    staff.active = False
    staff.save(update_fields=["active"])
    assert found(officer) == set()


def test_pages_and_totals_count_only_what_is_permitted(checked_docs, allowed, resident):
    added = [
        checked_docs.add(
            f"상담 기록 {n}", "상담", visibility=Visibility.restricted(user_ids=[resident.pk])
        )
        for n in range(12)
    ]
    allowed["ids"] = {str(d.pk) for d in added[::2]}
    page = search(user=resident, q="상담", per_page=5)
    assert page.total == 6 and page.num_pages == 2
    assert all(int(hit.title.split()[-1]) % 2 == 0 for hit in page.hits)


def test_the_hook_is_part_of_the_type():
    assert "permitted" in {field.name for field in __import__("dataclasses").fields(DocumentType)}
