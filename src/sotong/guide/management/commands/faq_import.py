"""`manage.py faq_import FILE [--source seoul120] [--organization CODE]`: imports a knowledge base
of frequent questions from CSV (번호,분류,제목,내용,내용번호), UTF-8 or CP949. Idempotent."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from sotong.guide.faq import services
from sotong.guide.management.progress import ProgressBar
from sotong.org.models import Organization

MAX_LISTED = 50


class Command(BaseCommand):
    help = (
        "자주 묻는 질문 CSV(번호,분류,제목,내용,내용번호)를 가져옵니다. 같은 출처의 같은 내용번호는 "
        "새로 만들지 않고 고칩니다. 인코딩은 UTF-8(BOM 포함) 또는 CP949."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV 파일 경로")
        parser.add_argument(
            "--source", default="seoul120", help="출처 코드 (기본: seoul120, 서울 120 주요질문)"
        )
        parser.add_argument(
            "--organization",
            metavar="CODE",
            help="답변 기관의 영문 코드 (기본: seoul120이면 서울특별시가 있을 때 서울특별시)",
        )
        parser.add_argument("--quiet", action="store_true", help="진행 막대와 요약을 끕니다.")

    def handle(self, *args, file: str, source: str, organization: str | None, **options):
        quiet = options["quiet"]
        org = None
        if organization:
            org = Organization.objects.filter(code=organization).first()
            if org is None:
                raise CommandError(f"영문 코드가 '{organization}'인 기관이 없습니다.")
        progress = ProgressBar(quiet=quiet)

        try:
            report = services.faq_import(
                actor=None, file=file, source=source, organization=org, progress=progress
            )
        except FileNotFoundError:
            raise CommandError(f"파일이 없습니다: {file}") from None
        except IsADirectoryError:
            raise CommandError(f"파일이 아니라 폴더입니다: {file}") from None
        except services.FaqFileError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        finally:
            progress.close()

        if not quiet:
            self._summary(report)
        self._issues("오류", report.errors, self.stderr)
        if report.errors:
            raise CommandError(f"오류가 있는 {report.skipped}개 행은 가져오지 않았습니다.")

    def _summary(self, report: services.ImportReport) -> None:
        out = self.stdout
        where = report.organization.name if report.organization else "지정 안 함"
        out.write(
            f"{report.rows}행 읽음 ({report.encoding}), 출처 {report.source}, 답변 기관 {where}"
        )
        out.write(
            f"  새로 만듦 {report.created}, 고침 {report.updated}, 그대로 {report.unchanged}, "
            f"건너뜀 {report.skipped}, 경고 {len(report.warnings)}"
        )
        self._issues("경고", report.warnings, out)

    def _issues(self, title: str, issues: list[services.ImportIssue], out) -> None:
        for issue in issues[:MAX_LISTED]:
            out.write(f"  {title}: {issue}")
        if len(issues) > MAX_LISTED:
            out.write(f"  {title}: … 외 {len(issues) - MAX_LISTED}건")
