"""Backup → restore → verify, end to end, with the scripts the operator runs (scripts/backup.sh,
scripts/restore.sh) against real databases: PostgreSQL (pg_dump / pg_restore into a database made
for the test with createdb) when the suite runs on PostgreSQL (CI's PostgreSQL pass), an SQLite
file otherwise. Issue 11: a drill following docs/deploy.md stepped off the page three times."""

from __future__ import annotations

import base64
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from sotong.core.tasks.testing import PROJECT_DIR, shared_test_database

pytestmark = pytest.mark.django_db(transaction=True)

BACKUP_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
PHONE = "01077778888"
EMAIL = "restore.drill@example.kr"
ATTACHMENT = "복구 훈련 첨부 파일입니다.\n".encode() * 50


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        cwd=PROJECT_DIR,
        env={**os.environ, "SOTONG_ENV": "test", "PYTHONDONTWRITEBYTECODE": "1", **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def manage_shell(code: str, **env: str) -> subprocess.CompletedProcess:
    return run([str(PROJECT_DIR / ".venv/bin/python"), "manage.py", "shell", "-c", code], **env)


class TargetDatabases:
    """Fresh, empty databases of the suite's own kind, dropped at the end."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.made: list[str] = []
        conf = connection.settings_dict
        self.libpq = [
            *(["-h", conf["HOST"]] if conf.get("HOST") else []),
            *(["-p", str(conf["PORT"])] if conf.get("PORT") else []),
            *(["-U", conf["USER"]] if conf.get("USER") else []),
        ]
        self.env = {"PGPASSWORD": conf["PASSWORD"]} if conf.get("PASSWORD") else {}

    def new(self) -> str:
        if connection.vendor == "sqlite":
            return f"sqlite:///{self.directory / f'restored-{uuid.uuid4().hex[:8]}.sqlite3'}"
        from sotong.core.tasks.testing import database_url

        name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
        made = run(["createdb", *self.libpq, name], **self.env)
        assert made.returncode == 0, made.stderr
        self.made.append(name)
        return database_url({**connection.settings_dict, "NAME": name})

    def drop_all(self) -> None:
        for name in self.made:
            run(["dropdb", *self.libpq, "--if-exists", "--force", name], **self.env)


@pytest.fixture
def targets(tmp_path):
    made = TargetDatabases(tmp_path)
    yield made
    made.drop_all()


@pytest.fixture
def install(tmp_path, settings, district, officer):
    """A small install: a subscriber (encrypted addresses, lookup hashes), an uploaded file in
    its var directory, audit events."""
    from django.utils import timezone

    from sotong.core.files.services import file_store
    from sotong.notify.addresses import email_hash, phone_hash
    from sotong.notify.models import Channel, Subscriber, channel_mask

    var = tmp_path / "var"
    settings.MEDIA_ROOT = var / "media"
    Subscriber.objects.create(
        organization=district,
        status=Subscriber.Status.ACTIVE,
        email=EMAIL,
        email_hash=email_hash(EMAIL),
        email_confirmed_at=timezone.now(),
        phone=PHONE,
        phone_hash=phone_hash(PHONE),
        phone_confirmed_at=timezone.now(),
        channels=channel_mask((Channel.EMAIL, Channel.SMS)),
    )
    stored = file_store(
        actor=officer,
        upload=SimpleUploadedFile("훈련.txt", ATTACHMENT),
        allowed="attachments",
        organization=district,
    )
    return var, stored


CHECK_COPY = f"""
from sotong.core.files.models import StoredFile
from sotong.notify.models import Subscriber
from sotong.notify.operations import delivery_paused
from sotong.notify.subscriptions import subscriber_withdraw_phone
subscriber = Subscriber.objects.get()
print("email", subscriber.email == {EMAIL!r})
print("paused", delivery_paused())
stored = StoredFile.objects.get()
print("attachment", stored.file.open("rb").read() == {ATTACHMENT!r})
print("opt-out", subscriber_withdraw_phone(phone={PHONE!r}, source="sms_reply"))
"""


def test_backup_restore_verify_end_to_end(install, targets, tmp_path):
    var, stored = install
    backups = tmp_path / "backups"
    with shared_test_database(tmp_path) as source:
        made = run(
            ["scripts/backup.sh", str(backups)],
            DATABASE_URL=source,
            SOTONG_VAR_DIR=str(var),
            SOTONG_BACKUP_KEYS=BACKUP_KEY,
        )
        assert made.returncode == 0, made.stdout + made.stderr
        from sotong.core.audit.models import AuditChainHead

        head = AuditChainHead.objects.get()
    (backup,) = backups.glob("sotong-*.backup")
    assert f"체인 끝 (--anchor 값으로 보관하세요): {head.seq}:{head.hash}" in made.stdout
    # Encrypted: neither the attachment nor any table name can be read in the file.
    content = backup.read_bytes()
    assert "복구 훈련".encode() not in content and b"notify_subscriber" not in content

    restored_var = tmp_path / "restored-var"
    target = targets.new()
    restored = run(
        ["scripts/restore.sh", str(backup)],
        DATABASE_URL=target,
        SOTONG_VAR_DIR=str(restored_var),
        SOTONG_BACKUP_KEYS=BACKUP_KEY,
    )
    out = restored.stdout + restored.stderr
    assert restored.returncode == 0, out
    assert "행" in out and "파일 1개가 모두 같습니다" in out
    for check in ("audit", "decryption", "keys", "files", "pages"):
        assert f"ok   {check}:" in out, out
    assert (restored_var / "static").is_dir()  # collectstatic ran into the copy's var dir

    copy = manage_shell(CHECK_COPY, DATABASE_URL=target, SOTONG_VAR_DIR=str(restored_var))
    assert copy.returncode == 0, copy.stderr
    lines = copy.stdout.splitlines()
    for expected in ("email True", "paused True", "attachment True", "opt-out 1"):
        assert expected in lines, copy.stdout
    assert stored.sha256  # the file verified above is the one uploaded

    # The drill's trap: the same backup restored without the install's lookup key.
    wrong = run(
        ["scripts/restore.sh", str(backup)],
        DATABASE_URL=targets.new(),
        SOTONG_VAR_DIR=str(tmp_path / "wrong-var"),
        SOTONG_BACKUP_KEYS=BACKUP_KEY,
        SOTONG_FIELD_LOOKUP_KEY="not-the-install-key",
    )
    assert wrong.returncode != 0
    assert "SOTONG_FIELD_LOOKUP_KEY" in wrong.stdout + wrong.stderr
    assert "2/5 notification delivery paused" in wrong.stdout  # paused before the check failed


def test_backup_on_a_fresh_install_without_uploads(db, targets, tmp_path):
    """No media directory yet (`tar: media: Cannot stat` before): the backup is made, and older
    backups are pruned."""
    backups = tmp_path / "backups"
    backups.mkdir()
    old = backups / "sotong-20000101-000000.backup"
    old.write_bytes(b"old")
    with shared_test_database(tmp_path) as source:
        made = run(
            ["scripts/backup.sh", str(backups)],
            DATABASE_URL=source,
            SOTONG_VAR_DIR=str(tmp_path / "fresh-var"),
            SOTONG_BACKUP_KEYS=BACKUP_KEY,
        )
    assert made.returncode == 0, made.stdout + made.stderr
    assert "파일 0개" in made.stdout
    assert "지움 (보관 기간 지남): sotong-20000101-000000.backup" in made.stdout
    assert not old.exists()
    assert len(list(backups.glob("sotong-*.backup"))) == 1


def test_backup_script_runs_with_sotong_var_dir_unset():
    """`set -u` aborted the old script when SOTONG_VAR_DIR was not set: it now defaults to the
    checkout's var/ as settings.py does. (The Python step is replaced by echo.)"""
    env = {k: v for k, v in os.environ.items() if k != "SOTONG_VAR_DIR"}
    done = subprocess.run(
        ["scripts/backup.sh", "backups-dir"],
        cwd=PROJECT_DIR,
        env={**env, "SOTONG_PYTHON": "echo"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[1:] == [
        "backup_create",
        "--dest",
        "backups-dir",
        "--keep-days",
        "30",
    ]


def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    with shared_test_database(tmp_path) as source:
        done = run(
            ["scripts/restore.sh", str(tmp_path / "any.backup")],
            DATABASE_URL=source,
            SOTONG_VAR_DIR=str(tmp_path / "var"),
            SOTONG_BACKUP_KEYS=BACKUP_KEY,
        )
    assert done.returncode != 0
    assert "the database is not empty" in done.stderr


def test_restore_needs_the_var_dir_named():
    env = {k: v for k, v in os.environ.items() if k != "SOTONG_VAR_DIR"}
    done = subprocess.run(
        ["scripts/restore.sh", "x.backup"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "SOTONG_VAR_DIR" in done.stderr
