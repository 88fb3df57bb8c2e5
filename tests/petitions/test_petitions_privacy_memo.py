"""The assignment memo ("메모 (직원에게만 보임)") is a staff note, never a public one (issue 11,
leak 4); memos stored as public notes before the fix are moved by a data migration. Notes that
the forms tell staff the petitioner will read (reassignment, transfer, extension) stay public,
masked on display."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from sotong.petitions import services
from sotong.petitions.models import PetitionEvent, Stage

pytestmark = pytest.mark.django_db

MEMO = "민원인 홍길동 010-5555-6666 자택 확인 필요"


@pytest.fixture
def received(petition_factory):
    return petition_factory(status="received", department=None)


def test_the_assignment_memo_is_for_staff_only(
    client, staff_login, received, intake_officer, department
):
    services.petition_assign(
        actor=intake_officer, petition=received, department=department, note=MEMO
    )
    event = PetitionEvent.objects.get(petition=received, stage=Stage.ASSIGNED)
    assert event.note == "" and event.internal_note == MEMO
    page = client.get(reverse("petitions:detail", args=[received.pk])).content.decode()
    assert "자택 확인 필요" not in page
    staff_login(client, intake_officer)
    case = client.get(reverse("petitions:staff_case", args=[received.pk])).content.decode()
    assert "자택 확인 필요" in case


def test_reasons_the_petitioner_is_told_stay_public_and_masked(
    client, petition_factory, officer, department
):
    petition = petition_factory(status="in_progress", department=department)
    services.petition_extend(
        actor=officer, petition=petition, reason="현장 확인이 필요합니다. 담당 010-4444-3333"
    )
    event = PetitionEvent.objects.get(petition=petition, stage=Stage.EXTENDED)
    assert "현장 확인" in event.note
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert "현장 확인이 필요합니다" in page
    assert "010-4444-3333" not in page


def test_the_migration_moves_stored_memos_to_the_staff_note(received, department):
    memo = PetitionEvent.objects.create(
        petition=received, stage=Stage.ASSIGNED, department=department, note=MEMO
    )
    both = PetitionEvent.objects.create(
        petition=received,
        stage=Stage.ASSIGNED,
        department=department,
        note="두 번째 메모",
        internal_note="이미 있던 내부 메모",
    )
    automatic = PetitionEvent.objects.create(
        petition=received, stage=Stage.ASSIGNED, department=department, note=""
    )
    extended = PetitionEvent.objects.create(
        petition=received, stage=Stage.EXTENDED, note="연장 사유는 공개"
    )
    migration = importlib.import_module("sotong.petitions.migrations.0004_assignment_memos_private")
    migration.memos_to_internal_notes(apps, None)
    memo.refresh_from_db()
    both.refresh_from_db()
    automatic.refresh_from_db()
    extended.refresh_from_db()
    assert memo.note == "" and memo.internal_note == MEMO
    assert both.note == "" and both.internal_note == "이미 있던 내부 메모\n\n두 번째 메모"
    assert automatic.note == "" and automatic.internal_note == ""
    assert extended.note == "연장 사유는 공개"
