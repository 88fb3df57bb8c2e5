from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "sotong.core.privacy"
    label = "privacy"
    verbose_name = _("개인정보 보호")

    def ready(self) -> None:
        # Registers the key check (system check `sotong_keys`) and records the keys a newly
        # migrated database is written with.
        from . import checks

        post_migrate.connect(
            checks.record_after_migrate, sender=self, dispatch_uid="privacy_key_check"
        )
