from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "sotong.services"
    label = "services"
    verbose_name = _("서비스 안내")

    def ready(self) -> None:
        from .search import register_faq

        register_faq()
