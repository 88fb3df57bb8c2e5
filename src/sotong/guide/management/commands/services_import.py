"""`manage.py services_import FILE [--organization CODE] [--source SRC] [--quiet]`: imports the
service catalogue from CSV (UTF-8 or CP949) or XLSX in the layout of `catalogue_io` (see
README_catalogue_io.md). Every row is checked first; if any has an error, nothing is imported, the
errors go to stderr and the command exits non-zero. Idempotent by (출처, 출처번호)."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from sotong.guide.catalogue import imports as catalogue_io
from sotong.guide.catalogue import rows as catalogue_rows
from sotong.guide.management.progress import ProgressBar
from sotong.org.models import Organization

MAX_LISTED = 200


class Command(BaseCommand):
    help = (
        "서비스 목록(CSV 또는 XLSX, 한 행에 서비스 하나)을 가져옵니다. 모든 행을 먼저 검사하고, "
        "오류가 하나라도 있으면 아무것도 가져오지 않습니다. 같은 출처·출처번호는 고칩니다."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV 또는 XLSX 파일 경로")
        parser.add_argument(
            "--organization",
            metavar="CODE",
            help="운영 기관의 영문 코드 (없으면 전국 공통 서비스)",
        )
        parser.add_argument(
            "--source", default="local", help="출처 열이 비어 있을 때 쓰는 출처 코드 (기본: local)"
        )
        parser.add_argument("--quiet", action="store_true", help="진행 막대와 요약을 끕니다.")

    def handle(self, *args, file: str, organization: str | None, source: str, **options):
        quiet = options["quiet"]
        org = None
        if organization:
            org = Organization.objects.filter(code=organization).first()
            if org is None:
                raise CommandError(f"영문 코드가 '{organization}'인 기관이 없습니다.")
        path = Path(file)
        if not path.exists():
            raise CommandError(f"파일이 없습니다: {file}")
        if path.is_dir():
            raise CommandError(f"파일이 아니라 폴더입니다: {file}")
        progress = ProgressBar(quiet=quiet)

        try:
            report = catalogue_io.catalogue_import(
                actor=None,
                data=path.read_bytes(),
                organization=org,
                source=source,
                progress=progress,
            )
        except catalogue_rows.CatalogueFileError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        finally:
            progress.close()

        for issue in report.errors[:MAX_LISTED]:
            self.stderr.write(f"  오류: {issue}")
        if len(report.errors) > MAX_LISTED:
            self.stderr.write(f"  오류: … 외 {len(report.errors) - MAX_LISTED}건")
        if report.errors:
            rows = len({issue.row for issue in report.errors})
            raise CommandError(
                f"{rows}개 행에 오류 {len(report.errors)}건이 있어 아무것도 가져오지 않았습니다."
            )
        if not quiet:
            where = org.name if org else "전국 공통"
            self.stdout.write(
                f"{report.rows}행 읽음 ({report.encoding}), 기관 {where}: "
                f"새로 만듦 {report.created}, 고침 {report.updated}, 그대로 {report.unchanged}"
            )
