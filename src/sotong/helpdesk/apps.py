from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpdeskConfig(AppConfig):
    name = "sotong.helpdesk"
    label = "helpdesk"
    verbose_name = _("민원도우미")

    def ready(self) -> None:
        from . import events  # noqa: F401 - the services.help.* notification events
