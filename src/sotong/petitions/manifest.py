"""What `petitions` registers (read by `PetitionsConfig.ready()`, see `core/manifest.py`)."""

from __future__ import annotations

from sotong.core.manifest import Registration


def registrations() -> list[Registration]:
    from sotong.core.errors import register_error_surface as error_surface
    from sotong.core.search import register as search_type
    from sotong.notify.services import register_event as notification_event

    from . import confirm, events, retention
    from .open311.errors import error_page as open311_error_page
    from .search import petition_document
    from .tasks import register_tick_step as tick_step
    from .tasks_routing import routing_retrain_due

    return [
        # petitions.received, .transferred, .extended, .answered, .assigned,
        # .approval_requested, .returned
        *(Registration(notification_event, event) for event in events.EVENTS),
        Registration(notification_event, confirm.CONFIRM_SMS),
        Registration(notification_event, confirm.CONFIRM_EMAIL),
        Registration(search_type, petition_document),  # "petition"
        Registration(error_surface, "/open311/", open311_error_page),
        # Steps of `manage.py petitions_tick` beside closing answered petitions:
        Registration(tick_step, "pending_uploads", confirm.pending_files_prune),
        Registration(tick_step, "retention", lambda now: retention.retention_run(now=now)),
        Registration(tick_step, "routing", routing_retrain_due),
    ]
