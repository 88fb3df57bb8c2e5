"""`manage.py files_prune`: remove stored content that no `StoredFile` row points at (left by a
transaction that wrote the file and then rolled back). Lists only, unless --delete."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.core.files.storage import Storage, default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sotong.core.files.models import StoredFile
from sotong.core.files.services import UPLOAD_ROOT

BATCH = 500


class Command(BaseCommand):
    help = "어느 첨부파일 기록도 가리키지 않는 저장 파일을 찾아 (--delete 이면) 지웁니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-hours",
            type=int,
            default=24,
            help="이보다 오래된 파일만 (기본 24시간: 아직 진행 중인 업로드를 건드리지 않도록)",
        )
        parser.add_argument("--delete", action="store_true", help="찾은 파일을 지웁니다.")

    def handle(self, *args, older_than_hours: int, delete: bool, **options) -> None:
        if older_than_hours < 0:
            raise CommandError("--older-than-hours는 0 이상이어야 합니다.")
        cutoff = timezone.now() - dt.timedelta(hours=older_than_hours)
        orphans = [
            name
            for batch in _batches(_walk(default_storage, UPLOAD_ROOT))
            for name in _unreferenced(batch)
            if default_storage.get_modified_time(name) < cutoff
        ]
        for name in orphans:
            self.stdout.write(name)
            if delete:
                default_storage.delete(name)
        verb = "지움" if delete else "찾음 (지우려면 --delete)"
        self.stdout.write(f"주인 없는 파일 {len(orphans)}개 {verb}")


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    if not storage.exists(folder):
        return
    folders, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _walk(storage, f"{folder}/{sub}")


def _batches(names: Iterator[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for name in names:
        batch.append(name)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _unreferenced(names: list[str]) -> list[str]:
    known = set(StoredFile.objects.filter(file__in=names).values_list("file", flat=True))
    return [name for name in names if name not in known]
