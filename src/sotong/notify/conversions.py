"""Conversion goals: actions in the platform a campaign may aim at ("applied for the savings
account"), so its report can say "told 207, acted 29 (14%)".

Apps declare their actions once (in `AppConfig.ready()`) and record each time someone performs
one:

    from sotong.notify.conversions import register_action, conversion_record

    register_action("services.applied", _("서비스 신청"))
    conversion_record(action="services.applied", user=request.user, ref="services.Application:7")

A conversion counts for a campaign when the person (account or subscriber) got one of its
messages and performed the campaign's `conversion_action` within `conversion_days` after it was
sent (`reports.campaign_report`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import ConversionEvent, Subscriber

if TYPE_CHECKING:
    from datetime import datetime

    from sotong.accounts.models import User


@dataclass(frozen=True)
class Action:
    key: str
    label: str | Promise


_ACTIONS: dict[str, Action] = {}


def register_action(key: str, label: str | Promise) -> Action:
    """Declare an action (idempotent for the same key: `ready()` may run twice in tests)."""
    action = Action(key=key, label=label)
    _ACTIONS[key] = action
    return action


def registered_actions() -> list[Action]:
    return sorted(_ACTIONS.values(), key=lambda action: action.key)


def action_label(key: str) -> str:
    action = _ACTIONS.get(key)
    return str(action.label) if action else key


def is_registered(key: str) -> bool:
    return key in _ACTIONS


@transaction.atomic
def conversion_record(
    *,
    action: str,
    user: User | None = None,
    subscriber: Subscriber | None = None,
    ref: str = "",
    at: datetime | None = None,
) -> ConversionEvent:
    """Record that `user` and/or `subscriber` performed `action` (ValueError when the action was
    never registered: a typo would otherwise count nothing, silently). Not audited: the event
    is the record of another service's change, which that service audits."""
    if action not in _ACTIONS:
        raise ValueError(f"unknown conversion action: {action}")
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return ConversionEvent.objects.create(
        action=action, user=user, subscriber=subscriber, ref=ref[:120], at=at or timezone.now()
    )


SUBSCRIBED = ("notify.subscribed", _("알림 구독 신청"))  # registered by notify's manifest
