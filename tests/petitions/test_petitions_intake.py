"""The fast intake path of the Open311 API (issue 5, "Measured"): a POST stores the petition
alone and answers; the `intake` task finishes its receipt (timeline, assignment, notices,
duplicate check, audit) once, whichever runs it first; the lookups of a POST are kept per process
for OPEN311_DIRECTORY_TTL seconds, and a revoked key stops at once in its own process."""

from __future__ import annotations

import pytest

import sotong.petitions.events  # noqa: F401  (the petitions' notification events)
from sotong.core.audit.models import AuditEvent
from sotong.notify.models import Notification
from sotong.petitions import services, tasks
from sotong.petitions.models import Category, Open311Key, Petition, PetitionEvent
from sotong.petitions.open311 import directory as open311_directory

pytestmark = pytest.mark.django_db

URL = "/open311/v2/requests.json"


@pytest.fixture
def board(board, department):
    """The shared board, receiving in the officer's department (so a receipt assigns)."""
    board.department = department
    board.save()
    return board


@pytest.fixture
def api_key(district):
    from sotong.petitions.open311.keys import open311_key_create

    _key, raw = open311_key_create(actor=None, organization=district, name="주민 신고 앱")
    return raw


def form(api_key, **extra):
    data = {
        "api_key": api_key,
        "service_code": "street-light",
        "lat": "37.5636",
        "long": "126.9976",
        "description": "을지로 100 앞 가로등이 사흘째 꺼져 있습니다.",
        "email": "resident@example.kr",
    }
    data.update(extra)
    return data


def post(client, api_key, **extra):
    response = client.post(URL, form(api_key, **extra))
    assert response.status_code == 200, response.content.decode()
    return Petition.objects.get(pk=int(response.json()[0]["service_request_id"]))


def test_post_stores_the_petition_and_leaves_its_receipt_to_the_task(
    client, category, board, api_key, department, officer
):
    petition = post(client, api_key)
    assert petition.intake_pending is True
    assert petition.status == "received" and petition.department is None
    assert not PetitionEvent.objects.filter(petition=petition).exists()
    assert not AuditEvent.objects.filter(action="petitions.petition.submit").exists()
    assert petition.due_at is not None and petition.period

    assert services.petitions_intake_pending() == 1
    petition.refresh_from_db()
    assert petition.intake_pending is False
    assert petition.status == "assigned" and petition.department == department
    assert petition.tokens  # kiwi tokens for duplicates and routing
    stages = list(
        PetitionEvent.objects.filter(petition=petition).order_by("pk").values_list("stage", "at")
    )
    assert [stage for stage, _at in stages] == ["received", "assigned"]
    assert stages[0][1] == petition.received_at  # the timeline says when it was received
    received = Notification.objects.get(event="petitions.received")
    assert received.to_email == "resident@example.kr"
    assert Notification.objects.filter(event="petitions.assigned", user=officer).exists()
    audit = AuditEvent.objects.get(action="petitions.petition.submit")
    assert audit.actor_id is None and audit.object_id == str(petition.pk)
    assert audit.after["channel"] == "open311"

    # Run again (a second worker, the tick): nothing happens twice.
    assert services.petitions_intake_pending() == 0
    assert services.petition_intake_complete(petition_id=petition.pk) is False
    assert PetitionEvent.objects.filter(petition=petition).count() == 2
    assert Notification.objects.filter(event="petitions.received").count() == 1
    assert AuditEvent.objects.filter(action="petitions.petition.submit").count() == 1


