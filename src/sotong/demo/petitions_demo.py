"""The demo's petitions (`data/petitions.json`): per organisation its petition policy, kind
periods, categories (= Open311 services), boards with their checklist, the staff who handle
them, and several hundred petitions written from templates about ordinary district matters,
spread over the last ~14 months and taken through the real services (`sotong.petitions.services`)
to every state: received, assigned, in progress, waiting for approval, answered, closed and
transferred — with extensions, returns, 담당전결, ratings, reopened follow-ups, groups of repeated
petitions, and open ones that are at risk or overdue.

How the history gets its dates: every service reads the time through `services._common._now`;
while the demo loads, that clock is set to the moment each step happened (`_history`). Three more things
are switched off for the history, because it is history: notifications (nobody should get 2,000
messages about last year), duplicate detection (the demo makes its groups itself) and the
per-save search hook (the petitions are indexed once at the end, `index_objects`).

Deterministic (a fixed random seed; dates relative to `now`) and idempotent: configuration rows
are found by natural keys and saved only when different; an organisation that already has demo
petitions (idempotency key `demo-<org>-…`) gets none. Cheap enough for `make demo`.

This module loads it all; the parts are `petitions_demo_settings` (configuration),
`petitions_demo_plans` (which petitions to write), `petitions_demo_life` (their history through
the services) and `petitions_demo_base` (what they share)."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from django.utils import timezone

from sotong.accounts.models import User
from sotong.org.models import Organization
from sotong.petitions import services
from sotong.petitions.models import Petition

from .petitions_demo_base import (
    KEY_PREFIX,
    DemoPetitionsError,
    PetitionsResult,
    _Clock,
    _password_hash,
)
from .petitions_demo_life import _OrgPetitions
from .petitions_demo_settings import _permission_groups, _Settings

__all__ = ["DemoPetitionsError", "PetitionsResult", "load_petitions"]


# --- the clock of the history -------------------------------------------------------------------


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


@contextmanager
def _swapped(owner: Any, name: str, value: Any) -> Iterator[None]:
    original = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)


@contextmanager
def _history(clock: _Clock) -> Iterator[None]:
    from sotong.core.search import tasks as search_tasks

    with ExitStack() as stack:
        stack.enter_context(_swapped(services._common, "_now", clock))
        stack.enter_context(_swapped(services._common, "_notify", _nothing))
        stack.enter_context(_swapped(services._common, "_enqueue_duplicates", _nothing))
        stack.enter_context(_swapped(search_tasks, "index_object", _nothing))
        yield


# --- all of it ----------------------------------------------------------------------------------


def _actor() -> User:
    actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if actor is None:
        raise DemoPetitionsError("the petitions demo needs the demo superuser")
    return actor


def load_petitions(
    data: dict[str, Any],
    organizations: dict[str, Organization],
    *,
    now: datetime.datetime | None = None,
) -> PetitionsResult:
    """Loads the petitions demo for the organisations of `data` found in `organizations` (by
    code); call it inside the loader's transaction, after the staff and residents exist."""
    result = PetitionsResult()
    _password_hash.clear()  # hashed again per load, under the current PASSWORD_HASHERS
    now = now or timezone.now()
    actor = _actor()
    wanted = [code for code in data["organizations"] if code in organizations]
    for code in wanted:
        _Settings(data, organizations[code], actor, result).run()
    _permission_groups(data)
    # Fresh organisations only: the check is made before any of them is filled, as transfers
    # put petitions into other organisations.
    fresh = [
        code
        for code in wanted
        if not Petition.objects.filter(
            organization=organizations[code], idempotency_key__startswith=f"{KEY_PREFIX}{code}-"
        ).exists()
    ]
    result.skipped = [code for code in wanted if code not in fresh]
    clock = _Clock()
    created: list[Petition] = []
    with _history(clock):
        for code in fresh:
            filler = _OrgPetitions(data, organizations[code], organizations, clock, now, result)
            filler.run()
            created.extend(filler.created)
    if created:
        _index([p.pk for p in created])
    result.petitions = len(created)
    result.by_status = Counter(
        Petition.objects.filter(pk__in=[p.pk for p in created]).values_list("status", flat=True)
    )
    return result


def _index(ids: list[int]) -> None:
    from sotong.core.search import get_type, index_objects

    doctype = get_type("petition")
    if doctype is None:
        return
    objects = list(doctype.get_queryset().filter(pk__in=ids).order_by("pk"))
    for start in range(0, len(objects), 200):
        index_objects("petition", objects[start : start + 200])
