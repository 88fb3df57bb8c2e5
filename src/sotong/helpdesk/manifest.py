"""What the helpers (민원도우미) register (read by `HelpdeskConfig.ready()`, see
`core/manifest.py`)."""

from __future__ import annotations

from sotong.core.manifest import Registration


def registrations() -> list[Registration]:
    from sotong.notify.services import register_event as notification_event

    from .events import EVENTS

    # services.help.requested, .assigned_helper, .assigned, .done
    return [Registration(notification_event, event) for event in EVENTS]
