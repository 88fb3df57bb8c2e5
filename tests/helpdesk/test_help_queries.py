"""The fetch-with-permission reads of the helpers: one 404 for a missing and a forbidden row."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import timezone

from sotong.helpdesk import queries

from . import test_help_services as cast

coordinator = cast.coordinator
foreign = cast.foreign
helper = cast.helper
service = cast.service

pytestmark = pytest.mark.django_db


def _petition(district, user):
    from sotong.petitions.models import Board, Petition

    board, _ = Board.objects.get_or_create(
        organization=district, code="b", defaults={"name": "게시판", "kinds": ["report"]}
    )
    now = timezone.now()
    return Petition.objects.create(
        organization=district,
        board=board,
        kind="report",
        channel="web",
        title="제목",
        body="내용",
        received_at=now,
        due_at=now,
        period="7일",
        user=user,
    )


def test_help_petition_is_the_residents_own(resident, other_resident, district):
    mine = _petition(district, resident)
    assert queries.help_petition_for_user(resident, mine.pk) == mine
    with pytest.raises(Http404):
        queries.help_petition_for_user(other_resident, mine.pk)  # forbidden
    with pytest.raises(Http404):
        queries.help_petition_for_user(resident, mine.pk + 1000)  # missing


def test_help_petition_needs_a_login(resident, district):
    from django.contrib.auth.models import AnonymousUser

    mine = _petition(district, resident)
    with pytest.raises(Http404):
        queries.help_petition_for_user(AnonymousUser(), mine.pk)


def test_help_service_must_be_published(service):
    assert queries.help_service(service.pk) == service
    service.published = False
    service.save(update_fields=["published"])
    with pytest.raises(Http404):
        queries.help_service(service.pk)  # not published
    with pytest.raises(Http404):
        queries.help_service(service.pk + 1000)  # missing


def test_helper_for_coordinator_is_limited_to_their_organisation(coordinator, helper, foreign):
    foreign_user, foreign_helper = foreign
    assert queries.helper_for_coordinator(coordinator, helper.pk) == helper
    with pytest.raises(Http404):
        queries.helper_for_coordinator(coordinator, foreign_helper.pk)  # another organisation
    with pytest.raises(Http404):
        queries.helper_for_coordinator(foreign_user, helper.pk)
    with pytest.raises(Http404):
        queries.helper_for_coordinator(coordinator, helper.pk + 1000)  # missing


def test_staff_without_helper_lists_the_coordinators_staff_only(
    coordinator, helper, foreign, other_officer
):
    staff = list(queries.staff_without_helper(coordinator))
    assert other_officer.staff in staff  # same organisation, not a helper yet
    assert helper.staff not in staff  # already a helper
    assert foreign[1].staff not in staff  # another organisation
