"""Distributed mode (issue 4, point 7): the Redis task backend with three `rqworker` processes on
the queues urgent and notify, consuming `deliver` tasks against the shared test database and the
fake provider. One wake starts the first task; while the backlog lasts each task wakes another
after its first full batch, so the work spreads over the workers. Every message reaches the
provider exactly once, and more than one worker did work (`Delivery.worker`)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.utils import timezone

from sotong.core.tasks.testing import ManageProcess, rq_queues, shared_test_database
from sotong.notify import pipeline, tasks
from sotong.notify.models import Campaign, Delivery, Subscriber, channel_mask
from sotong.notify.testing import running_fake_provider

REDIS_TEST_URL = "redis://127.0.0.1:6379/5"
SUBSCRIBERS = 600  # an SMS and a 알림톡-channel message each (both go to the provider)
Status = Delivery.Status


@pytest.fixture
def rq_test_redis(settings):
    """Queues on Redis database 5 (H2's), emptied before and after the test."""
    import redis

    settings.RQ_QUEUES = rq_queues(REDIS_TEST_URL)
    client = redis.Redis.from_url(REDIS_TEST_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def _populate(district, officer) -> tuple[Campaign, Campaign, list[int]]:
    now = timezone.now()
    common = {
        "organization": district,
        "status": Campaign.Status.SENDING,
        "sms_body": "[{{ organization }}] {{ title }}",
        "created_by": officer,
    }
    targeted = Campaign.objects.create(kind=Campaign.Kind.TARGETED, title="일자리 안내", **common)
    emergency = Campaign.objects.create(kind=Campaign.Kind.EMERGENCY, title="호우 경보", **common)
    subscribers = Subscriber.objects.bulk_create(
        Subscriber(
            organization=district,
            status=Subscriber.Status.ACTIVE,
            phone=f"0106{n:07d}",
            phone_confirmed_at=now,
            channels=channel_mask(["sms", "kakao"]),
        )
        for n in range(SUBSCRIBERS)
    )
    rows = Delivery.objects.bulk_create(
        [
            Delivery(
                campaign=targeted,
                subscriber=subscriber,
                channel=channel,
                priority=targeted.priority,
                not_before=now,
            )
            for subscriber in subscribers
            for channel in ("sms", "kakao")
        ]
        + [
            Delivery(
                campaign=emergency,
                subscriber=subscriber,
                channel="sms",
                priority=emergency.priority,
                not_before=now,
            )
            for subscriber in subscribers[:50]
        ]
    )
    return targeted, emergency, [row.pk for row in rows]


# The workers (real clock) read times this process wrote (not_before, leases).
@pytest.mark.real_clock
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_three_rq_workers_share_the_outbox(rq_test_redis, tmp_path, district, officer, monkeypatch):
    # This process enqueues through Redis too (its default backend in tests is "immediate").
    monkeypatch.setattr(tasks, "deliver", tasks.deliver.using(backend="rq"))
    with (
        shared_test_database(tmp_path) as database_url,
        running_fake_provider(process=True) as provider,
    ):
        targeted, emergency, ids = _populate(district, officer)
        campaigns = (targeted, emergency)
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_TEST_URL,
            "SOTONG_TASK_BACKEND": "rq",
            "SOTONG_SOLAPI_URL": provider.url,
            "SOTONG_NOTIFY_BATCH_SIZE": "40",
            "SOTONG_LOG_LEVEL": "WARNING",
        }
        # Once for the emergency, once for the rest — as the campaign services do. Queued
        # before the workers start, so that burst workers (which leave when the queues are
        # empty) find them.
        pipeline._clear_wake(True)
        pipeline._clear_wake(False)
        pipeline.wake_workers(urgent=True)
        pipeline.wake_workers()
        workers = [
            ManageProcess(
                ["rqworker", "--burst", "--job-class", "django_tasks_rq.Job", "urgent", "notify"],
                tmp_path / f"rqworker{n}.log",
                **env,
            )
            for n in range(3)
        ]
        codes = [worker.wait_exit() for worker in workers]
        received = Counter(message["key"] for message in provider.messages())
        rows = list(Delivery.objects.values_list("pk", "status", "worker"))
        finished = [Campaign.objects.get(pk=c.pk).status for c in campaigns]

    assert codes == [0, 0, 0], [worker.output() for worker in workers]
    assert set(received) == {f"d{pk}" for pk in ids}, "lost or unexpected messages"
    assert max(received.values()) == 1
    assert {status for _, status, _ in rows} <= {Status.SENT, Status.DELIVERED}
    assert finished == [Campaign.Status.SENT, Campaign.Status.SENT]  # campaign_finish_check
    # `worker` is "<rq worker name>:<pid>:<token>": count rq workers, not their forks.
    by_worker = Counter(worker.split(":", 1)[0] for _, _, worker in rows)
    print("deliveries per rq worker:", sorted(by_worker.values()))
    assert len(by_worker) > 1, by_worker  # the work was shared
