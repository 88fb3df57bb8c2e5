from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sotong.accounts"
    label = "accounts"
    verbose_name = _("계정")

    def ready(self) -> None:
        from sotong.core.privacy.services import register_rotator

        from .services import mfa_secrets_rotate

        # TOTP secrets are encrypted with the field keys: key rotation must cover them too.
        register_rotator("mfa.Authenticator", mfa_secrets_rotate)
