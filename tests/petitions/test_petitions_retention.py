"""Destruction of petitioners' personal data after the retention period (issue 5, point 12):
what goes, what stays, the destruction log, idempotency, the dry run and the command."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from sotong.core.audit.models import AuditEvent
from sotong.core.files.models import StoredFile
from sotong.core.files.services import file_store
from sotong.petitions.models import (
    Attachment,
    Destruction,
    Petition,
    PetitionEvent,
    Policy,
    Stage,
    Status,
)
from sotong.petitions.retention import retention_report, retention_run

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2026, 3, 2, 4, 0))
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def policy(district):
    return Policy.objects.create(organization=district, retention_days=365)


def _file(district, name="photo.txt"):
    upload = SimpleUploadedFile(name, "현장 사진 설명".encode(), content_type="text/plain")
    return file_store(actor=None, upload=upload, allowed="attachments", organization=district)


def _closed(petition_factory, resident, *, days_ago, **fields):
    closed = NOW - days_ago * DAY
    values = {
        "status": Status.CLOSED,
        "received_at": closed - 10 * DAY,
        "answered_at": closed - DAY,
        "closed_at": closed,
        "user": resident,
        "petitioner_name": "김주민",
        "contact_email": "resident@example.kr",
        "contact_phone": "010-1234-5678",
        "body": "밤에 골목이 어둡습니다. 연락은 010-1234-5678로 주세요.",
        "personal_data_flagged": True,
        "rating_comment": "고맙습니다. 010-1234-5678",
    }
    values.update(fields)
    return petition_factory(**values)


def test_destroys_the_personal_data_of_old_closed_petitions(
    petition_factory, resident, district, policy, django_capture_on_commit_callbacks
):
    old = _closed(petition_factory, resident, days_ago=400)
    private_file = _file(district)
    public_file = _file(district, "notice.txt")
    staff_file = _file(district, "report.txt")
    Attachment.objects.create(petition=old, file=private_file, is_public=False)
    Attachment.objects.create(petition=old, file=public_file, is_public=True)
    Attachment.objects.create(petition=old, file=staff_file, uploaded_by_staff=True)
    PetitionEvent.objects.create(petition=old, stage=Stage.CLOSED, at=old.closed_at)
    storage, path = private_file.file.storage, private_file.file.name
    assert storage.exists(path)

    with django_capture_on_commit_callbacks(execute=True):
        assert retention_run(now=NOW) == 1

    old.refresh_from_db()
    assert (old.petitioner_name, old.contact_email, old.contact_phone) == ("", "", "")
    assert old.user is None
    assert "1234-5678" not in old.body and "010-****-5678" in old.body
    assert "1234-5678" not in old.rating_comment
    assert "12345678" not in old.tokens and "1234" not in old.tokens.split()
    assert old.personal_data_destroyed_at == NOW
    assert not old.personal_data_flagged
    # The anonymised petition and its timeline stay.
    assert old.status == Status.CLOSED and old.title.startswith("가로등이 꺼져 있습니다")
    assert list(old.events.values_list("stage", flat=True)) == [Stage.CLOSED, Stage.DESTROYED]
    destroyed_event = old.events.get(stage=Stage.DESTROYED)
    assert destroyed_event.at == NOW and destroyed_event.actor is None
    assert "365일" in destroyed_event.internal_note and destroyed_event.note == ""

    # The petitioner's private upload is gone, row and file; published and staff papers stay.
    assert not StoredFile.objects.filter(pk=private_file.pk).exists()
    assert not storage.exists(path)
    assert set(old.attachments.values_list("file_id", flat=True)) == {
        public_file.pk,
        staff_file.pk,
    }

    destruction = Destruction.objects.get(petition_id_ref=old.pk)
    assert destruction.organization_id == district.pk
    assert destruction.retention_days == 365
    assert set(destruction.fields) == {
        "petitioner_name",
        "contact_email",
        "contact_phone",
        "user",
        "body",
        "rating_comment",
        "attachments",
    }
    audit = AuditEvent.objects.get(action="petitions.retention.destroy")
    assert audit.organization_id == district.pk
    assert audit.after["petitions"] == 1 and audit.after["attachments"] == 1
    # Never the data itself in the log.
    assert "5678" not in str(audit.after) and "김주민" not in str(audit.after)


def test_keeps_what_is_not_due(petition_factory, resident, policy):
    recent = _closed(petition_factory, resident, days_ago=100)
    # Open for years (a petition still being handled keeps its petitioner).
    still_open = petition_factory(
        status=Status.IN_PROGRESS,
        received_at=NOW - 2000 * DAY,
        user=resident,
        contact_email="resident@example.kr",
    )
    # Answered long ago but never closed: not finished yet.
    answered = petition_factory(
        status=Status.ANSWERED,
        received_at=NOW - 2000 * DAY,
        answered_at=NOW - 1900 * DAY,
        contact_phone="010-1234-5678",
    )
    assert retention_run(now=NOW) == 0
    for petition in (recent, still_open, answered):
        petition.refresh_from_db()
        assert petition.personal_data_destroyed_at is None
        assert petition.contact_email or petition.contact_phone
    assert not Destruction.objects.exists()
    assert not AuditEvent.objects.filter(action="petitions.retention.destroy").exists()


def test_transferred_petitions_count_from_the_transfer(petition_factory, resident, policy):
    transferred = petition_factory(
        status=Status.TRANSFERRED,
        received_at=NOW - 500 * DAY,
        user=resident,
        contact_email="resident@example.kr",
    )
    PetitionEvent.objects.create(petition=transferred, stage=Stage.TRANSFERRED, at=NOW - 400 * DAY)
    fresh = petition_factory(
        status=Status.TRANSFERRED,
        received_at=NOW - 500 * DAY,
        contact_email="other@example.kr",
    )
    PetitionEvent.objects.create(petition=fresh, stage=Stage.TRANSFERRED, at=NOW - 30 * DAY)
    assert retention_run(now=NOW) == 1
    transferred.refresh_from_db()
    fresh.refresh_from_db()
    assert transferred.contact_email == "" and transferred.user is None
    assert fresh.contact_email == "other@example.kr"


def test_default_period_without_a_policy(petition_factory, resident):
    kept = _closed(petition_factory, resident, days_ago=1000)
    due = _closed(petition_factory, resident, days_ago=1100)
    assert retention_run(now=NOW) == 1
    assert Destruction.objects.get().petition_id_ref == due.pk
    assert Destruction.objects.get().retention_days == 1095
    kept.refresh_from_db()
    assert kept.contact_email == "resident@example.kr"


def test_idempotent(petition_factory, resident, policy):
    _closed(petition_factory, resident, days_ago=400)
    _closed(petition_factory, resident, days_ago=500)
    assert retention_run(now=NOW) == 2
    assert retention_run(now=NOW) == 0
    assert retention_run(now=NOW + 30 * DAY) == 0
    assert Destruction.objects.count() == 2
    assert PetitionEvent.objects.filter(stage=Stage.DESTROYED).count() == 2
    assert AuditEvent.objects.filter(action="petitions.retention.destroy").count() == 1


def test_each_organisation_keeps_its_own_period(petition_factory, resident, policy, city, board):
    from sotong.petitions.models import Board

    Policy.objects.create(organization=city, retention_days=1500)
    city_board = Board.objects.create(organization=city, code="b", name="응답소", kinds=["report"])
    ours = _closed(petition_factory, resident, days_ago=400)
    theirs = _closed(
        petition_factory, resident, days_ago=400, organization=city, board=city_board, category=None
    )
    report = retention_report(now=NOW)
    assert report.petitions == 1
    assert [(run.organization_id, run.retention_days) for run in report.organizations] == [
        (ours.organization_id, 365)
    ]
    theirs.refresh_from_db()
    assert theirs.contact_email == "resident@example.kr"


def test_dry_run_changes_nothing(petition_factory, resident, policy, district):
    petition = _closed(petition_factory, resident, days_ago=400)
    Attachment.objects.create(petition=petition, file=_file(district))
    report = retention_report(now=NOW, dry_run=True)
    assert (report.petitions, report.attachments) == (1, 1)
    petition.refresh_from_db()
    assert petition.personal_data_destroyed_at is None
    assert petition.contact_email == "resident@example.kr"
    assert not Destruction.objects.exists()


def test_command(petition_factory, resident, district):
    # The command runs at the real now: a petition closed four years ago is due by default.
    Policy.objects.create(organization=district, retention_days=365)
    petition = _closed(petition_factory, resident, days_ago=0)
    Petition.objects.filter(pk=petition.pk).update(closed_at=timezone.now() - 4 * 365 * DAY)
    out = StringIO()
    call_command("petitions_retention", "--dry-run", stdout=out)
    assert "시험구: 파기 대상 민원 1건" in out.getvalue()
    assert "시험 실행" in out.getvalue()
    petition.refresh_from_db()
    assert petition.personal_data_destroyed_at is None

    out = StringIO()
    call_command("petitions_retention", stdout=out)
    assert "파기 민원 1건" in out.getvalue()
    petition.refresh_from_db()
    assert petition.personal_data_destroyed_at is not None

    out = StringIO()
    call_command("petitions_retention", stdout=out)
    assert "파기 민원 0건" in out.getvalue()


def test_the_task_runs_the_same_step(petition_factory, resident, district):
    from sotong.petitions.retention import retention_tick

    Policy.objects.create(organization=district, retention_days=365)
    petition = _closed(petition_factory, resident, days_ago=0)
    Petition.objects.filter(pk=petition.pk).update(closed_at=timezone.now() - 400 * DAY)
    result = retention_tick.enqueue()
    assert result.return_value == 1


def test_the_petitions_tick_runs_it(petition_factory, resident, district):
    from sotong.petitions.tasks import run_tick

    Policy.objects.create(organization=district, retention_days=365)
    _closed(petition_factory, resident, days_ago=400)
    assert run_tick(NOW)["retention"] == 1
    assert run_tick(NOW)["retention"] == 0
