"""`manage.py backup_list DIR`: the backups in DIR with the ids of the keys each needs (read from
their public headers, no key required), and which configured or listed keys the kept backups
still need. An old key may be destroyed only when no kept backup names it."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from sotong.core.backup.command import BackupCommand
from sotong.core.backup.crypto import key_id
from sotong.core.backup.services import backup_list


class Command(BackupCommand):
    help = (
        "백업 폴더의 백업과 각 백업에 필요한 키의 식별자를 보여 줍니다. 옛 키는 그 키를 쓴 "
        "백업이 모두 지워진 뒤에만 없앨 수 있습니다."
    )

    def add_arguments(self, parser):
        parser.add_argument("dest", type=Path, help="백업 폴더")

    def handle(self, *args, dest: Path, **options):
        backups = backup_list(dest=dest)
        field_keys: set[str] = set()
        backup_keys: set[str] = set()
        for path, header in backups:
            if "error" in header:
                self.stdout.write(self.style.ERROR(f"{path.name}: {header['error']}"))
                continue
            keys = header["keys"]
            field_keys.update(keys["field_encryption"])
            backup_keys.add(header["backup_key"])
            self.stdout.write(
                f"{path.name}  {path.stat().st_size:>14,} bytes  백업 키 {header['backup_key']}  "
                f"암호화 키 {','.join(keys['field_encryption'])}  조회 키 {keys['lookup']}"
            )
        if not backups:
            self.stdout.write("백업이 없습니다.")
            return
        self.stdout.write(f"보관 중인 백업에 필요한 암호화 키: {', '.join(sorted(field_keys))}")
        self.stdout.write(f"보관 중인 백업에 필요한 백업 키: {', '.join(sorted(backup_keys))}")
        configured = [key_id(key) for key in settings.FIELD_ENCRYPTION_KEYS]
        self.stdout.write(f"지금 SOTONG_FIELD_ENCRYPTION_KEYS: {', '.join(configured)}")
        self.stdout.write(
            f"지금 SOTONG_BACKUP_KEYS: {', '.join(key_id(k) for k in settings.BACKUP_KEYS) or '-'}"
        )
