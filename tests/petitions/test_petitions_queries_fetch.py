"""The fetch-with-permission reads the views use (`queries`): each gives the row to whom it
belongs and the same 404 for a missing one and a forbidden one."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from sotong.petitions import queries
from sotong.petitions.models import Attachment, PetitionGroup

pytestmark = pytest.mark.django_db


def test_petition_by_token(petition_factory):
    petition = petition_factory(is_public=False, token="t" * 32)
    assert queries.petition_by_token("t" * 32) == petition
    for wrong in ("", "u" * 32, "t" * 61):
        with pytest.raises(Http404):
            queries.petition_by_token(wrong)


def test_handled_attachment_for_user(petition_factory, officer, other_officer, department):
    from sotong.core.files.models import StoredFile

    petition = petition_factory(is_public=True, department=department)
    other = petition_factory(is_public=True, department=department)
    stored = StoredFile.objects.create(
        file="x/photo.png",
        original_name="사진.png",
        file_type="png",
        content_type="image/png",
        size=3,
        sha256="0" * 64,
        organization=department.organization,
    )
    item = Attachment.objects.create(petition=petition, file=stored)
    assert queries.handled_attachment_for_user(officer, petition.pk, item.pk) == item
    with pytest.raises(Http404):  # forbidden: another department's officer
        queries.handled_attachment_for_user(other_officer, petition.pk, item.pk)
    with pytest.raises(Http404):  # a file of another petition
        queries.handled_attachment_for_user(officer, other.pk, item.pk)
    with pytest.raises(Http404):  # missing
        queries.handled_attachment_for_user(officer, petition.pk, item.pk + 1000)


def test_group_for_user(petition_factory, officer, other_officer, resident, department, head):
    group = PetitionGroup.objects.create(
        organization=department.organization, title="가로등", created_by=head
    )
    petition_factory(department=department, group=group, status="assigned")
    assert queries.group_for_user(officer, group.pk) == group
    assert list(queries.handled_groups(officer)) == [group]
    with pytest.raises(Http404):  # no petition of the group is theirs
        queries.group_for_user(other_officer, group.pk)
    assert list(queries.handled_groups(other_officer)) == []
    with pytest.raises(Http404):  # not staff
        queries.group_for_user(resident, group.pk)
    with pytest.raises(Http404):  # missing
        queries.group_for_user(officer, group.pk + 1000)


def test_intake_board(board, district):
    assert queries.intake_board(district.code, board.code) == board
    with pytest.raises(Http404):
        queries.intake_board(district.code, "nope")
    with pytest.raises(Http404):
        queries.intake_board("elsewhere", board.code)
    board.active = False
    board.save(update_fields=["active"])
    with pytest.raises(Http404):  # closed
        queries.intake_board(district.code, board.code)


def test_anonymous_visitors_get_404_for_staff_reads(petition_factory, department):
    petition = petition_factory(department=department)
    with pytest.raises(Http404):
        queries.handled_attachment_for_user(AnonymousUser(), petition.pk, 1)
