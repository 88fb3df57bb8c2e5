"""What each app registers, in one place: its `manifest.py`.

The kernel and `notify` keep registries (search types, notification events, digest sources,
conversion actions, privacy rotators, lookup probes, error surfaces, the petitions tick's steps …).
An app that adds to them lists every addition in `<app>/manifest.py`:

    def registrations() -> list[Registration]:
        from sotong.core.search import register as search_type
        from .search import faq_document

        return [Registration(search_type, faq_document)]

and its `AppConfig.ready()` is `manifest_apply(self)`. Nothing registers as a side effect of an
import, so what an app adds is read in one module (and listed by `manage.py manifest`); the
registries themselves stay where they are, imported downwards as the layers allow.
`registrations()` is a function so that its imports run once the models are loaded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.apps import AppConfig

__all__ = ["Registration", "applied", "manifest_apply"]


@dataclass(frozen=True)
class Registration:
    """One addition to a registry: `registry(*args)` is called when the app is ready."""

    registry: Callable[..., Any]
    args: tuple[Any, ...] = field(default=())

    def __init__(self, registry: Callable[..., Any], *args: Any) -> None:
        object.__setattr__(self, "registry", registry)
        object.__setattr__(self, "args", args)

    @property
    def registry_name(self) -> str:
        return f"{self.registry.__module__}.{self.registry.__qualname__}"

    @property
    def subject(self) -> str:
        """What is registered, in a word: the first argument's key, name or prefix."""
        if not self.args:
            return ""
        first = self.args[0]
        for attr in ("key", "name"):
            value = getattr(first, attr, None)
            if isinstance(value, str):
                return value
        return first if isinstance(first, str) else repr(first)

    def apply(self) -> None:
        self.registry(*self.args)


_applied: dict[str, list[Registration]] = {}


def manifest_apply(app_config: AppConfig) -> list[Registration]:
    """Runs every registration of the app's `manifest.registrations()`, once per process (a
    second call for the same app returns what the first applied)."""
    if app_config.label in _applied:
        return _applied[app_config.label]
    module = import_module(f"{app_config.name}.manifest")
    registrations = list(module.registrations())
    for registration in registrations:
        if not isinstance(registration, Registration):
            raise TypeError(f"{app_config.name}.manifest: {registration!r} is not a Registration")
        registration.apply()
    _applied[app_config.label] = registrations
    return registrations


def applied() -> dict[str, list[Registration]]:
    """Every app's applied registrations, by app label, in the order the apps became ready."""
    return dict(_applied)
