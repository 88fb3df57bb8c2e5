from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sotong.core.manifest import manifest_apply


class HelpdeskConfig(AppConfig):
    name = "sotong.helpdesk"
    label = "helpdesk"
    verbose_name = _("민원도우미")

    def ready(self) -> None:
        manifest_apply(self)
