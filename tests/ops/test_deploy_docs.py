"""docs/deploy.md followed literally works (issue 11): the sample environment file can be read by
the shell and by systemd alike, and the backup section lists every secret settings.py reads."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from sotong.core.tasks.testing import PROJECT_DIR

DEPLOY = (PROJECT_DIR / "docs" / "deploy.md").read_text()
SETTINGS = (PROJECT_DIR / "src" / "sotong" / "settings.py").read_text()


def section(number: int) -> str:
    start = DEPLOY.index(f"\n## {number}. ")
    return DEPLOY[start : DEPLOY.index("\n## ", start + 1)]


def sample_env() -> str:
    return re.search(r"```sh\n(SOTONG_ENV=production\n.*?)```", section(5), re.S).group(1)


def test_the_sample_environment_file_can_be_sourced(tmp_path):
    env_file = tmp_path / "sotong.env"
    env_file.write_text(sample_env())
    done = subprocess.run(
        ["sh", "-c", f'set -eu; set -a; . "{env_file}"; set +a; printf %s "$SOTONG_FROM_EMAIL"'],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ["PATH"]},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "소통 <no-reply@example.go.kr>"


def test_the_sample_environment_file_reads_alike_in_systemd():
    for line in sample_env().splitlines():
        if not line or line.startswith("#"):
            continue
        assert re.fullmatch(r'[A-Z][A-Z0-9_]*=("[^"$`\\]*"|[^\s"#;&<>$]*)', line), line


def secrets_read_by_settings() -> set[str]:
    literal = set(
        re.findall(r'"((?:SOTONG|DJANGO)_[A-Z_]*(?:KEY|KEYS|SECRET|PASSWORD|TOKEN))"', SETTINGS)
    )
    assert 'f"SOTONG_{name.upper()}_SECRET"' in SETTINGS  # the social logins' secrets
    social = {f"SOTONG_{name}_SECRET" for name in ("KAKAO", "NAVER", "GOOGLE")}
    return literal | social | {"DATABASE_URL"}


def test_the_backup_section_lists_every_secret():
    secrets = secrets_read_by_settings()
    assert {"SOTONG_FIELD_LOOKUP_KEY", "SOTONG_BACKUP_KEYS", "DJANGO_SECRET_KEY"} <= secrets
    table = section(11).split("### Every secret", 1)[1].split("\n### ", 1)[0]
    missing = sorted(name for name in secrets if f"`{name}`" not in table)
    assert missing == []


def test_the_sample_environment_file_names_every_key():
    for name in ("DJANGO_SECRET_KEY", "SOTONG_FIELD_ENCRYPTION_KEYS", "SOTONG_FIELD_LOOKUP_KEY"):
        assert f"\n{name}=" in "\n" + sample_env()
    assert "\nSOTONG_BACKUP_KEYS=" in sample_env()


def test_the_scripts_the_docs_call_exist():
    backups = section(11)
    for script in ("scripts/backup.sh", "scripts/restore.sh"):
        assert script in backups
        assert os.access(Path(PROJECT_DIR) / script, os.X_OK)
    restore_steps = backups.split("### Restore", 1)[1]
    for step in (
        "SOTONG_VAR_DIR",
        "collectstatic",
        "notify_delivery pause",
        "privacy_rotate_keys --check",
    ):
        assert step in restore_steps + backups, step
