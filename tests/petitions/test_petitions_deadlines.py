"""Deadlines of petitions (core.calendar counting, holidays, KindPolicy overrides, the one
extension, transfers) and the periodic closing of answered petitions."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from sotong.petitions import deadlines, services, tasks
from sotong.petitions.models import Kind, KindPolicy, Petition, Stage, Status

KST = datetime.timezone(datetime.timedelta(hours=9))


def at(*args):
    return datetime.datetime(*args, tzinfo=KST)


def test_every_kind_has_a_default_that_parses():
    from sotong.core.calendar import Period

    assert set(deadlines.DEFAULT_PERIODS) == set(Kind.values)
    for text in deadlines.DEFAULT_PERIODS.values():
        Period.parse(text)


def test_seven_days_over_chuseok():
    # calendar_README: "7일" received Mon 2025-09-29 → Tue 2025-10-14 18:00.
    assert deadlines.due_for(at(2025, 9, 29, 10), "7일") == at(2025, 10, 14, 18)


def test_fourteen_days_skip_weekends_and_holidays():
    # Received Wed 2025-12-24; 12-25 (성탄절) and 2026-01-01 are holidays: 14 working days.
    due = deadlines.due_for(at(2025, 12, 24, 15), "14일")
    assert due == at(2026, 1, 14, 18)


def test_receipt_after_hours_counts_from_next_opening():
    # Friday 19:00: day 1 is Monday.
    assert deadlines.due_for(at(2025, 9, 26, 19), "7일") == deadlines.due_for(
        at(2025, 9, 29, 9), "7일"
    )


def test_extension_runs_the_period_again_from_the_old_deadline():
    due = at(2025, 10, 14, 18)
    assert deadlines.extended_due(due, "7일") == at(2025, 10, 23, 18)


@pytest.mark.django_db
def test_kind_policy_overrides(district):
    assert deadlines.period_text_for(district.pk, "suggestion") == "14일"
    KindPolicy.objects.create(organization=district, kind="suggestion", period="1개월")
    assert deadlines.period_text_for(district.pk, "suggestion") == "1개월"


@pytest.mark.django_db
def test_submit_with_explicit_received_at_over_holidays(resident, board):
    petition = services.petition_submit(
        actor=resident,
        board=board,
        kind="report",
        title="가로등",
        body="가로등이 꺼졌습니다.",
        received_at=at(2025, 9, 29, 10),
    )
    assert timezone.localtime(petition.due_at, KST) == at(2025, 10, 14, 18)


@pytest.mark.django_db
def test_extension_recomputes_from_old_due(resident, board, department, intake_officer, officer):
    petition = services.petition_submit(
        actor=resident,
        board=board,
        kind="report",
        title="가로등",
        body="가로등이 꺼졌습니다.",
        received_at=at(2025, 9, 29, 10),
    )
    services.petition_assign(actor=intake_officer, petition=petition, department=department)
    petition = services.petition_extend(actor=officer, petition=petition, reason="부품 주문")
    assert timezone.localtime(petition.due_at, KST) == at(2025, 10, 23, 18)


# --- closing after the reopen period -----------------------------------------------------------


@pytest.mark.django_db
def test_close_due(petition_factory, board):
    now = timezone.now()
    old = petition_factory(status=Status.ANSWERED, answered_at=now - datetime.timedelta(days=15))
    fresh = petition_factory(status=Status.ANSWERED, answered_at=now - datetime.timedelta(days=3))
    open_one = petition_factory(status=Status.IN_PROGRESS)
    assert tasks.petitions_close_due(now) == 1
    assert Petition.objects.get(pk=old.pk).status == Status.CLOSED
    assert Petition.objects.get(pk=old.pk).events.filter(stage=Stage.CLOSED).exists()
    assert Petition.objects.get(pk=fresh.pk).status == Status.ANSWERED
    assert Petition.objects.get(pk=open_one.pk).status == Status.IN_PROGRESS
    assert tasks.petitions_close_due(now) == 0  # idempotent
    assert tasks.petitions_close_due(now + datetime.timedelta(days=12)) == 1


@pytest.mark.django_db
def test_tick_command(petition_factory):
    from io import StringIO

    from django.core.management import call_command

    petition_factory(
        status=Status.ANSWERED, answered_at=timezone.now() - datetime.timedelta(days=30)
    )
    out = StringIO()
    call_command("petitions_tick", stdout=out)
    assert "closed: 1" in out.getvalue()
