"""State changes of the eligibility questionnaire: a resident's saved answers (`SavedProfile`).

Answers are personal data (income, disability, household): they are stored encrypted, only when
the resident asked for it, and the audit log records that a profile was saved or deleted, never
what it holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from sotong.accounts.types import Actor
from sotong.core.audit import audit_record
from sotong.guide.eligibility.answers import Answers, answers_clean
from sotong.guide.models import SavedProfile

__all__ = ["profile_delete", "profile_for", "profile_save"]


def _check_actor(actor: Actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("로그인한 주민만 맞춤 안내 정보를 저장할 수 있습니다."))


def profile_for(user: Any) -> SavedProfile | None:
    """The user's saved profile, or None (anonymous users have none)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return SavedProfile.objects.filter(user=user).first()


@transaction.atomic
def profile_save(
    *, actor: Actor, answers: Answers | Mapping[str, Any], notify_on_match: bool
) -> SavedProfile:
    """Save (or replace) the actor's own answers. `answers` are checked `Answers` or raw answers
    (checked here: ValidationError per field). The date of the questionnaire is not kept."""
    _check_actor(actor)
    if not isinstance(answers, Answers):
        answers = answers_clean(answers)
    profile = SavedProfile.objects.select_for_update().filter(user=actor).first()
    created = profile is None
    before = None if created else {"notify_on_match": profile.notify_on_match}
    if created:
        profile = SavedProfile(user=actor)
    profile.answers = answers.as_data(with_on_date=False)
    profile.notify_on_match = bool(notify_on_match)
    profile.save()
    audit_record(
        actor=actor,
        action="services.profile.create" if created else "services.profile.update",
        obj=profile,
        before=before,
        after={"notify_on_match": profile.notify_on_match},
    )
    return profile


@transaction.atomic
def profile_delete(*, actor: Actor) -> bool:
    """Delete the actor's saved answers. False when there were none."""
    _check_actor(actor)
    profile = SavedProfile.objects.select_for_update().filter(user=actor).first()
    if profile is None:
        return False
    audit_record(
        actor=actor,
        action="services.profile.delete",
        obj=profile,
        before={"notify_on_match": profile.notify_on_match},
    )
    profile.delete()
    return True
