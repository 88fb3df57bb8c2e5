"""Who is who, and who may do what with accounts. Plain functions, no database writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist

from .types import Actor

if TYPE_CHECKING:
    from .models import User


def is_active_staff(user) -> bool:
    """A public servant: the user has an active `org.Staff` row. Reading `user.staff` caches the
    row on the user object, so later code on the same request gets it without a query."""
    if not getattr(user, "is_authenticated", False):
        return False
    try:
        staff = user.staff
    except ObjectDoesNotExist:
        return False
    return bool(staff.active)


def needs_second_factor(user) -> bool:
    """Staff of an organisation and anyone who may enter the admin site must pass TOTP. Only a
    non-production install can switch this off (settings.SOTONG_STAFF_MFA_REQUIRED)."""
    if not settings.SOTONG_STAFF_MFA_REQUIRED or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser or is_active_staff(user))


def can_edit_profile(actor: Actor, user: User) -> bool:
    """A resident edits only their own profile; staff see contact data only through
    `sotong.core.privacy`'s logged reads, never through this path."""
    return bool(
        getattr(actor, "is_authenticated", False) and actor.pk == user.pk and user.is_active
    )


def can_delete_account(actor: Actor, user: User) -> bool:
    """Only the owner deletes an account, and staff accounts are closed by their organisation
    (an `org.Staff` row keeps pointing at them), not by the member of staff."""
    return can_edit_profile(actor, user) and not is_active_staff(user) and not user.is_staff
