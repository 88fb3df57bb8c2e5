from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "sotong.services"
    label = "services"
    verbose_name = _("서비스 안내")

    def ready(self) -> None:
        from . import (
            events_help,  # noqa: F401 - the services.help.* notification events
            events_services,  # noqa: F401 - the services.matched notification event
        )
        from .digest_faq import register_faq_digest
        from .search import register_faq
        from .search_catalogue import register_services

        register_faq()
        register_services()
        register_faq_digest()
