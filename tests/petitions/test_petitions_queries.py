"""Reads of petitions: who sees which (the 404 of a missing one for everyone else), public
listings, masking helpers, and the traffic light (function and SQL annotation)."""

from __future__ import annotations

import datetime

import pytest
from django.http import Http404

from sotong.petitions import queries
from sotong.petitions.models import Status

pytestmark = pytest.mark.django_db

KST = datetime.timezone(datetime.timedelta(hours=9))


def at(*args):
    return datetime.datetime(*args, tzinfo=KST)


# --- visibility ---------------------------------------------------------------------------------


def test_public_petition_visible_to_everyone(petition_factory, other_resident):
    petition = petition_factory()
    assert queries.petition_for_user(other_resident, petition.pk) == petition
    from django.contrib.auth.models import AnonymousUser

    assert queries.petition_for_user(AnonymousUser(), petition.pk) == petition


def test_private_petition_404_for_outsiders(
    petition_factory,
    resident,
    other_resident,
    officer,
    other_officer,
    head,
    admin_user,
    department,
    intake_officer,
):
    from django.contrib.auth.models import AnonymousUser

    petition = petition_factory(is_public=False, user=resident, department=department)
    for user in (resident, officer, head, admin_user, intake_officer):
        assert queries.petition_for_user(user, petition.pk) == petition
    for user in (other_resident, other_officer, AnonymousUser()):
        with pytest.raises(Http404):
            queries.petition_for_user(user, petition.pk)
    with pytest.raises(Http404):
        queries.petition_for_user(resident, 999_999)
    with pytest.raises(Http404):
        queries.petition_for_user(resident, "abc")


def test_handled_petition_for_user(petition_factory, resident, officer, other_officer, department):
    petition = petition_factory(is_public=True, user=resident, department=department)
    assert queries.handled_petition_for_user(officer, petition.pk) == petition
    # A public petition is still not handled by its petitioner or another organisation.
    for user in (resident, other_officer):
        with pytest.raises(Http404):
            queries.handled_petition_for_user(user, petition.pk)
    for missing in (999_999, "abc"):
        with pytest.raises(Http404):
            queries.handled_petition_for_user(officer, missing)


def test_visible_and_staff_lists(
    petition_factory, resident, other_resident, officer, other_officer, department
):
    public = petition_factory()
    private = petition_factory(is_public=False, user=resident, department=department)
    assert set(queries.visible_petitions(other_resident)) == {public}
    assert set(queries.visible_petitions(resident)) == {public, private}
    assert set(queries.visible_petitions(officer)) == {public, private}
    assert set(queries.visible_petitions(other_officer)) == {public}
    assert set(queries.staff_petitions(officer)) == {private}
    assert set(queries.staff_petitions(resident)) == set()


def test_public_petitions_only_public(petition_factory, board, district):
    public = petition_factory()
    petition_factory(is_public=False)
    assert list(queries.public_petitions(organization=district, board=board)) == [public]


def test_masking_helpers(petition_factory):
    petition = petition_factory(petitioner_name="김철수", body="전화 010-1234-5678")
    assert queries.petitioner_label(petition) == "김*수"
    assert "1234-5678" not in queries.public_text(petition.body)
    assert queries.petitioner_label(petition_factory()) == "익명"


def test_public_timeline_hides_internal_stages(petition_factory):
    from sotong.petitions.models import PetitionEvent

    petition = petition_factory()
    PetitionEvent.objects.create(petition=petition, stage="received")
    PetitionEvent.objects.create(petition=petition, stage="returned", internal_note="고치세요")
    assert [e.stage for e in queries.public_timeline(petition)] == ["received"]
    assert len(queries.staff_timeline(petition)) == 2


# --- traffic light -------------------------------------------------------------------------------

# "7일" received Mon 2025-09-29 10:00 → due Tue 2025-10-14 18:00 (추석 holidays in between).
RECEIVED = at(2025, 9, 29, 10)
DUE = at(2025, 10, 14, 18)


@pytest.fixture
def open_petition(petition_factory):
    return petition_factory(received_at=RECEIVED, due_at=DUE, status=Status.IN_PROGRESS)


@pytest.mark.parametrize(
    ("now", "light"),
    [
        (at(2025, 9, 29, 11), queries.ON_TIME),
        (at(2025, 10, 13, 9), queries.ON_TIME),  # 5 of 7 working days left … used ~ 71%
        (at(2025, 10, 14, 9), queries.AT_RISK),  # the last day: less than 20% left
        (at(2025, 10, 14, 18), queries.AT_RISK),  # exactly at the deadline: not yet late
        (at(2025, 10, 14, 18, 0, 1), queries.OVERDUE),
        (at(2025, 10, 20, 9), queries.OVERDUE),
    ],
)
def test_traffic_light_boundaries(open_petition, now, light):
    assert queries.traffic_light(open_petition, now) == light


def test_traffic_light_counts_working_time_across_holidays(open_petition):
    # 추석 (10-03 … 10-09) is wall time, not working time: on 10-10 only 4 of 7 days are used.
    assert queries.traffic_light(open_petition, at(2025, 10, 10, 17)) == queries.ON_TIME


def test_traffic_light_empty_when_not_open(open_petition):
    open_petition.status = Status.ANSWERED
    assert queries.traffic_light(open_petition, at(2025, 10, 20)) == ""


def test_with_light_annotation(petition_factory):
    received = at(2025, 3, 3, 9)
    due = received + datetime.timedelta(days=10)
    on_time = petition_factory(received_at=received, due_at=due, status=Status.ASSIGNED)
    answered = petition_factory(received_at=received, due_at=due, status=Status.ANSWERED)
    now_risk = received + datetime.timedelta(days=8, seconds=1)  # past the 80% wall-time mark
    now_ok = received + datetime.timedelta(days=7, hours=23)
    now_late = due + datetime.timedelta(seconds=1)
    qs = queries.public_petitions()
    assert {p.pk: p.light for p in queries.with_light(qs, now_ok)} == {
        on_time.pk: queries.ON_TIME,
        answered.pk: "",
    }
    assert queries.with_light(qs, now_risk).get(pk=on_time.pk).light == queries.AT_RISK
    assert queries.with_light(qs, now_late).get(pk=on_time.pk).light == queries.OVERDUE
    assert queries.light_counts(qs, now_late) == {"on_time": 0, "at_risk": 0, "overdue": 1}


def test_with_light_exact_80_percent_mark(petition_factory):
    received = at(2025, 3, 3, 9)
    petition = petition_factory(
        received_at=received, due_at=received + datetime.timedelta(days=5), status="assigned"
    )
    mark = received + datetime.timedelta(days=4)
    qs = queries.public_petitions()
    assert qs and queries.with_light(qs, mark).get(pk=petition.pk).light == queries.AT_RISK
    before = mark - datetime.timedelta(seconds=1)
    assert queries.with_light(qs, before).get(pk=petition.pk).light == queries.ON_TIME
