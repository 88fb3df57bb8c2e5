"""Bringing an existing, consented list into notify: a district's departments kept their own
lists of residents who asked for texts (Jung-gu's "부서별 명단관리 통합시스템", seed 002); the demo
loads its sample subscribers the same way.

Imported addresses count as confirmed because their owners consented when they were collected;
the `Consent` rows say so (source "import", the consent date given). Addresses already on the
organisation's list are left as their owners set them (counted as `existing`). Rows with errors
are reported by row number and skipped; the rest are imported in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sotong.core.audit import audit_record
from sotong.core.vocab import Interest, LifeStage, TargetGroup, to_mask
from sotong.org.models import Dong, Organization

from . import permissions
from .addresses import email_hash, normalize_email, normalize_phone, phone_hash
from .models import Channel, Consent, Subscriber, channel_mask, channels_of

if TYPE_CHECKING:
    from sotong.accounts.models import User


@dataclass(frozen=True)
class ImportRow:
    email: str = ""
    phone: str = ""
    dong: str = ""  # 행정동 name
    interests: tuple[str, ...] = ()
    life_stages: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    frequency: str = Subscriber.Frequency.IMMEDIATE
    digest_weekday: int = 4
    birth_year: int | None = None


@dataclass
class ImportReport:
    created: int = 0
    existing: int = 0
    errors: list[str] = field(default_factory=list)  # "3행: 휴대전화 번호가 …"


def _messages(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _subscriber(row: ImportRow, organization: Organization, dongs: dict[str, Dong], at):
    email = normalize_email(row.email) if row.email else ""
    phone = normalize_phone(row.phone) if row.phone else ""
    channels = row.channels or (
        *((Channel.EMAIL,) if email else ()),
        *((Channel.SMS,) if phone else ()),
    )
    mask = channel_mask(channels)
    if mask & channel_mask([Channel.EMAIL]) and not email:
        raise ValidationError(_("이메일로 받으려면 이메일 주소가 있어야 합니다."))
    if mask & channel_mask([Channel.SMS, Channel.KAKAO]) and not phone:
        raise ValidationError(_("문자나 알림톡으로 받으려면 휴대전화 번호가 있어야 합니다."))
    if not mask:
        raise ValidationError(_("받는 방법이 없습니다."))
    dong = None
    if row.dong:
        dong = dongs.get(row.dong)
        if dong is None:
            raise ValidationError(
                _("%(name)s은(는) 이 기관의 행정동이 아닙니다.") % {"name": row.dong}
            )
    try:
        masks = {
            "interests": to_mask(Interest, row.interests),
            "life_stages": to_mask(LifeStage, row.life_stages),
            "target_groups": to_mask(TargetGroup, row.target_groups),
        }
    except ValueError as exc:
        raise ValidationError(_("알 수 없는 관심 분야·생애주기·대상이 있습니다.")) from exc
    if row.frequency not in Subscriber.Frequency.values or not 0 <= row.digest_weekday <= 6:
        raise ValidationError(_("받는 주기나 요일이 올바르지 않습니다."))
    return Subscriber(
        organization=organization,
        dong=dong,
        status=Subscriber.Status.ACTIVE,
        email=email,
        email_hash=email_hash(email) if email else None,
        email_confirmed_at=at if email else None,
        phone=phone,
        phone_hash=phone_hash(phone) if phone else None,
        phone_confirmed_at=at if phone else None,
        channels=mask,
        frequency=row.frequency,
        digest_weekday=row.digest_weekday,
        birth_year=row.birth_year,
        created_at=at,
        **masks,
    )


@transaction.atomic
def subscriber_import(
    *,
    actor: User | None,
    organization: Organization,
    rows: Iterable[ImportRow],
    consented_at: datetime | None = None,
) -> ImportReport:
    """Import consented subscribers into `organization`'s list. `actor` None is the system (the
    demo loader); staff need the campaign permission of the organisation."""
    if actor is not None and not permissions.can_manage_campaigns(actor, organization):
        raise PermissionDenied(_("이 기관의 알림 구독자를 관리할 권한이 없습니다."))
    at = consented_at or timezone.now()
    dongs = {dong.name: dong for dong in Dong.objects.filter(organization=organization)}
    report = ImportReport()
    fresh: list[Subscriber] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        try:
            subscriber = _subscriber(row, organization, dongs, at)
        except ValidationError as exc:
            report.errors.append(
                _("%(row)d행: %(error)s") % {"row": number, "error": _messages(exc)}
            )
            continue
        hashes = {h for h in (subscriber.email_hash, subscriber.phone_hash) if h}
        if hashes & seen:
            report.existing += 1
            continue
        seen |= hashes
        fresh.append(subscriber)
    taken = _existing_hashes(organization, seen)
    kept = []
    for subscriber in fresh:
        if {subscriber.email_hash, subscriber.phone_hash} & taken:
            report.existing += 1
        else:
            kept.append(subscriber)
    created = Subscriber.objects.bulk_create(kept, batch_size=1000)
    Consent.objects.bulk_create(
        (
            Consent(
                subscriber=subscriber,
                kind=Consent.Kind.SUBSCRIBE,
                channel=channel,
                granted=True,
                source=Consent.Source.IMPORT,
                at=at,
            )
            for subscriber in created
            for channel in _channels(subscriber)
        ),
        batch_size=1000,
    )
    report.created = len(created)
    if not created:
        return report  # nothing changed, nothing to record
    audit_record(
        actor=actor,
        action="notify.subscriber.import",
        organization=organization,
        after={
            "created": report.created,
            "existing": report.existing,
            "errors": len(report.errors),
        },
    )
    return report


def _channels(subscriber: Subscriber) -> list[str]:
    return channels_of(subscriber.channels)


def _existing_hashes(organization: Organization, hashes: set[str]) -> set[str]:
    if not hashes:
        return set()
    found: set[str] = set()
    values = list(hashes)
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        for email_h, phone_h in Subscriber.objects.filter(
            Q(email_hash__in=chunk) | Q(phone_hash__in=chunk), organization=organization
        ).values_list("email_hash", "phone_hash"):
            found |= {h for h in (email_h, phone_h) if h in hashes}
    return found
