"""`manage.py privacy_scan FILE`: finds personal data in a UTF-8 text file, one document per line.

Prints one JSON object per finding: {"line": 1-based, "start": …, "end": …, "kind": …}, with
`start` and `end` in characters of that line (its line break and a leading BOM not counted).
The matched text itself is never printed: it is the personal data being looked for."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sotong.core.privacy.detect import KINDS, find_personal_data


class Command(BaseCommand):
    help = "UTF-8 텍스트 파일(한 줄에 문서 하나)에서 개인정보를 찾아 위치를 JSON 줄로 출력합니다."
    # Tests (and callers) may hand in their own binary stream for "-".
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("file", help="검사할 파일 경로, 표준 입력은 '-'")
        parser.add_argument(
            "--kind",
            action="append",
            choices=KINDS,
            dest="kinds",
            help="이 종류만 찾습니다 (여러 번 쓸 수 있음)",
        )

    def handle(self, *args, **options):
        path = options["file"]
        kinds = options.get("kinds") or None
        if path == "-":
            stream = options.get("stdin") or sys.stdin.buffer
            self._scan(stream, kinds)
            return
        try:
            with Path(path).open("rb") as stream:
                self._scan(stream, kinds)
        except FileNotFoundError as exc:
            raise CommandError(f"파일을 찾을 수 없습니다: {path}") from exc
        except IsADirectoryError as exc:
            raise CommandError(f"파일이 아니라 디렉터리입니다: {path}") from exc
        except PermissionError as exc:
            raise CommandError(f"파일을 읽을 권한이 없습니다: {path}") from exc

    def _scan(self, stream, kinds) -> None:
        write = self.stdout.write
        for number, raw in enumerate(stream, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise CommandError(
                    f"{number}번째 줄이 UTF-8이 아닙니다 ({exc.start + 1}번째 바이트). "
                    "파일을 UTF-8로 변환한 뒤 다시 실행하세요 (예: iconv -f CP949 -t UTF-8)."
                ) from exc
            line = line.rstrip("\r\n")
            if number == 1:
                line = line.removeprefix("\ufeff")
            for finding in find_personal_data(line, kinds):
                record = {
                    "line": number,
                    "start": finding.start,
                    "end": finding.end,
                    "kind": finding.kind,
                }
                write(json.dumps(record))
