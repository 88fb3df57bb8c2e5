"""Who performs a kernel operation, as a type. The kernel knows no project user model (it lives in
`accounts`, above it), so its actor is any Django user, a visitor or `None` — the system. Apps
above `accounts` use the narrower `sotong.accounts.types.Actor` (the project's `User`)."""

from __future__ import annotations

from typing import TypeAlias, Union

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

Actor: TypeAlias = Union[AbstractBaseUser, AnonymousUser, None]  # noqa: UP007

__all__ = ["Actor"]