def test_the_intake_task_runs_after_the_commit(
    client, category, board, api_key, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        petition = post(client, api_key)
    assert callbacks  # the queued run (the test settings run tasks at once)
    petition.refresh_from_db()
    assert petition.intake_pending is False
    assert petition.status == "assigned"


def test_one_queued_run_per_process_and_second(
    client, category, board, api_key, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    backend = tasks.intake.get_backend()

    class CountingTask:
        def get_backend(self):
            return backend

        def enqueue(self):
            queued.append(1)

    monkeypatch.setattr(services.intake, "intake", CountingTask())
    monkeypatch.setattr(services.intake, "_intake_queued_until", 0.0)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, api_key)
        post(client, api_key, description="퇴계로 가로등이 깜빡입니다.")
    assert len(queued) == 1  # both in the same second share the run
    monkeypatch.setattr(services.intake, "_intake_queued_until", 0.0)  # the next second
    with django_capture_on_commit_callbacks(execute=True):
        post(client, api_key, description="충무로 보안등이 꺼졌습니다.")
    assert len(queued) == 2


def test_the_tick_finishes_receipts_a_lost_run_left_behind(client, category, board, api_key):
    petition = post(client, api_key)
    result = tasks.run_tick()
    assert result["received"] == 1
    petition.refresh_from_db()
    assert petition.intake_pending is False


def test_a_petition_that_fails_to_finish_stays_pending_and_the_rest_go_on(
    client, category, board, api_key, monkeypatch
):
    first = post(client, api_key)
    second = post(client, api_key, description="퇴계로 가로등이 깜빡입니다.")
    real = services.intake._receive

    def broken(petition, actor, **kwargs):
        if petition.pk == first.pk:
            raise RuntimeError("boom")
        return real(petition, actor, **kwargs)

    monkeypatch.setattr(services.intake, "_receive", broken)
    assert services.petitions_intake_pending() == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.intake_pending is True  # rolled back whole: no half-received petition
    assert not PetitionEvent.objects.filter(petition=first).exists()
    assert second.intake_pending is False


def test_a_replayed_post_on_the_fast_path_returns_the_first_petition(
    client, category, board, api_key
):
    headers = {"HTTP_IDEMPOTENCY_KEY": "app-42"}
    first = client.post(URL, form(api_key), **headers).json()
    again = client.post(URL, form(api_key, description="바뀐 글"), **headers).json()
    assert first[0]["service_request_id"] == again[0]["service_request_id"]
    assert Petition.objects.count() == 1


def test_lookups_are_kept_for_the_ttl_and_a_revoked_key_stops_at_once(
    client, category, board, api_key, settings, monkeypatch
):
    settings.OPEN311_DIRECTORY_TTL = 60
    post(client, api_key)
    calls = []
    real_load = open311_directory._load
    monkeypatch.setattr(open311_directory, "_load", lambda *a: calls.append(1) or real_load(*a))
    post(client, api_key, description="두 번째 신고입니다.")
    assert calls == []  # served from the directory

    # A deactivated service is still served by this worker until the TTL ends …
    Category.objects.filter(pk=category.pk).update(active=False)
    post(client, api_key, description="세 번째 신고입니다.")
    now = open311_directory.time.monotonic()
    monkeypatch.setattr(open311_directory.time, "monotonic", lambda: now + 61)
    response = client.post(URL, form(api_key, description="네 번째"))
    assert response.status_code == 404  # … and refused after it
    assert calls == [1]

    # Revoking clears the directory of this process at once.
    Category.objects.filter(pk=category.pk).update(active=True)
    post(client, api_key, description="다섯 번째 신고입니다.")
    from sotong.petitions.open311.keys import open311_key_revoke

    open311_key_revoke(actor=None, key=Open311Key.objects.get())
    response = client.post(URL, form(api_key, description="여섯 번째"))
    assert response.status_code == 403


def test_unknown_keys_are_never_kept(client, category, board, api_key):
    assert client.post(URL, form("no-such-key")).status_code == 403
    assert open311_directory._entries == {}
    post(client, api_key)
    assert len(open311_directory._entries) == 1


def test_the_web_form_still_receives_in_full_at_once(resident, board, category, department):
    petition = services.petition_submit(
        actor=resident,
        board=board,
        kind="grievance",
        title="가로등 고장",
        body="을지로 가로등이 꺼졌습니다.",
        category=category,
    )
    assert petition.intake_pending is False
    assert petition.status == "assigned"
    assert AuditEvent.objects.filter(action="petitions.petition.submit").count() == 1


def test_attachments_are_not_taken_on_the_fast_path(resident, board, category):
    with pytest.raises(ValueError):
        services.petition_submit(
            actor=resident,
            board=board,
            kind="grievance",
            title="가로등",
            body="본문",
            attachments=[object()],
            deferred=True,
        )


def test_a_pending_petition_is_indexed_for_search_when_its_receipt_is_finished(
    client, category, board, api_key, django_capture_on_commit_callbacks
):
    from sotong.core.search.models import SearchDocument

    petition = post(client, api_key)  # the test's transaction: no run after commit
    assert not SearchDocument.objects.filter(object_id=str(petition.pk)).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.petitions_intake_pending()
    assert SearchDocument.objects.filter(object_id=str(petition.pk)).exists()
