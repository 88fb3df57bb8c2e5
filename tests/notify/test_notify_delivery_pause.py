"""The delivery switch (`notify/operations.py`, `manage.py notify_delivery`). A restored copy of
the database starts paused, so that workers started on it never send real residents the copy's
scheduled messages (issue 11). Paused: nothing is claimed, nothing starts, nothing is lost."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from sotong.core.audit.models import AuditEvent
from sotong.notify import operations, pipeline, tasks
from sotong.notify.models import Campaign, Delivery
from sotong.notify.transports.base import Outcome, Transport


class RecordingTransport(Transport):
    name = "recording"
    channels = frozenset({"email", "sms", "kakao"})
    max_batch = 100
    reconcilable = False

    def __init__(self):
        self.sent: list = []

    def rate_per_second(self) -> int:
        return 0

    def send(self, batch):
        self.sent.extend(batch)
        return [Outcome(item.delivery_id, "sent", f"m-{item.key}") for item in batch]


@pytest.fixture
def transport(monkeypatch):
    fake = RecordingTransport()
    monkeypatch.setattr("sotong.notify.transports.transport_for", lambda channel: fake)
    return fake


@pytest.fixture
def outbox(district, officer, subscriber_factory):
    """`outbox(n, kind=...)`: n SMS deliveries of one new campaign that is sending."""

    def make(n=1, *, kind=Campaign.Kind.TARGETED):
        campaign = Campaign.objects.create(
            organization=district,
            kind=kind,
            status=Campaign.Status.SENDING,
            title="알림",
            subject="알림",
            body="안녕하세요.",
            sms_body="[알림] 안녕하세요.",
            created_by=officer,
        )
        return [
            Delivery.objects.create(
                campaign=campaign,
                subscriber=subscriber_factory(),
                channel="sms",
                priority=campaign.priority,
            )
            for _ in range(n)
        ]

    return make


Status = Delivery.Status


def command(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("notify_delivery", *args, stdout=out)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db
def test_not_paused_without_a_row():
    assert not operations.delivery_paused()
    assert command("status") == (0, "상태: 발송 중 (delivering)\n")


def test_paused_workers_claim_nothing_and_resume_sends_what_waited(outbox, transport):
    rows = outbox(3)
    command("pause", "--reason", "복구 훈련 사본")

    stats = pipeline.deliver_due(worker="w", time_budget=30.0)

    assert stats.stopped == "idle"
    assert stats.claimed == 0 and transport.sent == []
    assert {Delivery.objects.get(pk=row.pk).status for row in rows} == {Status.QUEUED}

    code, out = command("resume", "--reason", "훈련 끝")
    assert code == 0 and "다시 시작" in out
    assert pipeline.deliver_due(worker="w", time_budget=30.0).sent == 3


def test_the_scheduler_starts_nothing_while_paused(outbox, monkeypatch):
    import sotong.notify.campaigns as campaigns

    started = []
    monkeypatch.setattr(campaigns, "campaign_start_due", lambda *, now: started.append(now) or 0)
    outbox(1, kind=Campaign.Kind.EMERGENCY)
    operations.delivery_pause(actor=None, reason="복구한 사본")

    result = tasks.run_tick()

    assert result["paused"] is True and result["woke"] == []
    assert started == []


def test_status_exits_3_while_paused_and_says_why(db):
    command("pause", "--reason", "복구한 사본")
    code, out = command("status")
    assert code == 3
    assert "일시 중지 (paused)" in out and "복구한 사본" in out


def test_pause_needs_a_reason(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("notify_delivery", "pause", stdout=io.StringIO())


def test_pause_and_resume_are_audited(db):
    command("pause", "--reason", "복구한 사본")
    command("resume", "--reason", "운영 전환")
    events = list(AuditEvent.objects.filter(action__startswith="notify.delivery.").order_by("seq"))
    assert [(e.action, e.actor_id, e.reason) for e in events] == [
        ("notify.delivery.pause", None, "복구한 사본"),
        ("notify.delivery.resume", None, "운영 전환"),
    ]
    assert events[0].after == {"paused": True, "reason": "복구한 사본"}


def test_only_an_operator_may_switch(officer):
    with pytest.raises(PermissionDenied):
        operations.delivery_pause(actor=officer, reason="x")
    assert not operations.delivery_paused()


# --- staff pages ------------------------------------------------------------------------------


@pytest.fixture
def notify_officer(officer):
    from django.contrib.auth.models import Permission

    officer.user_permissions.add(
        Permission.objects.get(codename="send_campaign", content_type__app_label="notify")
    )
    return officer


def test_staff_pages_say_delivery_is_paused(client, staff_login, notify_officer):
    staff_login(client, notify_officer)
    page = client.get(reverse("notify:staff_dashboard")).content.decode()
    assert "알림 발송이 일시 중지되어 있습니다" not in page

    operations.delivery_pause(actor=None, reason="복구한 사본")

    page = client.get(reverse("notify:staff_dashboard")).content.decode()
    assert "알림 발송이 일시 중지되어 있습니다" in page
    assert "복구한 사본" in page
    templates = client.get(reverse("notify:staff_templates")).content.decode()
    assert "알림 발송이 일시 중지되어 있습니다" in templates


def test_people_without_notify_permission_do_not_see_the_staff_page(client, staff_login, officer):
    operations.delivery_pause(actor=None, reason="복구한 사본")
    staff_login(client, officer)
    response = client.get(reverse("notify:staff_dashboard"))
    assert response.status_code == 403
    assert "복구한 사본" not in response.content.decode()
