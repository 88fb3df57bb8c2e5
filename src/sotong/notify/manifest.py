"""What `notify` registers with its own registries and the kernel's (read by
`NotifyConfig.ready()`, see `core/manifest.py`)."""

from __future__ import annotations

from sotong.core.manifest import Registration


def registrations() -> list[Registration]:
    from sotong.core.privacy.checks import register_lookup_probe

    from .conversions import SUBSCRIBED, register_action
    from .digest import CAMPAIGNS_DIGEST, register_source
    from .operations import lookup_probe
    from .subscriptions.confirm import CONFIRM_EMAIL, CONFIRM_SMS
    from .transactional import register_event

    return [
        Registration(register_event, CONFIRM_EMAIL),  # notify.confirm_email
        Registration(register_event, CONFIRM_SMS),  # notify.confirm_sms
        Registration(register_source, CAMPAIGNS_DIGEST),  # notify.campaigns
        Registration(register_action, *SUBSCRIBED),  # notify.subscribed
        # Processes holding another SOTONG_FIELD_LOOKUP_KEY than the one subscribers' lookup
        # hashes were made with refuse to start (core/privacy/checks.py).
        Registration(register_lookup_probe, "notify.subscriber", lookup_probe),
    ]
