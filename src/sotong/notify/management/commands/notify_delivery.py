"""`manage.py notify_delivery pause|resume|status [--reason TEXT]`: the install's delivery switch
(`notify/operations.py`). While paused, workers claim nothing and the scheduler starts nothing;
queued messages wait. scripts/restore.sh pauses a restored copy before anything else runs on it.
Both changes are audited. Exit status of `status`: 0 when delivering, 3 when paused (for scripts).

It runs no system checks, so that a copy can be paused even before its keys are right."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sotong.notify.operations import delivery_pause, delivery_resume, delivery_state

PAUSED_EXIT = 3


class Command(BaseCommand):
    help = (
        "알림 발송을 일시 중지(pause)하거나 다시 시작(resume)하거나 상태(status)를 보여 줍니다. "
        "중지된 동안 발송 작업자는 아무것도 보내지 않고 대기 중인 알림은 그대로 기다립니다. "
        "복구한 사본은 중지된 채로 시작합니다."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["pause", "resume", "status"])
        parser.add_argument("--reason", default="", help="사유 (감사 기록에 남습니다)")

    def handle(self, *args, action: str, reason: str, **options):
        if action == "pause":
            if not reason.strip():
                raise CommandError("--reason으로 중지 사유를 적어 주세요.")
            delivery_pause(actor=None, reason=reason.strip())
            self.stdout.write(
                self.style.WARNING(f"알림 발송을 중지했습니다. 사유: {reason.strip()}")
            )
        elif action == "resume":
            delivery_resume(actor=None, reason=reason.strip())
            self.stdout.write(self.style.SUCCESS("알림 발송을 다시 시작했습니다."))
        state = delivery_state()
        if state is None:
            self.stdout.write("상태: 발송 중 (delivering)")
            return
        changed = timezone.localtime(state.changed_at).strftime("%Y-%m-%d %H:%M")
        self.stdout.write(f"상태: 일시 중지 (paused) — {changed}, 사유: {state.reason or '-'}")
        if action == "status":
            raise SystemExit(PAUSED_EXIT)
