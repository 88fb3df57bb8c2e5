"""The delivery pipeline (`notify/pipeline.py`) against an in-memory transport: claim order,
lease expiry and reconciliation, backoff, attempts, Unsendable, the shared rate limit, quiet
hours, the no-op, the number of queries per batch, waking workers and the scheduler command.
Real providers and real processes: test_notify_crash.py and test_notify_distributed.py."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sotong.notify import pipeline, pipeline_rate, pipeline_record, tasks
from sotong.notify.models import Campaign, Delivery, Priority, RateWindow
from sotong.notify.transports.base import Outcome, Transport, TransportError

Status = Delivery.Status
SEOUL = ZoneInfo("Asia/Seoul")


class FakeTransport(Transport):
    """Records what it is handed; `answer(item)` decides each outcome; `held` are keys the
    "provider" already has (what `reconcile` finds)."""

    name = "fake"
    channels = frozenset({"email", "sms", "kakao"})
    max_batch = 100
    reconcilable = True

    def __init__(self, *, reconcilable: bool = True, rate: int = 0, with_each: bool = False):
        self.reconcilable = reconcilable
        self.rate = rate
        self.batches: list[list] = []
        self.reconciled: list[list] = []
        self.held: dict[str, Outcome] = {}
        self.answer = lambda item: Outcome(item.delivery_id, "sent", f"m-{item.key}")
        self.error: TransportError | None = None
        self.fail_after: int | None = None  # send_each: raise after this many items
        if with_each:
            self.send_each = self._send_each

    @property
    def sent(self) -> list:
        return [item for batch in self.batches for item in batch]

    def rate_per_second(self) -> int:
        return self.rate

    def send(self, batch):
        if self.error is not None:
            raise self.error
        self.batches.append(list(batch))
        return [self.answer(item) for item in batch]

    def _send_each(self, batch):
        self.batches.append([])
        for n, item in enumerate(batch):
            if self.fail_after is not None and n >= self.fail_after:
                raise TransportError("connection_error", "lost")
            self.batches[-1].append(item)
            yield self.answer(item)

    def reconcile(self, batch):
        self.reconciled.append(list(batch))
        return {item.delivery_id: self.held[item.key] for item in batch if item.key in self.held}


@pytest.fixture
def transport(monkeypatch):
    fake = FakeTransport()
    monkeypatch.setattr("sotong.notify.transports.transport_for", lambda channel: fake)
    return fake


@pytest.fixture
def campaign_factory(district, officer):
    def make(kind=Campaign.Kind.TARGETED, **fields):
        values = {
            "organization": district,
            "kind": kind,
            "status": Campaign.Status.SENDING,
            "title": "알림",
            "subject": "{{ organization }} 알림",
            "body": "안녕하세요. {{ title }}입니다.",
            "sms_body": "[{{ organization }}] {{ title }}",
            "created_by": officer,
        }
        if kind == Campaign.Kind.NEWSLETTER:
            values["digest_items"] = [{"title": "이번 주 소식", "summary": "요약"}]
        values.update(fields)
        return Campaign.objects.create(**values)

    return make


@pytest.fixture
def outbox(campaign_factory, subscriber_factory):
    """`outbox(n, kind=..., channel=..., **delivery_fields)`: n deliveries of one new campaign."""

    def make(n=1, *, kind=Campaign.Kind.TARGETED, channel="sms", campaign=None, **fields):
        campaign = campaign or campaign_factory(kind)
        rows = []
        for _ in range(n):
            subscriber = fields.pop("subscriber", None) or subscriber_factory()
            rows.append(
                Delivery.objects.create(
                    campaign=campaign,
                    subscriber=subscriber,
                    channel=channel,
                    priority=campaign.priority,
                    **fields,
                )
            )
        return rows

    return make


def run(**kwargs):
    kwargs.setdefault("worker", "test-worker")
    kwargs.setdefault("time_budget", 30.0)
    return pipeline.deliver_due(**kwargs)


def statuses(rows) -> list[str]:
    return [Delivery.objects.get(pk=row.pk).status for row in rows]


# --- claiming ---------------------------------------------------------------------------------


def test_emergency_is_claimed_before_older_newsletters(outbox):
    old = timezone.now() - timedelta(hours=1)
    newsletter = outbox(3, kind=Campaign.Kind.NEWSLETTER, channel="email", not_before=old)
    targeted = outbox(2, kind=Campaign.Kind.TARGETED, not_before=old)
    emergency = outbox(2, kind=Campaign.Kind.EMERGENCY)

    claimed = pipeline.claim_due(worker="w", limit=3, now=timezone.now())

    assert [pk for pk, _ in claimed] == sorted([emergency[0].pk, emergency[1].pk, targeted[0].pk])
    assert all(not again for _, again in claimed)
    row = Delivery.objects.get(pk=emergency[0].pk)
    assert (row.status, row.worker, row.attempts) == (Status.SENDING, "w", 1)
    assert row.lease_until > timezone.now()
    assert statuses(newsletter) == [Status.QUEUED] * 3


def test_deliver_sends_emergency_first(outbox, transport):
    outbox(3, kind=Campaign.Kind.NEWSLETTER, channel="email")
    emergency = outbox(2, kind=Campaign.Kind.EMERGENCY)

    stats = run(batch_size=2)

    assert [item.delivery_id for item in transport.batches[0]] == [row.pk for row in emergency]
    assert stats.sent == 5
    assert stats.stopped == "idle"


def test_rows_not_yet_due_or_under_a_live_lease_are_not_claimed(outbox):
    later = outbox(1, not_before=timezone.now() + timedelta(minutes=5))
    leased = outbox(
        1, status=Status.SENDING, lease_until=timezone.now() + timedelta(minutes=1), worker="other"
    )
    done = outbox(1, status=Status.SENT)

    assert pipeline.claim_due(worker="w", limit=10, now=timezone.now()) == []
    assert statuses(later + leased + done) == [Status.QUEUED, Status.SENDING, Status.SENT]


def test_channels_limit_the_claim(outbox):
    email = outbox(1, channel="email")
    outbox(1, channel="sms")
    claimed = pipeline.claim_due(worker="w", limit=10, now=timezone.now(), channels=["email"])
    assert claimed == [(email[0].pk, False)]


def test_nothing_due_is_a_cheap_no_op(outbox, transport):
    outbox(2, not_before=timezone.now() + timedelta(hours=1))
    with CaptureQueriesContext(connection) as queries:
        stats = run()
    assert (stats.claimed, stats.rounds, stats.stopped) == (0, 0, "idle")
    assert transport.batches == []
    assert len(queries) <= 3  # the claim (plus BEGIN/COMMIT on SQLite)


def test_sent_rows_record_the_provider_id_and_transport(outbox, transport):
    (row,) = outbox(1)
    stats = run()
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert row.provider_message_id == f"m-d{row.pk}"
    assert row.transport == "fake"
    assert row.sent_at is not None and row.lease_until is None
    assert (stats.claimed, stats.sent) == (1, 1)


def test_delivered_and_permanent_outcomes(outbox, transport):
    delivered, refused = outbox(2)
    transport.answer = lambda item: (
        Outcome(item.delivery_id, "delivered", "m1")
        if item.delivery_id == delivered.pk
        else Outcome(item.delivery_id, "permanent", code="invalid_number", detail="1020")
    )
    stats = run()
    delivered.refresh_from_db()
    refused.refresh_from_db()
    assert (delivered.status, delivered.delivered_at is not None) == (Status.DELIVERED, True)
    assert (refused.status, refused.failure_code, refused.failure_detail) == (
        Status.FAILED,
        "invalid_number",
        "1020",
    )
    assert stats.codes == {"invalid_number": 1}


# --- crashes and retries ----------------------------------------------------------------------


def test_an_expired_lease_is_reconciled_before_anything_is_resent(outbox, transport):
    expired = timezone.now() - timedelta(seconds=1)
    held, lost = outbox(2, status=Status.SENDING, lease_until=expired, worker="dead", attempts=1)
    transport.held[f"d{held.pk}"] = Outcome(held.pk, "sent", "m-earlier")

    stats = run()

    held.refresh_from_db()
    lost.refresh_from_db()
    assert [item.delivery_id for item in transport.reconciled[0]] == [held.pk, lost.pk]
    assert [item.delivery_id for item in transport.sent] == [lost.pk]  # never the held one
    assert (held.status, held.provider_message_id, held.attempts) == (Status.SENT, "m-earlier", 2)
    assert (lost.status, lost.attempts) == (Status.SENT, 2)
    assert stats.reconciled == 1


def test_an_unreachable_provider_during_reconcile_never_resends(outbox, transport):
    expired = timezone.now() - timedelta(seconds=1)
    (row,) = outbox(1, status=Status.SENDING, lease_until=expired, worker="dead", attempts=1)

    def broken(batch):
        raise TransportError("http_503")

    transport.reconcile = broken
    run()
    row.refresh_from_db()
    assert transport.sent == []
    # Still owed a reconcile: "sending" with its lease as the retry time.
    assert row.status == Status.SENDING and row.worker == ""
    assert row.lease_until > timezone.now() + timedelta(seconds=25)


def test_email_is_resent_after_a_crash(outbox, transport):
    """SMTP cannot be asked: an e-mail whose worker died goes again (same Message-ID)."""
    transport.reconcilable = False
    expired = timezone.now() - timedelta(seconds=1)
    (row,) = outbox(1, channel="email", status=Status.SENDING, lease_until=expired, attempts=1)
    run()
    assert transport.reconciled == []
    assert [item.delivery_id for item in transport.sent] == [row.pk]


def test_backoff_schedule():
    assert [pipeline.backoff_seconds(n) for n in range(1, 7)] == [
        30,
        120,
        480,
        1920,
        7200,
        7200,
    ]
    assert pipeline.backoff_seconds(1, retry_after=300) == 300
    assert pipeline.backoff_seconds(3, retry_after=5) == 480
    assert pipeline.backoff_seconds(1, retry_after=10**6) == 7200


@pytest.mark.parametrize("reconcilable", [False, True])
def test_a_temporary_failure_comes_back_later(outbox, transport, reconcilable):
    transport.reconcilable = reconcilable
    (row,) = outbox(1, attempts=1)  # the second try
    transport.answer = lambda item: Outcome(
        item.delivery_id, "temporary", code="http_503", retry_after=None
    )
    before = timezone.now()
    stats = run()
    row.refresh_from_db()
    assert row.attempts == 2 and row.failure_code == "http_503"
    retry_at = before + timedelta(seconds=120)
    if reconcilable:
        # Asked about before it is sent again: the timeout may have delivered it.
        assert row.status == Status.SENDING
        assert retry_at <= row.lease_until <= timezone.now() + timedelta(seconds=120)
    else:
        assert row.status == Status.QUEUED
        assert retry_at <= row.not_before <= timezone.now() + timedelta(seconds=120)
    assert stats.retried == 1
    # Not due again in this run: no resend storm.
    assert len(transport.sent) == 1


def test_retries_end_after_the_maximum_attempts(outbox, transport, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    (row,) = outbox(1, attempts=2)
    transport.answer = lambda item: Outcome(item.delivery_id, "temporary", code="timeout")
    run()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.failure_code) == (
        Status.FAILED,
        3,
        "retries_exhausted",
    )
    assert "timeout" in row.failure_detail


def test_a_row_that_keeps_killing_workers_ends_failed(outbox, transport, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    expired = timezone.now() - timedelta(seconds=1)
    (row,) = outbox(1, status=Status.SENDING, lease_until=expired, attempts=3)
    run()
    row.refresh_from_db()
    assert (row.status, row.failure_code) == (Status.FAILED, "retries_exhausted")
    assert transport.sent == []


def test_a_provider_outage_stops_the_channel_for_this_run(outbox, transport):
    rows = outbox(5)
    transport.error = TransportError("http_503", "down", retry_after=600)
    stats = run(batch_size=2, channels=["sms"])
    assert stats.stopped == "transport_down"
    assert stats.claimed == 2  # one batch tried, the rest left alone
    failed = Delivery.objects.filter(pk__in=[r.pk for r in rows], failure_code="http_503")
    assert failed.count() == 2
    assert all(r.lease_until >= timezone.now() + timedelta(seconds=590) for r in failed)
    assert Delivery.objects.filter(status=Status.QUEUED, attempts=0).count() == 3


def test_email_outcomes_are_committed_one_by_one(outbox, monkeypatch):
    smtp = FakeTransport(reconcilable=False, with_each=True)
    monkeypatch.setattr("sotong.notify.transports.transport_for", lambda channel: smtp)
    recorded = []
    original = pipeline_record._update

    def spy(worker, ids, const, varying=None):
        recorded.append(list(ids))
        return original(worker, ids, const, varying)

    monkeypatch.setattr(pipeline_record, "_update", spy)
    smtp.fail_after = 2
    rows = outbox(4, channel="email")

    run()

    # One UPDATE per accepted message, then one for the two the lost connection left.
    assert recorded[:2] == [[rows[0].pk], [rows[1].pk]]
    assert statuses(rows) == [Status.SENT, Status.SENT, Status.QUEUED, Status.QUEUED]


# --- content and timing -----------------------------------------------------------------------


def test_unsendable_rows_are_recorded_with_their_code_and_never_retried(
    outbox, transport, campaign_factory, subscriber_factory
):
    from sotong.notify.models import Subscriber

    left = subscriber_factory(status=Subscriber.Status.UNSUBSCRIBED)
    (gone,) = outbox(1, subscriber=left)
    (too_long,) = outbox(1, campaign=campaign_factory(sms_body="가" * 1200))
    (ok,) = outbox(1)

    stats = run()

    gone.refresh_from_db()
    too_long.refresh_from_db()
    assert (gone.status, gone.failure_code) == (Status.SKIPPED, "unsubscribed")
    assert (too_long.status, too_long.failure_code) == (Status.FAILED, "too_long")
    assert [item.delivery_id for item in transport.sent] == [ok.pk]
    assert (stats.skipped, stats.failed, stats.sent) == (1, 1, 1)


def test_a_cancelled_campaign_sends_nothing(outbox, transport, campaign_factory):
    rows = outbox(2, campaign=campaign_factory(status=Campaign.Status.CANCELLED))
    run()
    assert statuses(rows) == [Status.CANCELLED] * 2
    assert transport.sent == []


def _quiet_now(subscriber_factory):
    """A subscriber whose quiet hours hold the current moment (Asia/Seoul)."""
    local = timezone.now().astimezone(SEOUL)
    start = (local - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (local + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    return subscriber_factory(quiet_start=start, quiet_end=end), end


def test_quiet_hours_defer_without_costing_an_attempt(outbox, transport, subscriber_factory):
    subscriber, end = _quiet_now(subscriber_factory)
    (row,) = outbox(1, subscriber=subscriber)
    (alert,) = outbox(1, kind=Campaign.Kind.EMERGENCY, subscriber=subscriber)

    stats = run()

    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.QUEUED, 0)
    assert row.not_before.astimezone(SEOUL).time() == end
    assert row.not_before > timezone.now()
    assert [item.delivery_id for item in transport.sent] == [alert.pk]
    assert (stats.deferred, stats.sent) == (1, 1)


def test_promotional_messages_wait_for_the_morning(
    outbox, transport, campaign_factory, subscriber_factory, monkeypatch
):
    # 22:30 in Seoul, for the whole pipeline.
    night = datetime(2025, 3, 5, 22, 30, tzinfo=SEOUL)
    monkeypatch.setattr(pipeline.timezone, "now", lambda: night)
    earlier = night - timedelta(hours=1)
    promo = campaign_factory(promotional=True)
    consenting = subscriber_factory(promo_consent=True)
    owl = subscriber_factory(promo_consent=True, night_promo_consent=True)
    (held,) = outbox(1, campaign=promo, subscriber=consenting, not_before=earlier)
    (night_ok,) = outbox(1, campaign=promo, subscriber=owl, not_before=earlier)
    (plain,) = outbox(1, not_before=earlier)

    stats = run()

    held.refresh_from_db()
    assert held.status == Status.QUEUED
    assert held.not_before == datetime(2025, 3, 6, 8, tzinfo=SEOUL)
    sent = {item.delivery_id: item for item in transport.sent}
    assert set(sent) == {night_ok.pk, plain.pk}
    assert sent[night_ok.pk].body.startswith("(광고)")
    assert (stats.deferred, stats.sent) == (1, 2)


# --- rate limit -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rate_window_is_shared_by_claims():
    assert pipeline.rate_take("solapi", 3, 5, second=1000) == 3
    assert pipeline.rate_take("solapi", 3, 5, second=1000) == 2  # another worker, same second
    assert pipeline.rate_take("solapi", 1, 5, second=1000) == 0
    assert pipeline.rate_take("smtp", 4, 5, second=1000) == 4  # per transport
    assert pipeline.rate_take("solapi", 4, 5, second=1001) == 4  # the next second
    assert pipeline.rate_take("solapi", 7, 0, second=1000) == 7  # no limit
    assert RateWindow.objects.get(transport="solapi", second=1000).count == 7


def test_rate_limit_across_two_workers(outbox, transport, monkeypatch, settings):
    # One frozen second and a short lease: what does not fit is handed back, not waited for.
    monkeypatch.setattr(pipeline_rate, "_now_second", lambda: 4242)
    settings.NOTIFY_LEASE_SECONDS = 1
    transport.rate = 5
    rows = outbox(8)

    # A tiny budget: one round each (the window stays full in the frozen second).
    first = run(worker="a", batch_size=4, time_budget=0.01)
    second = run(worker="b", batch_size=4, time_budget=0.01)

    assert len(transport.sent) == 5
    assert first.sent + second.sent == 5
    assert first.released + second.released >= 3
    left = Delivery.objects.filter(pk__in=[r.pk for r in rows], status=Status.QUEUED)
    assert left.count() == 3
    assert all(r.attempts == 0 for r in left)  # handing back is no attempt
    assert all(r.not_before > timezone.now() for r in left)  # the next window, not a spin
    assert RateWindow.objects.get(transport="fake", second=4242).count >= 5


# --- queries ----------------------------------------------------------------------------------


def test_queries_per_batch_do_not_grow_with_its_size(outbox, transport, campaign_factory):
    campaign = campaign_factory()
    outbox(2, campaign=campaign)
    run()  # warm the per-process caches (organisation name, compiled texts)

    def count(n: int) -> int:
        outbox(n, campaign=campaign)
        with CaptureQueriesContext(connection) as queries:
            stats = run(batch_size=500)
        assert stats.sent == n
        return len(queries)

    small, large = count(3), count(40)
    assert small == large
    assert large <= 12


# --- waking workers, tasks, scheduler ---------------------------------------------------------


class StubTask:
    def __init__(self):
        self.enqueued: list[tuple[str, dict]] = []
        self.queue_name = "notify"

    def using(self, queue_name=None, **kwargs):
        clone = StubTask()
        clone.enqueued = self.enqueued
        clone.queue_name = queue_name or self.queue_name
        return clone

    def get_backend(self):
        return SimpleNamespace(validate_task=lambda task: None)

    def enqueue(self, **kwargs):
        self.enqueued.append((self.queue_name, kwargs))


@pytest.fixture
def stub_deliver(monkeypatch):
    stub = StubTask()
    monkeypatch.setattr(tasks, "deliver", stub)
    cache.delete(pipeline._wake_key(False))
    cache.delete(pipeline._wake_key(True))
    yield stub
    cache.delete(pipeline._wake_key(False))
    cache.delete(pipeline._wake_key(True))


@pytest.mark.django_db
def test_a_burst_of_wakes_enqueues_one_task_after_commit(
    stub_deliver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(20):
            pipeline.wake_workers()
        pipeline.wake_workers(urgent=True)
        assert stub_deliver.enqueued == []  # nothing before the commit
    assert stub_deliver.enqueued == [("notify", {"urgent": False}), ("urgent", {"urgent": True})]
    # The task clears the mark when it starts: rows committed after that wake a new one.
    pipeline._clear_wake(False)
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.wake_workers()
    assert len(stub_deliver.enqueued) == 3


def test_the_deliver_task_delivers_inline_with_the_immediate_backend(outbox, transport):
    rows = outbox(3)
    result = tasks.deliver.enqueue().return_value
    assert result["sent"] == 3 and result["stopped"] == "idle"
    assert statuses(rows) == [Status.SENT] * 3


def test_scheduler_once_wakes_workers_when_rows_are_due(
    outbox, stub_deliver, django_capture_on_commit_callbacks, monkeypatch
):
    started = []

    def start_due(*, now):
        started.append(now)
        return 0

    from sotong.notify import campaigns

    monkeypatch.setattr(campaigns, "campaign_start_due", start_due)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("notify_scheduler", "--once", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert stub_deliver.enqueued == []
    outbox(1, kind=Campaign.Kind.EMERGENCY)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("notify_scheduler", "--once", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert [queue for queue, _ in stub_deliver.enqueued] == ["urgent", "notify"]
    assert len(started) == 2


def test_transactional_notification_is_sent_on_commit(
    transport, subscriber_factory, django_capture_on_commit_callbacks
):
    """notification_send → wake_workers → deliver (immediate backend) → transport."""
    from sotong.notify.transactional import Event, notification_send, register_event

    register_event(
        Event(
            key="tests.pipeline",
            label="시험",
            channels=("sms",),
            templates={"sms": ("", "{{ name }}님, 접수되었습니다.")},
        )
    )
    cache.delete(pipeline._wake_key(False))
    subscriber = subscriber_factory(channels=("sms",))
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_send(
            event="tests.pipeline", recipient=subscriber, context={"name": "홍길동"}
        )
    (row,) = notification.deliveries.all()
    assert row.status == Status.SENT
    assert transport.sent[0].body.startswith("홍길동님")
    cache.delete(pipeline._wake_key(False))


def test_quiet_window_end_is_local_time(subscriber_factory, outbox, transport):
    """A subscriber's quiet hours 22:00–07:00 deferred at 23:00 Seoul end at 07:00 Seoul."""
    from sotong.notify.timing import earliest_send_at

    subscriber = subscriber_factory(quiet_start=time(22), quiet_end=time(7))
    now = datetime(2025, 3, 5, 23, tzinfo=SEOUL)
    assert earliest_send_at(
        subscriber=subscriber, promotional=False, priority=Priority.TARGETED, now=now
    ) == datetime(2025, 3, 6, 7, tzinfo=SEOUL)
