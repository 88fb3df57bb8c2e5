"""What the modules of the petitions demo share (`petitions_demo.py` describes the demo):
its units of time, the result it reports, the clock the history runs on, and the demo's
accounts."""

from __future__ import annotations

import datetime
import json
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from sotong.accounts.models import User

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
KEY_PREFIX = "demo-"
# Seoul's 응답소 passes matters of a district's streets on to the district (이송).
LOCAL_TOPICS = frozenset({"traffic", "road", "cleaning", "street", "flood", "health_env"})


def _scaled(count: int) -> int:
    """The number of demo petitions per organisation, scaled by settings.DEMO_PETITION_SCALE
    (1 for `make demo`; the demo loader's own tests use less, to stay quick)."""
    from django.conf import settings

    scale = float(getattr(settings, "DEMO_PETITION_SCALE", 1))
    return max(1, round(count * scale))


class DemoPetitionsError(Exception):
    """The data file contradicts the organisations (a missing department or account)."""


@dataclass
class PetitionsResult:
    petitions: int = 0
    groups: int = 0
    staff: int = 0
    petitioners: int = 0
    settings: int = 0
    by_status: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)


# --- the clock of the history -------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.at: datetime.datetime | None = None

    def __call__(self) -> datetime.datetime:
        return self.at or timezone.now()


def _people() -> dict[str, Any]:
    text = resources.files("sotong.demo").joinpath("data", "people.json").read_text("utf-8")
    return json.loads(text)


_password_hash: dict[str, str] = {}


def _user(email: str, name: str) -> tuple[User, bool]:
    """A demo account like the loader's: the published demo password, a verified e-mail."""
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    password = _people()["password"]
    if password not in _password_hash:  # one hash for the one demo password: loading stays fast
        _password_hash[password] = make_password(password)
    user = User.objects.create(email=email, display_name=name, password=_password_hash[password])
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user, True
