"""Who may do what with personal data (plain functions)."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from sotong.core.types import Actor


def is_active_staff_member(user) -> bool:
    """A public servant with an active `org.Staff` row, or an admin-site user (operators,
    auditors). Reading `user.staff` caches the row on the user for the rest of the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    try:
        staff = user.staff
    except ObjectDoesNotExist:
        return False
    return bool(staff.active)


def may_read_personal_data(actor: Actor, subject: Actor) -> bool:
    """Whether `actor` may be shown `subject`'s personal data at all (the calling app decides
    whether its own rules allow this particular read): the person themselves, or staff."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if subject is not None and actor.pk == subject.pk:
        return True
    return is_active_staff_member(actor)


def may_view_access_log(user) -> bool:
    """Auditors: the `privacy.view_personaldataaccess` permission (superusers have it)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.has_perm("privacy.view_personaldataaccess")
    )
