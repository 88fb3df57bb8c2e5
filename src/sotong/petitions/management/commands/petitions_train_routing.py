"""`manage.py petitions_train_routing [--organization CODE]`: retrain the department suggester
of one organisation, or of every organisation that has petitions, now (in this process)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sotong.org.models import Organization
from sotong.petitions import routing
from sotong.petitions.models import Petition


class Command(BaseCommand):
    help = "민원 배정 추천 모델을 기관별 배정 이력으로 다시 학습합니다."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organization", metavar="CODE", help="기관 코드 (없으면 전체)")

    def handle(self, *args: Any, organization: str | None = None, **options: Any) -> None:
        if organization:
            organizations = list(Organization.objects.filter(code=organization))
            if not organizations:
                raise CommandError(f"기관 코드 {organization!r}가 없습니다.")
        else:
            ids = Petition.objects.values_list("organization_id", flat=True).distinct()
            organizations = list(Organization.objects.filter(pk__in=ids).order_by("code"))
        for org in organizations:
            model = routing.train(org)
            state = "학습" if model.data.get("departments") else "핵심어 규칙 (이력 부족)"
            self.stdout.write(f"{org.code}: {model.examples}건, {state}")
