from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sotong.core.manifest import manifest_apply


class PetitionsConfig(AppConfig):
    name = "sotong.petitions"
    label = "petitions"
    verbose_name = _("민원")

    def ready(self) -> None:
        manifest_apply(self)
