"""`manage.py manifest`: what every app registers (its `manifest.py`), app by app."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sotong.core.manifest import applied


class Command(BaseCommand):
    help = "앱마다 등록한 것(알림 이벤트, 검색 유형, 소식지 출처 …)을 보여 줍니다."

    def handle(self, *args, **options) -> None:
        for label, registrations in applied().items():
            self.stdout.write(f"{label}:")
            for registration in registrations:
                self.stdout.write(f"  {registration.registry_name}  {registration.subject}")
