"""Channel transports: `transport_for(channel)` gives the transport that carries a channel, as
settings.NOTIFY_TRANSPORTS says ("email" → SMTP, "sms"/"kakao" → the solapi-modelled HTTP
provider). Instances are cached per process (one keeps its HTTP connections alive); tests that
override the settings call `reset()` (done for them when a NOTIFY_*, SOLAPI_* or EMAIL_*
setting changes through override_settings)."""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from .base import KakaoMessage, Outcome, Outgoing, Transport, TransportError

__all__ = [
    "KakaoMessage",
    "Outcome",
    "Outgoing",
    "Transport",
    "TransportError",
    "reset",
    "transport_for",
]

_lock = threading.Lock()
_cache: dict[str, Transport] = {}


def transport_for(channel: str) -> Transport:
    """The transport of `channel`; one instance per class path, so "sms" and "kakao" share the
    provider's client."""
    try:
        path = settings.NOTIFY_TRANSPORTS[channel]
    except KeyError:
        raise ImproperlyConfigured(f"no transport configured for channel {channel!r}") from None
    with _lock:
        transport = _cache.get(path)
        if transport is None:
            cls = import_string(path)
            transport = _cache[path] = cls()
        if channel not in transport.channels:
            raise ImproperlyConfigured(f"{path} does not carry channel {channel!r}")
        return transport


def reset() -> None:
    """Forget the cached transports (after override_settings of SOLAPI_URL, EMAIL_PORT …)."""
    with _lock:
        _cache.clear()


def _on_setting_changed(*, setting: str, **kwargs) -> None:
    if setting.startswith(("NOTIFY_", "SOLAPI_", "EMAIL_", "DEFAULT_FROM_EMAIL")):
        reset()


setting_changed.connect(_on_setting_changed, dispatch_uid="sotong.notify.transports.reset")
