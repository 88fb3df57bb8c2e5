from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuideConfig(AppConfig):
    """The service guide (행정서비스 안내). The package was `sotong.services`; the app label stays
    `services`, so its tables, permissions and migrations did not move."""

    name = "sotong.guide"
    label = "services"
    verbose_name = _("서비스 안내")

    def ready(self) -> None:
        from .catalogue import events  # noqa: F401 - the services.matched notification event
        from .catalogue.search import register_services
        from .faq.digest import register_faq_digest
        from .faq.search import register_faq

        register_faq()
        register_services()
        register_faq_digest()
