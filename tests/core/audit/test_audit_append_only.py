import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction

from sotong.core.audit import audit_record
from sotong.core.audit.guard import guard_lifted
from sotong.core.audit.models import AppendOnlyError, AuditEvent


@pytest.fixture
def event(db):
    return audit_record(actor=None, action="test.kept", reason="원래 사유")


def test_saving_an_existing_event_is_refused(event):
    event.reason = "고친 사유"
    with pytest.raises(AppendOnlyError):
        event.save()


def test_deleting_an_event_is_refused(event):
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.parametrize(
    "change",
    [
        lambda qs: qs.update(reason="x"),
        lambda qs: qs.delete(),
        lambda qs: qs.bulk_update(list(qs), ["reason"]),
        lambda qs: qs.bulk_create([AuditEvent(action="test.forged")]),
    ],
    ids=["update", "delete", "bulk_update", "bulk_create"],
)
def test_bulk_changes_are_refused(event, change):
    with pytest.raises(AppendOnlyError):
        change(AuditEvent.objects.all())


def test_event_without_chain_is_refused(db):
    with pytest.raises(AppendOnlyError, match="audit_record"):
        AuditEvent(seq=1, action="test.forged", actor_label="x").save()


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET reason = 'forged' WHERE seq = 1",
        "UPDATE audit_auditevent SET seq = 7",
        "DELETE FROM audit_auditevent WHERE seq = 1",
        "DELETE FROM audit_auditevent",
    ],
)
def test_database_refuses_raw_sql_changes(event, statement):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        _sql(statement)
    assert AuditEvent.objects.get().reason == "원래 사유"


def test_emptying_the_table_the_way_flush_does_is_refused(event):
    # TRUNCATE on PostgreSQL (which skips row triggers, hence a statement trigger), DELETE on SQLite.
    (statement,) = connection.ops.sql_flush(no_style(), ["audit_auditevent"])
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        _sql(statement)
    assert AuditEvent.objects.exists()


def test_guard_comes_back_after_being_lifted(event):
    with guard_lifted(connection):
        _sql("UPDATE audit_auditevent SET reason = 'forged'")
    with pytest.raises(IntegrityError), transaction.atomic():
        _sql("UPDATE audit_auditevent SET reason = 'again'")
    assert AuditEvent.objects.get().reason == "forged"


def test_deleting_a_user_leaves_their_events_alone(resident):
    audit_record(actor=resident, action="test.user")
    resident.delete()
    assert AuditEvent.objects.get().actor_id is not None


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_and_keeps_the_guard():
    audit_record(actor=None, action="test.flushed")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()

    audit_record(actor=None, action="test.after_flush")
    with pytest.raises(IntegrityError), transaction.atomic():
        _sql("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.get().seq == 1
