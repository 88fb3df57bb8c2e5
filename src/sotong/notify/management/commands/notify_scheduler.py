"""`manage.py notify_scheduler [--interval 10] [--once]`: the clock of notify.

Every `--interval` seconds: start campaigns whose scheduled time has come
(`campaigns.campaign_start_due`), wake delivery workers when deliveries are due (retries after
their backoff, messages held by quiet hours or the night rule, rows whose worker died), prune old
rate-limit windows. New messages wake workers themselves (`pipeline.wake_workers` on commit), so
the scheduler only matters for time-driven work; one scheduler per install is enough, and a
second one does no harm (every step is idempotent).

Run it as a service next to the task workers (docs/deploy.md), or from cron with `--once`.
"""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from sotong.notify.tasks import run_tick


class Command(BaseCommand):
    help = (
        "알림 예약 발송과 재시도를 깨웁니다. --interval 초마다 예약 시각이 된 발송을 시작하고, "
        "보낼 때가 된 발송 건(재시도, 방해 금지 시간이 끝난 알림, 작업자가 멈춘 건)이 있으면 "
        "발송 작업자를 깨웁니다. cron에서는 --once로 한 번만 실행합니다. 발송 작업자는 작업 큐 "
        "작업자(db_worker 또는 rqworker, 큐 urgent·notify)이거나 manage.py notify_deliver입니다."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=10.0, help="반복 간격(초, 기본 10)")
        parser.add_argument("--once", action="store_true", help="한 번만 실행하고 끝냅니다.")

    def handle(self, *args, interval: float, once: bool, **options):
        if interval <= 0:
            raise CommandError("--interval은 0보다 커야 합니다.")
        stop = threading.Event()
        if not once:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
        while True:
            result = run_tick()
            if once or options["verbosity"] >= 2:
                self.stdout.write(
                    f"campaigns_started={result['campaigns_started']} "
                    f"woke={','.join(result['woke']) or '-'}"
                    + (" paused (manage.py notify_delivery status)" if result.get("paused") else "")
                )
            if once or stop.wait(interval):
                return
