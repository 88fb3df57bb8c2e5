"""Who performs a use case, as a type: `actor: Actor` on every service function.

A signed-in person (`User`), a visitor (`AnonymousUser`: a public form, such as an anonymous
petition) or `None` — the system itself (a task, a management command, the demo loader)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias, Union

from django.contrib.auth.models import AnonymousUser

if TYPE_CHECKING:
    from .models import User

Actor: TypeAlias = Union["User", AnonymousUser, None]

__all__ = ["Actor"]
