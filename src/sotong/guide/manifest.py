"""What the service guide registers (read by `GuideConfig.ready()`, see `core/manifest.py`)."""

from __future__ import annotations

from sotong.core.manifest import Registration


def registrations() -> list[Registration]:
    from sotong.core.search import register as search_type
    from sotong.notify.digest import register_source as digest_source
    from sotong.notify.services import register_event as notification_event

    from .catalogue.events import MATCHED
    from .catalogue.search import service_document
    from .faq.digest import FAQ_DIGEST
    from .faq.search import faq_document

    return [
        Registration(notification_event, MATCHED),  # services.matched
        Registration(search_type, faq_document),  # "faq"
        Registration(search_type, service_document),  # "service"
        Registration(digest_source, FAQ_DIGEST),  # services.faq
    ]
