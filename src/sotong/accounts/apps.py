from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sotong.core.manifest import manifest_apply


class AccountsConfig(AppConfig):
    name = "sotong.accounts"
    label = "accounts"
    verbose_name = _("계정")

    def ready(self) -> None:
        manifest_apply(self)
