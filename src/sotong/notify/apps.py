from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sotong.core.manifest import manifest_apply


class NotifyConfig(AppConfig):
    name = "sotong.notify"
    label = "notify"
    verbose_name = _("알림")

    def ready(self) -> None:
        manifest_apply(self)
