from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "sotong.notify"
    label = "notify"
    verbose_name = _("알림")

    def ready(self) -> None:
        # Modules that register transactional events import here, so the events exist in every
        # process (web, workers) before anything sends.
        from . import conversions, digest, subscriptions  # noqa: F401
