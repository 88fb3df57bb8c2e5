from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sotong.core"
    label = "core"
    verbose_name = "공통 커널"
