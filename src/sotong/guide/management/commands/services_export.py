"""`manage.py services_export FILE [--organization CODE | --all] [--format csv|xlsx]`: writes the
service catalogue in the layout `services_import` reads (CSV in UTF-8 with BOM, so Excel opens it),
so an export imported again changes nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sotong.guide.catalogue import export as catalogue_export
from sotong.org.models import Organization


class Command(BaseCommand):
    help = "서비스 목록을 CSV(UTF-8 BOM) 또는 XLSX로 내보냅니다 (services_import와 같은 열)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="쓸 파일 경로 ('-'이면 표준 출력, CSV만)")
        parser.add_argument(
            "--organization", metavar="CODE", help="운영 기관의 영문 코드 (없으면 전국 공통 서비스)"
        )
        parser.add_argument("--all", action="store_true", help="모든 기관의 서비스")
        parser.add_argument(
            "--format",
            choices=["csv", "xlsx"],
            help="형식 (기본: 파일 이름의 확장자, 없으면 csv)",
        )
        parser.add_argument("--quiet", action="store_true", help="요약을 끕니다.")

    def handle(self, *args, file: str, organization: str | None, **options):
        org = None
        if organization:
            if options["all"]:
                raise CommandError("--organization과 --all은 함께 쓸 수 없습니다.")
            org = Organization.objects.filter(code=organization).first()
            if org is None:
                raise CommandError(f"영문 코드가 '{organization}'인 기관이 없습니다.")
        fmt = options["format"] or ("xlsx" if file.lower().endswith(".xlsx") else "csv")
        services = list(
            catalogue_export.export_queryset(organization=org, everything=options["all"])
        )
        data = (catalogue_export.export_xlsx if fmt == "xlsx" else catalogue_export.export_csv)(
            services
        )
        if file == "-":
            if fmt == "xlsx":
                raise CommandError("XLSX는 표준 출력으로 쓸 수 없습니다.")
            self.stdout.write(data.decode("utf-8-sig"), ending="")
            return
        try:
            Path(file).write_bytes(data)
        except OSError as exc:
            raise CommandError(f"파일을 쓸 수 없습니다: {file} ({exc.strerror})") from None
        if not options["quiet"]:
            self.stderr.write(f"서비스 {len(services)}개를 {file}({fmt})에 썼습니다.")
