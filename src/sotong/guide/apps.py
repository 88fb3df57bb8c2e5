from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sotong.core.manifest import manifest_apply


class GuideConfig(AppConfig):
    """The service guide (행정서비스 안내). The package was `sotong.services`; the app label stays
    `services`, so its tables, permissions and migrations did not move."""

    name = "sotong.guide"
    label = "services"
    verbose_name = _("서비스 안내")

    def ready(self) -> None:
        manifest_apply(self)
