"""The demo's notifications (`data/notify.json`): staff groups with the notify permissions, a
generated sample of subscribers for Seodaemun and Jung-gu, and the campaigns the seeds describe —
one sent at load time, so that the worker delivers it to the fake provider when the demo starts
and staff can open its report and the provider's inbox.

Idempotent like the rest of the loader: groups are brought up to date, subscribers are imported by
address (a second run finds them all existing), campaigns are created once by title."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from sotong.accounts.models import User
from sotong.core.vocab import Interest, LifeStage
from sotong.notify import campaigns
from sotong.notify.imports import ImportRow, subscriber_import
from sotong.notify.models import Campaign
from sotong.org.models import Dong, Organization

SEOUL = ZoneInfo("Asia/Seoul")
RANDOM_SEED = 2015  # the seeds' year; any fixed number keeps the sample the same on every load


@dataclass
class NotifyResult:
    subscribers: int = 0
    campaigns: list[str] = field(default_factory=list)


def _groups(data: dict[str, Any]) -> dict[str, Group]:
    groups = {}
    for name, codenames in data["groups"].items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = set(
            Permission.objects.filter(content_type__app_label="notify", codename__in=codenames)
        )
        if set(group.permissions.all()) != wanted:
            group.permissions.set(wanted)
        groups[name] = group
    return groups


def _rows(org_code: str, spec: dict[str, Any], dongs: list[str]) -> list[ImportRow]:
    rng = random.Random(f"{RANDOM_SEED}-{org_code}")  # noqa: S311 - demo data, not secrets
    interests = list(Interest.values)
    stages = list(LifeStage.values)
    rows = []
    for n in range(spec["count"]):
        chosen = rng.sample(interests, rng.randint(1, 4))
        if Interest.DISASTER_SAFETY not in chosen and rng.random() < 0.6:
            chosen.append(Interest.DISASTER_SAFETY)
        has_email, has_phone = rng.random() < 0.75, rng.random() < 0.85
        if not (has_email or has_phone):
            has_phone = True
        weekly = rng.random() < spec["weekly_share"] and has_email
        rows.append(
            ImportRow(
                email=f"{org_code}.subscriber{n + 1:04d}@example.kr" if has_email else "",
                # 010-0000-xxxx: never issued to a real subscriber in the demo's numbering plan.
                phone=f"0100000{spec['phone_block']}{n:03d}" if has_phone else "",
                dong=rng.choice(dongs) if dongs and rng.random() < 0.9 else "",
                interests=tuple(chosen),
                life_stages=tuple(rng.sample(stages, rng.randint(0, 2))),
                target_groups=("single_parent",) if n < spec["single_parents"] else (),
                channels=(),
                frequency="weekly" if weekly else "immediate",
                digest_weekday=4,  # Friday, as Seodaemun sends it (seed 000)
                birth_year=rng.randint(1945, 2004),
            )
        )
    return rows


def _next_weekday(now: datetime.datetime, weekday: int, hour: int) -> datetime.datetime:
    local = now.astimezone(SEOUL)
    days = (weekday - local.weekday()) % 7 or 7
    day = (local + datetime.timedelta(days=days)).date()
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SEOUL)


def _campaign(spec: dict[str, Any], organization: Organization, now) -> str | None:
    if Campaign.objects.filter(organization=organization, title=spec["title"]).exists():
        return None
    # A fresh instance: permissions given through groups moments ago are not in a cached one.
    actor = User.objects.get(email=spec["by"])
    campaign = campaigns.campaign_create(
        actor=actor,
        organization=organization,
        kind=spec["kind"],
        title=spec["title"],
        segment=spec.get("segment", {}),
        channels=spec.get("channels", []),
        subject=spec.get("subject", ""),
        body=spec.get("body", ""),
        sms_body=spec.get("sms_body", ""),
        conversion_action=spec.get("conversion_action", ""),
        conversion_days=spec.get("conversion_days", 30),
    )
    action = spec.get("action", "draft")
    if action == "send":
        campaigns.campaign_send_now(actor=actor, campaign=campaign, now=now)
    elif action == "schedule_next_friday":
        at = _next_weekday(now, 4, 9)
        campaigns.campaign_update(
            actor=actor,
            campaign=campaign,
            digest_since=at - datetime.timedelta(days=7),
            digest_until=at,
        )
        campaigns.campaign_schedule(actor=actor, campaign=campaign, at=at, now=now)
    elif action == "schedule_tomorrow":
        at = datetime.datetime.combine(
            (now.astimezone(SEOUL) + datetime.timedelta(days=1)).date(),
            datetime.time(10),
            tzinfo=SEOUL,
        )
        campaigns.campaign_schedule(actor=actor, campaign=campaign, at=at, now=now)
    return f"{organization.name}: {spec['title']} ({action})"


def load_notify(data: dict[str, Any], organizations: dict[str, Organization]) -> NotifyResult:
    result = NotifyResult()
    groups = _groups(data)
    for email, group_name in data["staff"].items():
        user = User.objects.get(email=email)
        user.groups.add(groups[group_name])
    for org_code, spec in data["subscribers"].items():
        organization = organizations[org_code]
        dongs = list(Dong.objects.filter(organization=organization).values_list("name", flat=True))
        report = subscriber_import(
            actor=None, organization=organization, rows=_rows(org_code, spec, dongs)
        )
        if report.errors:
            raise ValueError(f"notify demo subscribers of {org_code}: {report.errors[0]}")
        result.subscribers += report.created
    now = timezone.now()
    for spec in data["campaigns"]:
        made = _campaign(spec, organizations[spec["organization"]], now)
        if made:
            result.campaigns.append(made)
    return result
