"""`manage.py search_reindex [TYPE]`: rebuild the search index from the registered models.

With a TYPE, only that type's documents; without, every type, the removal of documents whose
type is no longer registered, and a recount of the term statistics. Search keeps working while
it runs; running it twice changes nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from sotong.core.search.indexing import reindex
from sotong.core.search.registry import get_type, registered_types


class Command(BaseCommand):
    help = "검색 색인을 등록된 문서 종류의 데이터로 다시 만듭니다."

    def add_arguments(self, parser):
        parser.add_argument(
            "type", nargs="?", help="이 종류만 다시 색인합니다 (생략하면 모든 종류)."
        )
        parser.add_argument(
            "--batch-size", type=int, default=500, help="한 번에 색인할 객체 수 (기본 500)"
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="진행 막대를 보이지 않습니다."
        )

    def handle(self, *args, **options):
        type_name = options["type"]
        if type_name and get_type(type_name) is None:
            known = ", ".join(t.name for t in registered_types()) or "없음"
            raise CommandError(f"'{type_name}'라는 검색 문서 종류가 없습니다. 등록된 종류: {known}")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size는 1 이상이어야 합니다.")
        bars: list[tqdm] = []

        def progress(doctype, total):
            bar = tqdm(
                total=total,
                desc=str(doctype.label),
                unit="건",
                file=_Stream(self.stderr),
                disable=options["no_progress"],
                dynamic_ncols=True,
            )
            bars.append(bar)
            return bar.update

        try:
            reports = reindex(type_name, batch_size=options["batch_size"], progress=progress)
        finally:
            for bar in bars:
                bar.close()
        failed = []
        for report in reports:
            self.stdout.write(
                f"{report.type}: 색인 {report.indexed}건, 삭제 {report.removed}건, "
                f"실패 {len(report.failed)}건"
            )
            failed += [f"{report.type}:{object_id}" for object_id in report.failed]
        if failed:
            listing = ", ".join(failed[:20]) + (" …" if len(failed) > 20 else "")
            raise CommandError(
                f"색인하지 못한 객체가 {len(failed)}개 있습니다 (로그에 원인이 있습니다): {listing}"
            )
        self.stdout.write(self.style.SUCCESS("검색 색인을 다시 만들었습니다."))


class _Stream:
    """tqdm draws its bar with carriage returns; the command's stderr adds a line break to every
    write unless told otherwise."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()
