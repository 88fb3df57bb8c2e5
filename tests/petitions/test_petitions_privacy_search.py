"""Who finds a private petition in search is decided by the current permissions when the search
runs, not by the grants written when it was indexed (issue 11, leak 7): former staff, inactive
accounts and staff moved to another department lose it at once, and a grant left stale in the
index opens nothing."""

from __future__ import annotations

import pytest

from sotong.core.search import index_objects, search
from sotong.org.models import Staff
from sotong.petitions.models import Answer, Petition, Status
from sotong.petitions.search import PETITION_TYPE

pytestmark = pytest.mark.django_db

TITLE = "비공개 가로등 고장 민원"


def found(user, q="가로등 고장"):
    """Hits for `user` as a new request would load them (their staff post read afresh)."""
    user = type(user).objects.get(pk=user.pk)
    return {hit.title for hit in search(user=user, q=q, types=[PETITION_TYPE]).hits}


def _index(petition):
    index_objects(PETITION_TYPE, [Petition.objects.get(pk=petition.pk)])


@pytest.fixture
def private(petition_factory, resident, department):
    petition = petition_factory(
        title=TITLE,
        body="집 앞 가로등 고장",
        is_public=False,
        user=resident,
        department=department,
        status=Status.ASSIGNED,
    )
    _index(petition)
    return petition


def test_a_former_handler_loses_it_at_once(private, other_officer):
    staff = Staff.objects.get(user=other_officer)
    private.handler = staff
    private.save()
    _index(private)
    assert found(other_officer) == {TITLE}
    staff.active = False  # left the organisation; the petition is not re-indexed
    staff.save(update_fields=["active"])
    assert found(other_officer) == set()


def test_a_former_approver_loses_it_at_once(private, officer, chief):
    chief_staff = Staff.objects.get(user=chief)
    Answer.objects.create(
        petition=private,
        body="답변",
        drafted_by=Staff.objects.get(user=officer),
        approver=chief_staff,
        state=Answer.State.SUBMITTED,
    )
    _index(private)
    assert found(chief) == {TITLE}
    chief_staff.active = False
    chief_staff.save(update_fields=["active"])
    assert found(chief) == set()


def test_an_inactive_account_loses_it(private, resident, officer):
    assert found(resident) == {TITLE}
    resident.is_active = False
    resident.save(update_fields=["is_active"])
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    assert found(resident) == set() and found(officer) == set()


def test_staff_moved_to_another_department_lose_it(private, officer, other_department):
    assert found(officer) == {TITLE}
    staff = Staff.objects.get(user=officer)
    staff.department = other_department
    staff.save(update_fields=["department"])
    assert found(officer) == set()


def test_a_stale_grant_in_the_index_opens_nothing(private, officer, other_department):
    # Moved without a save (no re-index): the index still grants the old department.
    Petition.objects.filter(pk=private.pk).update(department=other_department)
    assert found(officer) == set()
    page = search(user=type(officer).objects.get(pk=officer.pk), q="가로등", types=[PETITION_TYPE])
    assert page.total == 0


def test_handler_grants_name_the_staff_post_not_the_person(private, other_officer):
    from sotong.core.search.models import SearchDocument

    staff = Staff.objects.get(user=other_officer)
    private.handler = staff
    private.save()
    _index(private)
    grants = SearchDocument.objects.get(type=PETITION_TYPE, object_id=str(private.pk)).grants
    assert f" s{staff.pk} " in grants
    assert f" u{other_officer.pk} " not in grants
