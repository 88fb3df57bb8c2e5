"""Telling residents when a new or changed service fits their saved profile (issue 6, point 4).

The catalogue calls `service_changed(service=...)` inside its transaction; after the commit a
task evaluates the (published) service against every `SavedProfile` that asked for these
notices (`notify_on_match`) whose user has an ACTIVE — i.e. confirmed — notify subscription with
the 복지 (welfare) interest, in the service's organisation (or one of its districts; any
organisation for a nationwide service). Each resident for whom the service is "eligible" gets one
"services.matched" notification per version of the service (the idempotency key holds the
service's `updated_at`), so running the task twice sends nothing twice.

"maybe" (an answer or a parameter missing) does not notify: a notice should be one the resident
can act on; the results page shows those services."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from sotong.core.tasks import enqueue_on_commit
from sotong.core.vocab import Interest, bit, filter_all

logger = logging.getLogger(__name__)

NOTIFY_STATUSES = ("eligible",)
EVENT = "services.matched"


def service_changed(*, service: Any) -> None:
    """Queue the matching run for `service` after the commit (nothing for an unpublished one)."""
    if service.pk is None or not service.published:
        return
    enqueue_on_commit(notify_fit_run, service.pk)


@task(queue_name="default")
def notify_fit_run(service_id: int) -> int:
    """The background run of `notify_matches`."""
    return notify_matches(service_id)


def _subscribed_user_ids(service) -> set[int]:
    from sotong.notify.models import Subscriber

    subscriptions = Subscriber.objects.filter(
        status=Subscriber.Status.ACTIVE, user__isnull=False, user__is_active=True
    )
    subscriptions = filter_all(subscriptions, "interests", bit(Interest, Interest.WELFARE))
    if service.organization_id is not None:
        org = service.organization
        subscriptions = subscriptions.filter(
            organization_id__in=[org.pk, *org.children.values_list("pk", flat=True)]
        )
    return set(subscriptions.values_list("user_id", flat=True))


def notify_matches(service_id: int) -> int:
    """Evaluate one service against the saved profiles that asked for notices and notify the
    residents it fits. Returns the number of notifications queued (or found already queued)."""
    from sotong.guide.eligibility import engine as eligibility
    from sotong.guide.models import SavedProfile, Service
    from sotong.notify.services import notification_send

    service = eligibility.services_for_matching(Service.objects.filter(pk=service_id)).first()
    if service is None:  # deleted or taken down since
        return 0
    user_ids = _subscribed_user_ids(service)
    if not user_ids:
        return 0
    profiles = SavedProfile.objects.filter(
        notify_on_match=True, user_id__in=user_ids
    ).select_related("user")
    context = eligibility.EvaluationContext(timezone.localdate())
    url = f"{settings.SITE_URL}{eligibility.service_path(service)}"
    stamp = f"{service.updated_at:%Y%m%d%H%M%S}"
    sent = 0
    for profile in profiles:
        try:
            answers = eligibility.answers_clean({**profile.answers, "on_date": None})
        except ValidationError:
            # Saved answers no longer valid (a district renamed …): the resident fixes them on
            # the page; never their content in the log.
            logger.info("services.matched: saved profile #%s no longer valid", profile.pk)
            continue
        if not eligibility.for_resident(service, answers):
            continue
        match = eligibility.evaluate(service, answers, context=context)
        if match.status not in NOTIFY_STATUSES:
            continue
        organization = service.organization or answers.organization
        with transaction.atomic():
            notification = notification_send(
                event=EVENT,
                recipient=profile.user,
                organization=organization,
                context={
                    "organization": organization.name if organization else "소통",
                    "service": service.name,
                    "url": url,
                },
                ref=f"services.Service:{service.pk}",
                idempotency_key=f"services:fit:{service.pk}:{profile.user_id}:{stamp}",
            )
        if notification is not None:
            sent += 1
    return sent
