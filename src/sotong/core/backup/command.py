"""What the backup commands (`core/management/commands/backup_*.py`) share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from .crypto import BackupFormatError
from .database import DatabaseToolError
from .services import BackupError


class BackupCommand(BaseCommand):
    # A backup must never be held back by an unrelated check, nor a restore by the keys of a
    # database that is still empty; backup_verify checks the keys itself.
    requires_system_checks = []
    failures = (BackupError, BackupFormatError, DatabaseToolError, OSError)

    def add_backup_arguments(self, parser, help_text: str) -> None:
        parser.add_argument("backup", type=Path, help=help_text)
        parser.add_argument(
            "--allow-unencrypted", action="store_true", help="암호화하지 않은 백업도 받습니다"
        )

    def attempt(self, failed: str, action: Callable[..., Any], **kwargs) -> Any:
        """`action(**kwargs)`, its errors as a CommandError starting with `failed`."""
        try:
            return action(**kwargs)
        except self.failures as exc:
            raise CommandError(f"{failed}: {exc}") from exc

    @staticmethod
    def summary(manifest: dict[str, Any]) -> str:
        rows = sum(manifest["counts"].values())
        return f"표 {len(manifest['counts'])}개, 행 {rows:,}개, 파일 {manifest['media']['files']}개"
