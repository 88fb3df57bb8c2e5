"""`manage.py backup_verify FILE [--files 20]`: prove a restored copy whole against its backup:
the audit chain up to the backup's head, every encrypted value decrypts, the keys match the
database, stored files are there with their recorded hashes, a page renders. Exit 1 on any
failure."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from sotong.core.backup.command import BackupCommand
from sotong.core.backup.restore import backup_verify


class Command(BackupCommand):
    help = (
        "복구한 사본을 백업과 대조해 검사합니다: 감사 기록 체인, 암호화된 값의 복호화, 키 확인, "
        "저장된 파일과 해시, 화면 표시. 하나라도 실패하면 종료 코드 1."
    )

    def add_arguments(self, parser):
        self.add_backup_arguments(parser, "복구한 백업 파일 (sotong-….backup)")
        parser.add_argument(
            "--files", type=int, default=20, help="내용 해시까지 검사할 최근 파일 수 (기본 20)"
        )

    def handle(self, *args, backup: Path, files: int, allow_unencrypted: bool, **options):
        results = self.attempt(
            "검사하지 못했습니다",
            backup_verify,
            path=backup,
            sample_files=files,
            allow_unencrypted=allow_unencrypted,
        )
        for check in results:
            mark = self.style.SUCCESS("ok  ") if check.ok else self.style.ERROR("FAIL")
            self.stdout.write(f"{mark} {check.name}: {check.detail}")
        failed = [check.name for check in results if not check.ok]
        if failed:
            raise CommandError(f"검사 실패: {', '.join(failed)}", returncode=1)
        self.stdout.write(self.style.SUCCESS("복구한 사본이 백업과 일치합니다."))
