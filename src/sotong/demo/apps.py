from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "sotong.demo"
    label = "demo"
    verbose_name = _("데모 정부")
