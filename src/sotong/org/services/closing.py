"""An organisation's own closing days (휴무일), which petition deadlines do not count."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sotong.core.audit import audit_record

from .. import permissions
from ..closing_days import closed_days_clear
from ..models import ClosingDay, Organization
from .common import CLOSING_DAY_YEARS_AHEAD, CLOSING_DAY_YEARS_BACK, _require

if TYPE_CHECKING:
    from sotong.accounts.models import User


def _years_from(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def closing_day_problems(
    day: datetime.date | None, reason: str | None, *, today: datetime.date | None = None
) -> dict[str, str]:
    """What is wrong with a closing day on `day` for `reason`, by field (empty when nothing):
    the checks of `closing_day_add` that need no database, for forms to show beside the field."""
    today = today or timezone.localdate()
    problems: dict[str, str] = {}
    if not (reason or "").strip():
        problems["reason"] = _("휴무 사유를 입력하세요.")
    if day is None:
        problems["day"] = _("휴무일을 입력하세요.")
    elif day < _years_from(today, -CLOSING_DAY_YEARS_BACK):
        problems["day"] = _("1년보다 더 지난 날은 휴무일로 등록할 수 없습니다.")
    elif day > _years_from(today, CLOSING_DAY_YEARS_AHEAD):
        problems["day"] = _("2년보다 더 뒤의 날은 휴무일로 등록할 수 없습니다.")
    return problems


def _forget_closed_days() -> None:
    """Petition deadlines keep closing days per process (`closing_days.closed_days`): forget
    them now, for this request, and again once the change is committed, so that no lookup made
    meanwhile keeps the old days. Other workers follow within its TTL."""
    closed_days_clear()
    transaction.on_commit(closed_days_clear)


@transaction.atomic
def closing_day_add(
    *, actor: User, organization: Organization, day: datetime.date, reason: str
) -> ClosingDay:
    """Declares `day` a closing day of `organization`: petitions received from now on (and
    extensions) do not count it. Deadlines already set are left as they are."""
    _require(permissions.can_manage_organization(actor, organization))
    reason = (reason or "").strip()
    problems = closing_day_problems(day, reason)
    if problems:
        raise ValidationError(problems)
    closing_day = ClosingDay(organization=organization, day=day, reason=reason)
    closing_day.full_clean()  # the duplicate day, with the constraint's Korean message
    try:
        with transaction.atomic():
            closing_day.save()
    except IntegrityError as exc:  # the same day added at the same moment
        raise ValidationError({"day": _("이 기관에 같은 날의 휴무일이 이미 있습니다.")}) from exc
    audit_record(
        actor=actor,
        action="org.closing_day.add",
        obj=closing_day,
        organization=organization,
        after={"day": day.isoformat(), "reason": reason},
        reason=reason,
    )
    _forget_closed_days()
    return closing_day


@transaction.atomic
def closing_day_remove(*, actor: User, closing_day: ClosingDay, reason: str = "") -> None:
    """Withdraws a closing day. Deadlines already set are left as they are."""
    _require(permissions.can_manage_organization(actor, closing_day.organization_id))
    organization = closing_day.organization
    record = {
        "id": closing_day.pk,
        "day": closing_day.day.isoformat(),
        "reason": closing_day.reason,
    }
    closing_day.delete()
    audit_record(
        actor=actor,
        action="org.closing_day.remove",
        organization=organization,
        before=record,
        reason=reason,
    )
    _forget_closed_days()
