from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "sotong.petitions"
    label = "petitions"
    verbose_name = _("민원")

    def ready(self) -> None:
        # Notification events must be known in every process (workers render them too).
        from . import (
            confirm,  # noqa: F401  (registers petitions.confirm_sms / confirm_email)
            events,  # noqa: F401  (petitions.received, .answered …)
            retention,  # noqa: F401  (adds its step to the petitions tick)
            search,  # noqa: F401  (registers the "petition" search type)
        )
