"""`manage.py privacy_rotate_keys`: re-encrypts every encrypted value under the newest key.

Put the new key first in SOTONG_FIELD_ENCRYPTION_KEYS (keep the old ones after it), restart,
run this command, check with `--check` that nothing is left, then drop the old keys."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from sotong.core.privacy.services import encryption_keys_rotate


class Command(BaseCommand):
    help = "암호화된 모든 필드 값을 가장 새 키(FIELD_ENCRYPTION_KEYS의 첫 키)로 다시 암호화합니다."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=500, help="한 트랜잭션에서 처리할 행 수 (기본 500)"
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="바꾸지 않고 세기만 합니다. 옛 키로 암호화된 값이 남아 있으면 실패로 끝납니다.",
        )

    def handle(self, *args, **options):
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size는 1 이상이어야 합니다.")
        dry_run = options["check"]
        report = encryption_keys_rotate(
            batch_size=batch_size, dry_run=dry_run, progress=self._progress
        )
        for count in report.counts:
            self.stdout.write(
                f"{count.label}: 행 {count.rows}개, 다시 암호화 {count.rotated}개, "
                f"이미 새 키 {count.current}개, 실패 {len(count.failed)}개"
            )
        verb = "다시 암호화할 값" if dry_run else "다시 암호화한 값"
        self.stdout.write(
            f"합계: {verb} {report.rotated}개, 이미 새 키 {report.current}개, "
            f"실패 {len(report.failed)}개"
        )
        if report.failed:
            listing = "\n".join(f"  {where}" for where in report.failed[:50])
            more = len(report.failed) - 50
            if more > 0:
                listing += f"\n  … 외 {more}개"
            raise CommandError(
                "어떤 키로도 복호화되지 않는 값이 있습니다. 그 값을 암호화한 옛 키를 "
                f"FIELD_ENCRYPTION_KEYS에 다시 넣고 실행하세요:\n{listing}"
            )
        if dry_run and report.rotated:
            raise CommandError(
                f"옛 키로 암호화된 값이 {report.rotated}개 남아 있습니다. "
                "옛 키를 지우기 전에 privacy_rotate_keys를 실행하세요."
            )
        if not dry_run:
            self.stdout.write(
                self.style.SUCCESS("키 교체가 끝났습니다. 이제 옛 키를 지워도 됩니다.")
            )

    def _progress(self, label: str, done: int, total: int) -> None:
        self.stdout.write(f"  {label}: {done}/{total}행")
