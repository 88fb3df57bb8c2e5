"""`manage.py audit_verify` against every way of tampering with the log. The attacker has direct
database access, so each test first lifts the database guard as such an attacker could."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from sotong.core.audit import audit_record
from sotong.core.audit.guard import guard_lifted
from sotong.core.audit.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(city):
    """Five events; returned as a list in chain order."""
    return [
        audit_record(actor=None, action=f"test.step{n}", obj=city, after={"n": n})
        for n in range(1, 6)
    ]


def verify(*args):
    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def tampered(*args) -> str:
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify", *args, stdout=out)
    assert failure.value.returncode == 1
    return str(failure.value)


def attack(statement, params=()):
    with guard_lifted(connection), connection.cursor() as cursor:
        cursor.execute(statement, params)


def rehash_from(seq):
    """What a careful attacker does after changing event `seq`: recompute every hash after it
    and the chain head, so that each link holds again."""
    prev = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else ""
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        event.prev_hash = prev
        prev = event.compute_hash()
        attack(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s",
            [event.prev_hash, prev, event.seq],
        )
    attack("UPDATE audit_auditchainhead SET hash = %s", [prev])


def test_empty_log_is_intact(db):
    assert "검사한 기록: 0건" in verify()


def test_untouched_chain_is_intact_and_prints_an_anchor(chain):
    output = verify()
    assert "검사한 기록: 5건" in output
    assert "온전" in output
    assert f"5:{chain[-1].hash}" in output


@pytest.mark.parametrize("batch_size", ["1", "2", "1000"])
def test_batches_do_not_matter(chain, batch_size):
    assert "검사한 기록: 5건" in verify("--batch-size", batch_size)
    attack("UPDATE audit_auditevent SET reason = 'x' WHERE seq = 4")
    assert "[altered] 기록 #4" in tampered("--batch-size", batch_size)


def test_changed_content_is_detected(chain):
    attack("UPDATE audit_auditevent SET after = %s WHERE seq = 3", ['{"n": 30}'])
    message = tampered()
    assert "[altered] 기록 #3" in message
    assert "바뀌었습니다" in message


def test_changed_actor_is_detected(chain):
    attack("UPDATE audit_auditevent SET actor_id = %s WHERE seq = 2", [4242])
    assert "[altered] 기록 #2" in tampered()


def test_deleted_event_leaves_a_gap(chain):
    attack("DELETE FROM audit_auditevent WHERE seq = 3")
    message = tampered()
    assert "[missing] 기록 #3" in message
    assert "삭제" in message


def test_deleted_events_at_the_end_are_detected_through_the_head(chain):
    attack("DELETE FROM audit_auditevent WHERE seq >= 4")
    assert "[missing_tail] 기록 #4" in tampered()


def test_reordered_events_are_detected(chain):
    attack("UPDATE audit_auditevent SET seq = -1 WHERE seq = 2")
    attack("UPDATE audit_auditevent SET seq = 2 WHERE seq = 3")
    attack("UPDATE audit_auditevent SET seq = 3 WHERE seq = -1")
    assert "[broken_link] 기록 #2" in tampered()


def test_forged_hash_breaks_the_next_link(chain):
    forged = AuditEvent.objects.get(seq=3)
    forged.reason = "위조"
    attack(
        "UPDATE audit_auditevent SET reason = %s, hash = %s WHERE seq = 3",
        ["위조", forged.compute_hash()],
    )
    message = tampered()
    assert "[broken_link] 기록 #4" in message
    assert "기록 #3의 해시" in message


def test_inserted_event_breaks_the_next_link(chain):
    attack("UPDATE audit_auditevent SET seq = seq + 10 WHERE seq >= 3")
    intruder = AuditEvent(
        seq=3,
        created_at=chain[2].created_at,
        actor_label="시스템",
        action="test.intruder",
        prev_hash=chain[1].hash,
    )
    intruder.hash = intruder.compute_hash()
    intruder.save()
    attack("UPDATE audit_auditevent SET seq = seq - 9 WHERE seq >= 13")
    assert "[broken_link] 기록 #4" in tampered()


def test_event_appended_behind_the_writers_back_is_detected(chain):
    extra = AuditEvent(
        seq=6,
        created_at=chain[-1].created_at,
        actor_label="시스템",
        action="test.extra",
        prev_hash=chain[-1].hash,
    )
    extra.hash = extra.compute_hash()
    extra.save()
    assert "[beyond_head] 기록 #6" in tampered()


def test_replaced_last_event_is_detected_through_the_head(chain):
    attack("DELETE FROM audit_auditevent WHERE seq = 5")
    replacement = AuditEvent(
        seq=5,
        created_at=chain[-1].created_at,
        actor_label="시스템",
        action="test.replacement",
        prev_hash=chain[3].hash,
    )
    replacement.hash = replacement.compute_hash()
    replacement.save()
    assert "[head_mismatch] 기록 #5" in tampered()


def test_missing_head_is_reported(chain):
    AuditChainHead.objects.all().delete()
    assert "[head_missing]" in tampered()


def test_rewritten_chain_passes_alone_but_not_against_an_anchor(chain):
    anchor = f"4:{chain[3].hash}"
    attack("UPDATE audit_auditevent SET reason = '위조' WHERE seq = 2")
    rehash_from(2)

    assert "검사한 기록: 5건" in verify()  # every link holds again …
    assert "[anchor_mismatch] 기록 #4" in tampered("--anchor", anchor)  # … but not the anchor


def test_anchor_beyond_the_chain_means_deleted_events(chain):
    anchor = f"5:{chain[4].hash}"
    attack("DELETE FROM audit_auditevent WHERE seq = 5")
    attack("UPDATE audit_auditchainhead SET seq = 4, hash = %s", [chain[3].hash])
    assert "[anchor_missing] 기록 #5" in tampered("--anchor", anchor)


def test_matching_anchor_passes(chain):
    assert "검사한 기록: 5건" in verify("--anchor", f"3:{chain[2].hash}")


@pytest.mark.parametrize("args", [["--anchor", "3:abc"], ["--batch-size", "0"]])
def test_bad_arguments_are_refused(db, args):
    with pytest.raises(CommandError):
        call_command("audit_verify", *args)
