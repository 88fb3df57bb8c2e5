"""`manage.py notify_deliver [--batch-size N] [--channels sms,kakao] [--until-idle]`: a delivery
worker without a task queue. It loops over `pipeline.deliver_due` (claim → build → send → record)
and sleeps `--idle-sleep` seconds when nothing is due. Any number may run side by side, on any
machines sharing the database: claims never overlap, and rows of a worker that dies are reclaimed
after their lease (NOTIFY_LEASE_SECONDS) and reconciled with the provider first.

The task-queue way (`deliver` tasks on queues urgent and notify, run by db_worker or rqworker)
does the same work; this command suits a dedicated sender machine, the benchmark and the tests
that kill a worker with SIGKILL. SIGTERM/SIGINT stop it after the current batch.
"""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from sotong.notify import pipeline
from sotong.notify.models import Channel


class Command(BaseCommand):
    help = (
        "알림 발송 작업자: 보낼 때가 된 발송 건을 묶음으로 가져와 보내고 결과를 기록하기를 "
        "되풀이합니다. 보낼 것이 없으면 --idle-sleep 초 쉽니다. SIGTERM을 받으면 하던 묶음을 "
        "마치고 끝냅니다. 여러 개를 함께 실행해도 같은 건을 두 번 보내지 않습니다."
    )

    def add_arguments(self, parser):
        parser.add_argument("--worker-id", default="", help="작업자 이름 (기본: 호스트:pid)")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help="한 번에 가져올 건수 (기본 NOTIFY_BATCH_SIZE)",
        )
        parser.add_argument(
            "--channels", default="", help="이 채널만 보냅니다 (쉼표로 구분: email,sms,kakao)"
        )
        parser.add_argument(
            "--idle-sleep", type=float, default=1.0, help="보낼 것이 없을 때 쉬는 시간(초)"
        )
        parser.add_argument("--until-idle", action="store_true", help="보낼 것이 없으면 끝냅니다.")

    def handle(self, *args, **options):
        channels = [c.strip() for c in options["channels"].split(",") if c.strip()]
        unknown = [c for c in channels if c not in Channel.values]
        if unknown:
            raise CommandError(f"알 수 없는 채널: {', '.join(unknown)}")
        if options["batch_size"] is not None and options["batch_size"] < 1:
            raise CommandError("--batch-size는 1 이상이어야 합니다.")
        worker = options["worker_id"] or pipeline.worker_name()
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        while not stop.is_set():
            stats = pipeline.deliver_due(
                worker=worker,
                batch_size=options["batch_size"],
                time_budget=5.0,
                channels=channels or None,
            )
            if stats.stopped == "idle":
                if options["until_idle"]:
                    break
                stop.wait(options["idle_sleep"])
            elif stats.stopped == "transport_down":
                # Rows went back with their backoff; nothing else to do for a while.
                stop.wait(max(options["idle_sleep"], 5.0))
