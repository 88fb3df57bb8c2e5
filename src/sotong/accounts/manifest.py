"""What `accounts` registers (read by `AccountsConfig.ready()`, see `core/manifest.py`)."""

from __future__ import annotations

from sotong.core.manifest import Registration


def registrations() -> list[Registration]:
    from sotong.core.privacy.services import register_rotator

    from .services import mfa_secrets_rotate

    # TOTP secrets are encrypted with the field keys: key rotation must cover them too.
    return [Registration(register_rotator, "mfa.Authenticator", mfa_secrets_rotate)]
