"""`manage.py petitions_retention [--dry-run]`: destroys the personal data of finished petitions
whose retention period (the organisation's `Policy.retention_days`) has passed; see
`sotong.petitions.retention`. Idempotent; run it daily (cron, or the `retention_tick` task)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sotong.org.models import Organization
from sotong.petitions.retention import retention_report


class Command(BaseCommand):
    help = (
        "보유 기간(기관별 민원 운영 기준, 기본 1,095일)이 지난 종결·이송 민원의 민원인 개인정보"
        "(이름, 연락처, 계정 연결, 본문 속 개인정보, 비공개 첨부 파일)를 파기하고 파기 기록을 "
        "남깁니다. --dry-run은 파기할 건수만 셉니다."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="파기하지 않고 대상 건수만 보여 줍니다."
        )

    def handle(self, *args, dry_run: bool, **options):
        report = retention_report(dry_run=dry_run)
        names = dict(
            Organization.objects.filter(
                pk__in=[run.organization_id for run in report.organizations]
            ).values_list("pk", "name")
        )
        verb = "파기 대상" if dry_run else "파기"
        for run in report.organizations:
            self.stdout.write(
                f"{names.get(run.organization_id, run.organization_id)}: {verb} 민원 "
                f"{run.petitions}건, 첨부 파일 {run.attachments}개 "
                f"(보유 기간 {run.retention_days}일)"
            )
        self.stdout.write(
            f"{verb} 민원 {report.petitions}건, 첨부 파일 {report.attachments}개"
            + (" (시험 실행: 아무것도 바꾸지 않았습니다)" if dry_run else "")
        )
