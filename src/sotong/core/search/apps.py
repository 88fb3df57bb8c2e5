from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "sotong.core.search"
    label = "search"
    verbose_name = _("검색")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import registry, tasks

        registry.connect_hooks(on_save=tasks.on_save, on_delete=tasks.on_delete)
