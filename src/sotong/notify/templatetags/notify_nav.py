"""What the main menu needs from notify: whether to offer the staff pages to this user."""

from django import template

from sotong.notify.permissions import can_use_notify_staff_pages

register = template.Library()


@register.filter
def uses_notify_staff_pages(user) -> bool:
    return can_use_notify_staff_pages(user)
