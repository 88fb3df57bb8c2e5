"""What every notify staff page says about the delivery switch (`operations.py`)."""

from django import template
from django.db import DatabaseError

from sotong.notify.operations import delivery_state

register = template.Library()


@register.simple_tag
def delivery_pause_state():
    """The switch when an operator has paused delivery, else None. Staff must see it: campaigns
    they send wait until delivery is resumed."""
    try:
        return delivery_state()
    except DatabaseError:
        return None
