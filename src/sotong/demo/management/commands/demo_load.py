"""`manage.py demo_load`: loads the demo government (idempotent) and prints the demo logins."""

from __future__ import annotations

import unicodedata

from django.core.management.base import BaseCommand, CommandError

from sotong.demo.loader import DemoDataError, DemoResult, load_demo


def _width(text: str) -> int:
    """Columns a string takes in a terminal: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_logins(result: DemoResult) -> list[str]:
    header = ("역할 / role", "기관 / organisation", "이메일 / e-mail", "비밀번호 / password")
    rows = [header] + [
        (login.role, login.organization, login.email, login.password) for login in result.logins
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


class Command(BaseCommand):
    help = (
        "데모 정부(서울특별시, 서대문구, 중구, 영등포구)를 적재합니다. 여러 번 실행해도 안전합니다."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet", action="store_true", help="요약과 로그인 표를 출력하지 않습니다."
        )

    def handle(self, *args, quiet: bool = False, **options):
        try:
            result = load_demo()
        except DemoDataError as exc:
            raise CommandError(f"데모 데이터 파일이 맞지 않습니다: {exc}") from exc
        if quiet:
            return
        out = self.stdout
        created = ", ".join(f"{k} {v}" for k, v in sorted(result.created.items())) or "없음 / none"
        totals = ", ".join(f"{k} {v}" for k, v in result.totals.items())
        out.write("데모 정부를 적재했습니다 / demo government loaded")
        out.write(f"  새로 만든 것 / created this run: {created}")
        out.write(f"  전체 / in the database: {totals}")
        out.write("")
        out.write("데모 로그인 / demo logins (모두 같은 비밀번호 / one password for all):")
        for line in format_logins(result):
            out.write(f"  {line}")
        if result.account_lines:
            out.write("")
            for line in result.account_lines:
                out.write(line)
        elif not result.accounts_setup:
            out.write("")
            out.write("  (직원 OTP와 주민 프로필은 accounts 앱이 준비되면 설정됩니다.)")
