"""The petitions demo (`sotong.demo.petitions_demo`, `data/petitions.json`) on a part of the demo
government (Seoul and Jung-gu from the demo data files, with a smaller count): every state
occurs, dates are in the past and consistent, groups and transfers are made, nothing is
announced, and a second load creates nothing."""

from __future__ import annotations

import copy
import datetime

import pytest
from django.utils import timezone

from sotong.demo.loader import _Loader, read_data
from sotong.demo.petitions_demo import load_petitions
from sotong.notify.models import Notification
from sotong.petitions import queries
from sotong.petitions.models import (
    Answer,
    Board,
    Category,
    Petition,
    PetitionEvent,
    PetitionGroup,
    Stage,
    Status,
)

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2026, 3, 3, 14, 30))


@pytest.fixture
def government():
    """Seoul and Jung-gu with their departments and the people.json staff and residents of
    both, loaded by the demo loader itself (its superuser is the actor)."""
    loader = _Loader()
    admin = loader.people["admin"]
    loader.actor = loader.user(admin["email"], admin["name"], superuser=True)
    for name in ("seoul.json", "junggu.json"):
        loader.organization(read_data(name))
    for row in loader.people["staff"]:
        if row["organization"] in loader.organizations:
            loader.staff_member(row)
    for row in loader.people["residents"]:
        if row["organization"] in loader.organizations:
            loader.user(row["email"], row["name"])
    return loader.organizations


@pytest.fixture
def data(settings):
    settings.DEMO_PETITION_SCALE = 1  # the counts below are the ones under test
    data = copy.deepcopy(read_data("petitions.json"))
    data["organizations"]["junggu"]["count"] = 90
    data["organizations"]["seoul"]["count"] = 30
    return data


def test_the_data_file_matches_the_demo_government():
    data = read_data("petitions.json")
    assert "seed 002" in data["_source"] and "seed 004" in data["_source"]
    departments = {}
    for code in ("seoul", "junggu", "seodaemun"):
        org = read_data(f"{code}.json")
        departments[code] = {row["name"] for row in org["departments"]}
    junggu = data["organizations"]["junggu"]
    assert [b["name"] for b in junggu["boards"]] == [
        "생활불편신고",
        "부조리신고",
        "규제개혁신고",
        "예산편성의견수렴",
        "구청장에게 바란다",
        "보건민원상담",
        "건강신문고",
        "SNS 접수민원",
    ]
    seoul_boards = data["organizations"]["seoul"]["boards"]
    assert any(b["chief_answers"] and b["approver"] == "chief" for b in seoul_boards)
    for code, spec in data["organizations"].items():
        assert [c["name"] for c in spec["categories"]] == [
            "교통",
            "도로",
            "청소",
            "치수방재",
            "가로정비",
            "보건환경",
            "기타",
        ]
        for row in spec["categories"] + spec["boards"]:
            assert row.get("department") in departments[code] | {None}, row
    for template in data["templates"]:
        assert template["answer"] in data["answers"], template["key"]
        for code, name in template.get("departments", {}).items():
            assert name in departments[code], (template["key"], name)
    for row in data["staff"]:
        assert row["department"] in departments[row["organization"]], row


def test_load_makes_every_state_and_is_idempotent(government, data):
    result = load_petitions(data, government, now=NOW)

    assert result.skipped == []
    assert result.petitions > 120
    statuses = {status for status, count in result.by_status.items() if count}
    assert statuses == set(Status.values), result.by_status
    junggu, seoul = government["junggu"], government["seoul"]
    assert Board.objects.filter(organization=junggu).count() == 8
    assert Board.objects.get(organization=seoul, code="mayor").chief_answers
    assert Category.objects.filter(organization=junggu, code="traffic").get().name == "교통"

    petitions = Petition.objects.filter(organization__in=[junggu, seoul])
    # Dates are history: nothing after now, every step after the receipt.
    assert not petitions.filter(received_at__gt=NOW).exists()
    assert not PetitionEvent.objects.filter(at__gt=NOW).exists()
    for petition in petitions.filter(status=Status.CLOSED)[:40]:
        stamps = list(petition.events.values_list("at", flat=True))
        assert stamps == sorted(stamps) and stamps[0] == petition.received_at
        assert petition.received_at < petition.answered_at <= petition.closed_at <= NOW
    oldest = petitions.order_by("received_at").first().received_at
    assert NOW - oldest > datetime.timedelta(days=300)

    # Open petitions of every light; late answers and extensions as in the seeds.
    open_ones = petitions.filter(status__in=[Status.ASSIGNED, Status.IN_PROGRESS])
    lights = {queries.traffic_light(p, NOW) for p in open_ones}
    assert {"overdue", "on_time"} <= lights, lights
    assert petitions.filter(extended_at__isnull=False).exists()
    assert Answer.objects.filter(self_approved=True, petition__in=petitions).exists()
    assert Answer.objects.filter(
        self_approved=False, state="approved", petition__in=petitions
    ).exists()
    assert PetitionEvent.objects.filter(stage=Stage.RETURNED, petition__in=petitions).exists()
    assert petitions.filter(rated_at__isnull=False).exists()
    assert petitions.filter(channel="sns").exists() and petitions.filter(channel="phone").exists()
    # The chief answers on the chief's boards.
    chief_answer = Answer.objects.filter(
        petition__board__chief_answers=True, state="approved"
    ).first()
    assert chief_answer is not None and chief_answer.approver.position == "chief"
    # Transfers both ways between the city and the district, received again on the other side.
    assert petitions.filter(organization=seoul, status=Status.TRANSFERRED).exists()
    assert PetitionEvent.objects.filter(
        petition__organization=junggu, stage=Stage.RECEIVED, note__contains="이송"
    ).exists()
    assert PetitionGroup.objects.filter(organization=junggu).count() == 2
    assert petitions.filter(group__isnull=False).count() == 10
    # Private boards stay private; contact data is there for the handlers.
    assert not petitions.filter(board__code="health-consult", is_public=True).exists()
    assert any(p.contact_phone for p in petitions.filter(channel="phone"))
    # The history is not announced.
    assert not Notification.objects.exists()

    counts = (Petition.objects.count(), PetitionEvent.objects.count(), Answer.objects.count())
    again = load_petitions(data, government, now=NOW + datetime.timedelta(days=1))
    assert again.petitions == 0 and set(again.skipped) == {"junggu", "seoul"}
    assert again.settings == 0 and again.staff == 0 and again.petitioners == 0
    assert (Petition.objects.count(), PetitionEvent.objects.count(), Answer.objects.count()) == (
        counts
    )


def test_the_petitions_are_searchable(government, data):
    from sotong.core.search import search

    load_petitions(data, government, now=NOW)
    page = search(user=None, q="불법 주차 단속", types=["petition"])
    assert page.total > 0
