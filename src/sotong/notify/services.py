"""Every state change of notify, in one place for other apps to import. The functions live in
modules by area (subscriptions, templates and campaigns, transactional messages); the delivery
pipeline (`pipeline.py`) is driven by tasks, not called by other apps."""

from .transactional import (
    Address,
    Event,
    event_for,
    notification_send,
    register_event,
    registered_events,
)

__all__ = [
    "Address",
    "Event",
    "event_for",
    "notification_send",
    "register_event",
    "registered_events",
]
