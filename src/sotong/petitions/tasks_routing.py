"""Background tasks of routing and duplicate detection.

- `train_routing(organization_id)` retrains an organisation's department suggester from its
  history (`routing.train`); run it nightly or after a reorganisation (`manage.py
  petitions_train_routing` does the same for one or every organisation).
- `detect_duplicates(petition_id)` runs after each intake (`services.petition_submit` enqueues it
  on commit): stores the petition's kiwi tokens when
  they are missing and returns its near-duplicates, which the staff case page shows (it asks
  `duplicates.candidates` again, so nothing stale is ever shown).
"""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def train_routing(organization_id: int) -> dict[str, Any]:
    from sotong.org.models import Organization

    from . import routing

    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return {"organization": organization_id, "trained": False}
    model = routing.train(organization)
    return {
        "organization": organization_id,
        "model": model.pk,
        "examples": model.examples,
        "trained": bool(model.data.get("departments")),
    }


@task()
def detect_duplicates(petition_id: int) -> dict[str, Any]:
    from . import duplicates
    from .models import Petition

    petition = Petition.objects.defer(*duplicates._DEFERRED).filter(pk=petition_id).first()
    if petition is None:
        return {"petition": petition_id, "candidates": []}
    if not petition.tokens:
        from sotong.core.search.analyzer import analyze

        petition.tokens = " ".join(analyze(f"{petition.title}\n{petition.body}"))
        Petition.objects.filter(pk=petition.pk).update(tokens=petition.tokens)
    found = duplicates.candidates(petition)
    if found:
        logger.info("petition %s: %d near-duplicate(s)", petition_id, len(found))
    return {"petition": petition_id, "candidates": [[c.pk, c.score] for c in found]}


# Retrained once a day: the suggester learns from the organisation's final assignments, which
# change slowly; a day-old model is good enough and a retrain costs seconds.
RETRAIN_AFTER_HOURS = 24


def routing_retrain_due(now) -> int:
    """A `petitions_tick` step: enqueue `train_routing` for every organisation with petitions
    whose newest model is older than RETRAIN_AFTER_HOURS (or that has none). Returns how many."""
    from datetime import timedelta

    from django.db.models import Max

    from sotong.core.tasks import enqueue_on_commit
    from sotong.org.models import Organization

    from .models import Petition, RoutingModel

    with_petitions = Petition.objects.values_list("organization_id", flat=True).distinct()
    newest = dict(
        RoutingModel.objects.values("organization_id")
        .annotate(at=Max("trained_at"))
        .values_list("organization_id", "at")
    )
    stale = now - timedelta(hours=RETRAIN_AFTER_HOURS)
    due = [
        org_id
        for org_id in Organization.objects.filter(pk__in=with_petitions).values_list(
            "pk", flat=True
        )
        if newest.get(org_id) is None or newest[org_id] < stale
    ]
    for org_id in due:
        enqueue_on_commit(train_routing, org_id)
    return len(due)
