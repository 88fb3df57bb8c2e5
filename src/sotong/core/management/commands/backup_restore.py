"""`manage.py backup_restore FILE`: load a backup into an empty database (DATABASE_URL) and an
empty SOTONG_VAR_DIR, then compare every table's row count, the files and the audit chain head
with the backup's manifest. scripts/restore.sh runs it first, then pauses delivery."""

from __future__ import annotations

from pathlib import Path

from sotong.core.backup.command import BackupCommand
from sotong.core.backup.restore import backup_restore


class Command(BackupCommand):
    help = (
        "백업 파일을 빈 데이터베이스와 빈 SOTONG_VAR_DIR에 복구하고, 표마다 행 수와 파일 수, "
        "감사 기록 체인 끝이 백업 목록과 같은지 확인합니다."
    )

    def add_arguments(self, parser):
        self.add_backup_arguments(parser, "백업 파일 (sotong-….backup)")

    def handle(self, *args, backup: Path, allow_unencrypted: bool, **options):
        restored = self.attempt(
            "복구하지 못했습니다",
            backup_restore,
            path=backup,
            allow_unencrypted=allow_unencrypted,
        )
        manifest = restored.manifest
        self.stdout.write(
            f"복구: {manifest['created_at']}의 백업 (release {manifest['release']}) — "
            f"{self.summary(manifest)}가 모두 같습니다."
        )
        needed = manifest["keys"]
        self.stdout.write(
            f"이 백업이 쓴 키: 암호화 {', '.join(needed['field_encryption'])}, "
            f"조회 {needed['lookup']}"
        )
