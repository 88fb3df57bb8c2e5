"""`manage.py demo_totp EMAIL`: the current TOTP code of a demo staff user, for visitors of the
demo who have no authenticator app at hand. Refused outside demo and development installs, and
for any account whose secret is not the demo one."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sotong.accounts.demo import demo_totp_code, demo_totp_secret
from sotong.accounts.models import User


class Command(BaseCommand):
    help = "데모 직원 계정의 현재 OTP 코드를 보여 줍니다 (데모·개발 환경에서만)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        if settings.SOTONG_ENV not in {"demo", "development"}:
            raise CommandError(
                "demo_totp는 데모·개발 환경(SOTONG_ENV=demo/development)에서만 씁니다."
            )
        user = User.objects.filter(email__iexact=email.strip()).first()
        authenticator = (
            Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
            if user
            else None
        )
        if authenticator is None or decrypt(authenticator.data["secret"]) != demo_totp_secret(
            user.email
        ):
            raise CommandError(f"{email}: 데모 OTP가 설정된 직원 계정이 아닙니다.")
        self.stdout.write(demo_totp_code(user.email))
