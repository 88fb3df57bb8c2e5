from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "sotong.org"
    label = "org"
    verbose_name = "조직"
