from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "sotong.notify"
    label = "notify"
    verbose_name = _("알림")

    def ready(self) -> None:
        # Modules that register transactional events import here, so the events exist in every
        # process (web, workers) before anything sends.
        from sotong.core.privacy.checks import register_lookup_probe

        from . import conversions, digest, operations, subscriptions  # noqa: F401

        # Processes holding another SOTONG_FIELD_LOOKUP_KEY than the one these hashes were made
        # with refuse to start (core/privacy/checks.py).
        register_lookup_probe("notify.subscriber", operations.lookup_probe)
