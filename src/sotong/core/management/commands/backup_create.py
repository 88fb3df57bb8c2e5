"""`manage.py backup_create --dest DIR [--keep-days 30]`: one encrypted backup (database in one
snapshot, uploaded files, manifest) into DIR, then the backups older than the retention are
deleted (never the newest, never after a failure). Run nightly by scripts/backup.sh."""

from __future__ import annotations

from pathlib import Path

from sotong.core.backup.command import BackupCommand
from sotong.core.backup.services import backup_create


class Command(BackupCommand):
    help = (
        "데이터베이스(한 시점의 스냅숏), 올린 파일, 목록(manifest)을 암호화한 백업 파일 하나로 "
        "씁니다. 그다음 보관 기간이 지난 백업을 지웁니다 (가장 새 백업은 지우지 않습니다)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dest", required=True, type=Path, help="백업 폴더")
        parser.add_argument(
            "--keep-days", type=int, default=30, help="이보다 오래된 백업을 지웁니다 (기본 30일)"
        )
        parser.add_argument(
            "--unencrypted",
            action="store_true",
            help="암호화하지 않습니다 (시험용 사본만; 운영 백업에는 쓰지 마세요)",
        )

    def handle(self, *args, dest: Path, keep_days: int, unencrypted: bool, **options):
        created = self.attempt(
            "백업하지 못했습니다",
            backup_create,
            dest=dest,
            keep_days=keep_days,
            encrypt=not unencrypted,
        )
        self.stdout.write(
            f"백업: {created.path} ({created.size:,} bytes) — {self.summary(created.manifest)}"
        )
        if unencrypted:
            self.stdout.write(self.style.WARNING("암호화하지 않은 백업입니다."))
        for path in created.pruned:
            self.stdout.write(f"지움 (보관 기간 지남): {path.name}")
        if created.manifest["audit_head"]:
            seq, digest = created.manifest["audit_head"]
            # Kept outside the database, this line lets audit_verify --anchor prove no rewrite.
            self.stdout.write(f"체인 끝 (--anchor 값으로 보관하세요): {seq}:{digest}")
