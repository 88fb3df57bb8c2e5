"""Petitions in the search index (the "petition" document type): public ones for everyone, a
private one only for its petitioner and the staff who handle it (the pattern of
tests/core/search/test_visibility.py), personal data masked in what the index shows."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from sotong.core.search import get_type, index_objects, search
from sotong.petitions.models import Answer, Petition, Policy, Status
from sotong.petitions.search import PETITION_TYPE

pytestmark = pytest.mark.django_db


def found(user, q="가로등 고장"):
    return {hit.title for hit in search(user=user, q=q, types=[PETITION_TYPE]).hits}


def _index(*petitions):
    index_objects(PETITION_TYPE, [Petition.objects.get(pk=p.pk) for p in petitions])


@pytest.fixture
def private(petition_factory, resident, department):
    petition = petition_factory(
        title="비공개 가로등 고장 민원",
        body="집 앞 가로등 고장. 특이사항 있음.",
        is_public=False,
        user=resident,
        department=department,
        status=Status.ASSIGNED,
    )
    _index(petition)
    return petition


@pytest.fixture
def public(petition_factory):
    petition = petition_factory(title="공개 가로등 고장 민원", body="골목 가로등 고장")
    _index(petition)
    return petition


def test_the_type_is_registered_by_the_app():
    doctype = get_type(PETITION_TYPE)
    assert doctype is not None and doctype.model is Petition


@pytest.mark.usefixtures("private", "public")
def test_the_petitioner_and_the_department_find_a_private_petition(resident, officer, head):
    for user in (resident, officer, head):
        assert found(user) == {"비공개 가로등 고장 민원", "공개 가로등 고장 민원"}, user


@pytest.mark.usefixtures("private", "public")
def test_nobody_else_finds_it(other_resident, other_officer, admin_user):
    for user in (other_resident, other_officer, AnonymousUser(), None, admin_user):
        assert found(user) == {"공개 가로등 고장 민원"}, user
        page = search(user=user, q="특이사항")
        assert page.total == 0 and page.hits == []


def test_intake_staff_of_another_department_do_not_find_it_by_search(private, intake_officer):
    # They open it from the workspace; search grants only its department and its people.
    assert found(intake_officer) == set()


def test_the_handler_and_the_approver_outside_the_department(
    private, other_officer, chief, department, officer
):
    from sotong.org.models import Staff

    private.handler = Staff.objects.get(user=other_officer)
    private.save()
    Answer.objects.create(
        petition=private,
        body="답변",
        drafted_by=Staff.objects.get(user=officer),
        approver=Staff.objects.get(user=chief),
        state=Answer.State.SUBMITTED,
    )
    _index(private)
    assert found(other_officer) == {"비공개 가로등 고장 민원"}
    assert found(chief) == {"비공개 가로등 고장 민원"}


def test_a_reassignment_moves_the_grant(
    private, officer, other_officer, other_department, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        private.department = other_department
        private.save()  # the registry's hook re-indexes after commit
    assert found(other_officer) == {"비공개 가로등 고장 민원"}
    assert found(officer) == set()


def test_saving_through_the_hook_indexes_a_new_petition(
    petition_factory, other_resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        petition_factory(title="보도블록 파손 신고", body="인도 보도블록 파손")
    assert found(other_resident, "보도블록") == {"보도블록 파손 신고"}


def test_personal_data_is_masked_in_the_index(petition_factory, other_resident):
    petition = petition_factory(
        title="가로등 고장 010-1234-5678",
        body="가로등 고장입니다. 연락은 010-1234-5678, hong@example.kr 로 주세요.",
    )
    _index(petition)
    page = search(user=other_resident, q="가로등 고장", types=[PETITION_TYPE])
    (hit,) = page.hits
    shown = f"{hit.title} {hit.snippet}"
    assert "1234-5678" not in shown and "hong@example.kr" not in shown
    assert "010-****-5678" in hit.title
    assert search(user=other_resident, q="12345678").total == 0


def test_an_approved_answer_is_searchable(petition_factory, officer, other_resident):
    from sotong.org.models import Staff

    petition = petition_factory(title="가로등 고장 신고", body="가로등", status=Status.ANSWERED)
    staff = Staff.objects.get(user=officer)
    answer = Answer.objects.create(
        petition=petition,
        body="안정기를 새 부품으로 교체하였습니다.",
        drafted_by=staff,
        state="draft",
    )
    _index(petition)
    assert found(other_resident, "안정기") == set()
    answer.state = Answer.State.APPROVED
    answer.save()
    _index(petition)
    assert found(other_resident, "안정기") == {"가로등 고장 신고"}


def test_hit_fields(public, district, category):
    (hit,) = search(user=None, q="가로등", types=[PETITION_TYPE]).hits
    assert hit.type == PETITION_TYPE
    assert hit.url.endswith(f"/{public.pk}/")
    assert hit.organization_id == district.pk
    assert hit.category == category.name


def test_after_destruction_the_petitioner_no_longer_finds_it(
    private, resident, officer, district, django_capture_on_commit_callbacks
):
    from sotong.petitions.retention import retention_run

    Policy.objects.create(organization=district, retention_days=365)
    closed = timezone.now() - datetime.timedelta(days=400)
    Petition.objects.filter(pk=private.pk).update(status=Status.CLOSED, closed_at=closed)
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_run() == 1
    assert found(resident) == set()
    assert found(officer) == {"비공개 가로등 고장 민원"}
