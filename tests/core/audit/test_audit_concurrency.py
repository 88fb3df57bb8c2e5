"""audit_record under concurrent writers, each thread with its own database connection (see the
`threaded_db` fixture for how SQLite gets a file database for this)."""

import threading
import time

from django.db import connection, transaction

from sotong.core.audit import audit_record
from sotong.core.audit.models import AuditEvent
from sotong.core.audit.verify import verify_chain

WAIT = 10  # seconds before a stuck thread fails the test instead of hanging it


def _thread(target, errors):
    def run():
        try:
            target()
        except Exception as exc:  # handed to the test, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    return threading.Thread(target=run)


def test_two_writers_build_one_unbroken_chain(threaded_db):
    start = threading.Barrier(2)
    errors = []

    def writer(name):
        def write():
            start.wait(timeout=WAIT)
            for i in range(25):
                with transaction.atomic():
                    audit_record(actor=None, action="test.concurrent", reason=f"{name}-{i}")

        return write

    threads = [_thread(writer(name), errors) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 51))
    for name in ("a", "b"):
        own = AuditEvent.objects.filter(reason__startswith=f"{name}-").order_by("seq")
        assert [e.reason for e in own] == [f"{name}-{i}" for i in range(25)]
    assert verify_chain().intact


def _blocked_on_lock(pid: int) -> bool:
    """Whether PostgreSQL backend `pid` is waiting for a lock, polled until true or WAIT passes."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
        if row and row[0] == "Lock":
            return True
        threading.Event().wait(0.01)
    return False


def test_second_writer_waits_for_the_first_and_extends_its_event(threaded_db):
    """B starts while A's transaction holds the chain: B must wait and then chain onto A's event,
    never onto the event A itself extended."""
    audit_record(actor=None, action="test.before")
    a_recorded, b_starting, release_a = threading.Event(), threading.Event(), threading.Event()
    events, errors, b_pid = {}, [], []

    def first():
        with transaction.atomic():
            events["a"] = audit_record(actor=None, action="test.first")
            a_recorded.set()
            assert release_a.wait(WAIT)

    def second():
        assert a_recorded.wait(WAIT)
        connection.ensure_connection()
        if connection.vendor == "postgresql":
            b_pid.append(connection.connection.info.backend_pid)
            b_starting.set()
        else:
            # SQLite: note the moment B issues BEGIN IMMEDIATE, which must wait for A.
            connection.connection.set_trace_callback(
                lambda sql: sql.startswith("BEGIN") and b_starting.set()
            )
        with transaction.atomic():
            events["b"] = audit_record(actor=None, action="test.second")

    threads = [_thread(first, errors), _thread(second, errors)]
    for thread in threads:
        thread.start()
    assert b_starting.wait(WAIT)
    if connection.vendor == "postgresql":
        assert _blocked_on_lock(b_pid[0])
    assert "b" not in events  # B cannot have finished while A holds the chain
    release_a.set()
    for thread in threads:
        thread.join()

    assert errors == []
    assert events["b"].seq == events["a"].seq + 1
    assert events["b"].prev_hash == events["a"].hash
    assert verify_chain().intact
