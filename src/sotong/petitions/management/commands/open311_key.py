"""`manage.py open311_key`: Open311 API keys of an organisation.

    manage.py open311_key create "주민 신고 앱" --organization junggu   # prints the key once
    manage.py open311_key list [--organization junggu]
    manage.py open311_key revoke ID_OR_PREFIX

The key itself is printed once, as the last line of `create`; only its SHA-256 hash is kept."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sotong.org.models import Organization
from sotong.petitions.models import Open311Key
from sotong.petitions.open311.keys import open311_key_create, open311_key_revoke


def _organization(code: str) -> Organization:
    organization = Organization.objects.filter(code=code).first()
    if organization is None:
        raise CommandError(f"기관 코드 {code!r}를 찾을 수 없습니다.")
    return organization


class Command(BaseCommand):
    help = "Open311 API 키를 발급(create)·조회(list)·사용 중지(revoke)합니다."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="새 키를 발급하고 한 번만 보여 줍니다.")
        create.add_argument("name", help="키 이름 (쓰는 앱이나 기관), 예: 주민 신고 앱")
        create.add_argument("--organization", required=True, help="기관 영문 코드")
        listing = sub.add_parser("list", help="발급한 키를 보여 줍니다 (키 자체는 보이지 않음).")
        listing.add_argument("--organization", help="이 기관의 키만")
        revoke = sub.add_parser("revoke", help="키를 사용 중지합니다 (되살릴 수 없음).")
        revoke.add_argument("key", help="키 번호(ID) 또는 앞 8자(prefix)")
        revoke.add_argument("--reason", default="", help="중지 사유")

    def handle(self, *args, **options):
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options):
        organization = _organization(options["organization"])
        try:
            key, raw = open311_key_create(
                actor=None, organization=organization, name=options["name"]
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"{organization.name}의 Open311 API 키 #{key.pk} '{key.name}'을(를) 발급했습니다."
        )
        self.stdout.write("이 키는 다시 볼 수 없습니다. 지금 안전한 곳에 옮겨 두세요:")
        self.stdout.write(raw)

    def _list(self, options):
        keys = Open311Key.objects.select_related("organization").order_by("organization", "pk")
        if options.get("organization"):
            keys = keys.filter(organization=_organization(options["organization"]))
        rows = list(keys)
        if not rows:
            self.stdout.write("발급한 키가 없습니다.")
            return
        for key in rows:
            used = (
                timezone.localtime(key.last_used_at).strftime("%Y-%m-%d %H:%M")
                if key.last_used_at
                else "-"
            )
            state = "사용" if key.active else "중지"
            self.stdout.write(
                f"#{key.pk}\t{key.prefix}…\t{state}\t{key.organization.code}\t{key.name}\t"
                f"발급 {timezone.localtime(key.created_at):%Y-%m-%d}\t최근 사용 {used}"
            )

    def _revoke(self, options):
        ref = options["key"].strip()
        keys = Open311Key.objects.filter(pk=int(ref)) if ref.isdigit() else None
        if not keys:
            keys = Open311Key.objects.filter(prefix=ref.rstrip("…"))
        found = list(keys[:2])
        if not found:
            raise CommandError(f"키 {ref!r}를 찾을 수 없습니다.")
        if len(found) > 1:
            raise CommandError(f"키 {ref!r}에 해당하는 키가 여럿입니다. 번호(ID)로 지정하세요.")
        key = open311_key_revoke(actor=None, key=found[0], reason=options["reason"])
        self.stdout.write(f"키 #{key.pk} '{key.name}'의 사용을 중지했습니다.")
