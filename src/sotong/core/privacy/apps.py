from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "sotong.core.privacy"
    label = "privacy"
    verbose_name = _("개인정보 보호")
