"""Vocabularies shared by several apps: interests, life stages and target groups.

`notify` files subscribers under them and `services` files its catalogue under the same names, so a
"복지" subscriber and a "복지" service meet without a mapping table. Sets of them are stored as bit
masks (one small integer per row): a segment of a million subscribers is then one indexed scan with
a bitwise AND, on SQLite and PostgreSQL alike. Never renumber a member: the bit is its position in
`BITS`, and stored masks depend on it; add new members at the end."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _


class Interest(models.TextChoices):
    DISASTER_SAFETY = "disaster_safety", _("재난·안전")
    WELFARE = "welfare", _("복지")
    CULTURE = "culture", _("문화")
    HEALTH = "health", _("건강")
    CHILDCARE = "childcare", _("육아")
    JOBS = "jobs", _("일자리")
    TRANSPORT = "transport", _("교통")
    ENVIRONMENT = "environment", _("환경")
    EDUCATION = "education", _("교육")
    EVENTS = "events", _("행사·축제")


class LifeStage(models.TextChoices):
    PREGNANCY = "pregnancy", _("임신·출산")
    INFANT = "infant", _("영유아")
    CHILD = "child", _("아동")
    YOUTH = "youth", _("청소년")
    YOUNG_ADULT = "young_adult", _("청년")
    MIDDLE_AGED = "middle_aged", _("중장년")
    SENIOR = "senior", _("어르신")


class TargetGroup(models.TextChoices):
    WOMEN = "women", _("여성")
    DISABLED = "disabled", _("장애인")
    SMALL_BUSINESS = "small_business", _("소상공인")
    WORKER = "worker", _("근로자")
    LOW_INCOME = "low_income", _("저소득·취약계층")
    MULTICULTURAL = "multicultural", _("다문화가족")
    SINGLE_PARENT = "single_parent", _("한부모")
    VETERAN = "veteran", _("국가유공자")


def bit(choices: type[models.TextChoices], value: str) -> int:
    """The bit of one member: 1 << its position in the enumeration."""
    return 1 << list(choices.values).index(value)


def to_mask(choices: type[models.TextChoices], values: Iterable[str]) -> int:
    """The mask of several members. An unknown value is a programming error (ValueError)."""
    mask = 0
    for value in values:
        mask |= bit(choices, value)
    return mask


def from_mask(choices: type[models.TextChoices], mask: int) -> list[str]:
    """The members in a mask, in the enumeration's order."""
    return [value for i, value in enumerate(choices.values) if mask & (1 << i)]


def filter_any(queryset: QuerySet, field: str, mask: int) -> QuerySet:
    """Rows whose `field` mask shares at least one bit with `mask` (no filter when mask is 0)."""
    if not mask:
        return queryset
    alias = f"_{field}_and"
    return queryset.alias(**{alias: F(field).bitand(mask)}).filter(~Q(**{alias: 0}))


def filter_all(queryset: QuerySet, field: str, mask: int) -> QuerySet:
    """Rows whose `field` mask holds every bit of `mask`."""
    if not mask:
        return queryset
    alias = f"_{field}_and"
    return queryset.alias(**{alias: F(field).bitand(mask)}).filter(**{alias: mask})
