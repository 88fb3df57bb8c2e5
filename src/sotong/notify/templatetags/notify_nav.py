"""What the main menu needs from notify: whether to offer the staff pages to this user."""

from django import template
from django.contrib.auth.models import Permission
from django.db import DatabaseError
from django.db.models import Exists, Q

from sotong.org.models import Staff

register = template.Library()


@register.filter
def uses_notify_staff_pages(user) -> bool:
    """`permissions.can_use_notify_staff_pages` in one query, for every page's menu (Django's
    `has_perm` would load all of the user's permissions twice over). Error pages render the menu
    with a bare context, sometimes with the database down: the menu must never break them."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    try:
        return (
            Permission.objects.filter(
                Exists(Staff.objects.filter(user=user, active=True)),
                content_type__app_label="notify",
                codename__in=("send_campaign", "send_emergency"),
            )
            .filter(Q(user=user) | Q(group__user=user))
            .exists()
        )
    except DatabaseError:
        return False
