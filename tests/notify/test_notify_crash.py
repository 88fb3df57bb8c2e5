"""Exactly once through a crash, with real processes (issue 4, "Delivery pipeline").

Two delivery workers (`manage.py notify_deliver`, each its own process) share the outbox of the
test database with the fake SMS provider (its own process, slowed so that a batch is in flight
for a while) and a real SMTP server (aiosmtpd). One worker is killed with SIGKILL while its SMS
batch is at the provider and unanswered; a replacement starts; when nothing is queued or
sending any more:

- every SMS delivery reached the provider exactly once (counted by our key `d<id>`): the rows of
  the dead worker stayed `sending` until their lease expired, and the worker that reclaimed them
  asked the provider first (`reconcile`) and recorded what it already held instead of sending
  it again;
- every e-mail reached the SMTP server at least once, and at most one e-mail per kill twice,
  always with the same Message-ID. SMTP cannot be asked afterwards what it accepted: each e-mail
  is committed right after the server's 250, so only the one message between the 250 and its
  commit can be repeated (the duplicate window RFC 1047 describes). Receivers that de-duplicate
  by Message-ID fold it;
- every delivery ends `sent` (or `delivered`, when reconcile read that from the provider).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from sotong.core.tasks.testing import ManageProcess, shared_test_database
from sotong.notify.models import Campaign, Delivery, Subscriber, channel_mask
from sotong.notify.testing import running_fake_provider, running_smtp_server

SUBSCRIBERS = 1000  # one SMS and one e-mail each
BATCH = 100
LEASE_SECONDS = 6
Status = Delivery.Status


def _populate(district, officer) -> tuple[Campaign, list[int], list[int]]:
    now = timezone.now()
    campaign = Campaign.objects.create(
        organization=district,
        kind=Campaign.Kind.TARGETED,
        status=Campaign.Status.SENDING,
        title="복지 안내",
        subject="{{ organization }} 복지 안내",
        body="{{ title }}: 새 지원 사업을 알려 드립니다.",
        sms_body="[{{ organization }}] 새 지원 사업 안내",
        created_by=officer,
    )
    subscribers = Subscriber.objects.bulk_create(
        Subscriber(
            organization=district,
            status=Subscriber.Status.ACTIVE,
            email=f"crash{n}@example.kr",
            email_confirmed_at=now,
            phone=f"0107{n:07d}",
            phone_confirmed_at=now,
            channels=channel_mask(["email", "sms"]),
        )
        for n in range(SUBSCRIBERS)
    )
    rows = Delivery.objects.bulk_create(
        Delivery(
            campaign=campaign,
            subscriber=subscriber,
            channel=channel,
            priority=campaign.priority,
            not_before=now,
        )
        for subscriber in subscribers
        for channel in ("sms", "email")
    )
    if rows[0].pk is None:  # bulk_create gives ids on PostgreSQL and SQLite ≥ 3.35
        rows = list(Delivery.objects.filter(campaign=campaign))
    sms = [row.pk for row in rows if row.channel == "sms"]
    email = [row.pk for row in rows if row.channel == "email"]
    return campaign, sms, email


def _worker(name: str, tmp_path, env: dict[str, str]) -> ManageProcess:
    return ManageProcess(
        ["notify_deliver", f"--worker-id={name}", f"--batch-size={BATCH}", "--idle-sleep=0.2"],
        tmp_path / f"{name}.log",
        **env,
    )


# The workers (real clock) read times this process wrote (not_before, leases).
@pytest.mark.real_clock
@pytest.mark.django_db(transaction=True)
def test_kill_9_mid_batch_neither_loses_nor_duplicates(tmp_path, district, officer):
    with (
        shared_test_database(tmp_path) as database_url,
        running_fake_provider(process=True) as provider,
        running_smtp_server() as smtp,
    ):
        campaign, sms_ids, email_ids = _populate(district, officer)
        # Each send request waits at the provider before it is stored and answered: a worker
        # killed meanwhile never learns that its messages arrived.
        provider.set_failure(delay=0.4)
        env = {
            "DATABASE_URL": database_url,
            "SOTONG_SOLAPI_URL": provider.url,
            # Lease ≥ 3 × provider timeout (settings refuse less): 6 s and 2 s.
            "SOTONG_SOLAPI_TIMEOUT_SECONDS": "2",
            "SOTONG_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "SOTONG_SMTP_HOST": smtp.host,
            "SOTONG_SMTP_PORT": str(smtp.port),
            "SOTONG_NOTIFY_LEASE_SECONDS": str(LEASE_SECONDS),
            "SOTONG_TASK_BACKEND": "immediate",
            "SOTONG_LOG_LEVEL": "WARNING",
        }
        victim = _worker("victim", tmp_path, env)
        survivor = _worker("survivor", tmp_path, env)
        replacement = None
        try:
            # Kill while the victim holds an SMS batch that is at the provider, unanswered:
            # some messages already arrived, others not.
            # A batch claimed less than 0.2 s ago is still waiting at the provider (0.4 s).
            def sms_in_flight() -> bool:
                recent = timezone.now() + timedelta(seconds=LEASE_SECONDS - 0.2)
                return 0 < provider.health()["messages"] < len(sms_ids) and (
                    Delivery.objects.filter(
                        worker="victim",
                        status=Status.SENDING,
                        channel="sms",
                        lease_until__gt=recent,
                    ).exists()
                )

            deadline = time.monotonic() + 60
            while not sms_in_flight():
                assert victim.process.poll() is None, victim.output()
                assert time.monotonic() < deadline, "no SMS batch in flight:\n" + victim.output()
                time.sleep(0.01)
            victim.process.kill()  # SIGKILL: no cleanup, no commit
            victim.wait_exit()
            held = set(
                Delivery.objects.filter(worker="victim", status=Status.SENDING).values_list(
                    "pk", flat=True
                )
            )
            assert held

            replacement = _worker("replacement", tmp_path, env)

            def all_done() -> bool:
                return not Delivery.objects.filter(
                    campaign=campaign, status__in=[Status.QUEUED, Status.SENDING]
                ).exists()

            replacement.wait_until(all_done, "every delivery settled")
        finally:
            # The victim too: when the test fails before killing it, it must not outlive us.
            for process in (victim, survivor, replacement):
                if process is not None:
                    process.stop()

        received = Counter(message["key"] for message in provider.messages())
        mails = smtp.messages()
        # (Read inside the block: on SQLite this process uses the shared file until it ends.)
        statuses = Counter(
            Delivery.objects.filter(campaign=campaign).values_list("status", flat=True)
        )
        reclaimed = list(Delivery.objects.filter(pk__in=held))

    # SMS: exactly once each, none lost, nothing foreign.
    expected = {f"d{pk}" for pk in sms_ids}
    assert set(received) == expected, "lost or unexpected SMS"
    assert max(received.values()) == 1, [k for k, n in received.items() if n > 1]

    # E-mail: at least once each; a repeat only within the RFC 1047 window (one per kill),
    # carrying the same Message-ID.
    by_delivery = Counter()
    for mail in mails:
        message_id = mail["Message-ID"]
        assert message_id.startswith("<d"), message_id
        by_delivery[int(message_id[2:].split(".", 1)[0])] += 1
    assert set(by_delivery) == set(email_ids), "lost or unexpected e-mail"
    assert sum(n - 1 for n in by_delivery.values()) <= 1

    # "delivered" where the provider's record, read by reconcile, already said so.
    assert set(statuses) <= {Status.SENT, Status.DELIVERED}, statuses
    assert sum(statuses.values()) == len(sms_ids) + len(email_ids)
    # The dead worker's rows were settled by the others once its lease expired; the SMS among
    # them that had reached the provider were recorded from the provider's answer to
    # `reconcile`, not sent again (the exactly-once count above).
    assert all(row.worker != "victim" and row.attempts >= 2 for row in reclaimed)
    held_sms = {pk for pk in held if pk in set(sms_ids)}
    print(
        f"killed holding {len(held)} rows ({len(held_sms)} SMS); "
        f"{sum(1 for pk in held_sms if f'd{pk}' in received)} of those SMS were at the provider"
    )
