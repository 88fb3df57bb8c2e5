"""`manage.py petitions_tick`: the periodic work of petitions, once (run it from cron, e.g.
every 10 minutes): close answered petitions whose reopen period has ended, and the other steps
registered in `sotong.petitions.tasks.TICK_STEPS` (retention)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sotong.petitions.tasks import run_tick


class Command(BaseCommand):
    help = "재민원 기간이 끝난 답변 완료 민원을 종결하고, 민원의 주기 작업(보유 기간 파기 등)을 한 번 실행합니다."

    def handle(self, *args, **options):
        result = run_tick()
        for name, value in result.items():
            self.stdout.write(f"{name}: {value}")
