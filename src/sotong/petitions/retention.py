"""Destruction of petitioners' personal data after the retention period (개인정보 보호법 제21조:
personal data no longer needed is destroyed without delay; the organisation sets the period in
its `Policy.retention_days`, 1095 days by default — 3 years, the usual 보유기간 of 민원 records
in a 개인정보파일 등록 of a 구청).

What happens to a finished petition once `retention_days` have passed since it finished (closed:
`closed_at`; transferred (이송): the transfer on its timeline):

- The petitioner's name, e-mail and phone are emptied and the link to their account is cut
  (`user` → null): the account is who they are, and without it the petition cannot be traced
  back to them. The petitioner therefore loses the petition from "내 민원"; its public page
  stays.
- Personal data typed into the title, body, address or rating comment is masked for good
  (`core.privacy.mask_text`): what was only masked on public pages is now masked in storage.
- Attachments the petitioner uploaded that were never made public are deleted, the row and the
  stored file (after commit). Published attachments and the staff's own papers stay.
- The anonymised petition, its answer and its timeline stay: the public record of what the
  office did, and the statistics.
- Per petition: a `Destruction` row (which fields, under which period; never the data), a
  DESTROYED `PetitionEvent` (internal stage) and `personal_data_destroyed_at`. Per
  organisation and run: one audit event with the counts (one per batch of BATCH_SIZE
  petitions, each batch its own transaction).

Idempotent: a petition whose data was destroyed is never picked again. Run by
`manage.py petitions_retention [--dry-run]` or the `retention_tick` task (daily is plenty)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from sotong.core.audit import audit_record
from sotong.core.privacy import mask_text
from sotong.org.models import Organization

from .models import (
    Attachment,
    Destruction,
    Petition,
    PetitionEvent,
    Policy,
    Stage,
    Status,
)

logger = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = Policy._meta.get_field("retention_days").default
# Petitions handled per transaction: a crash loses at most one batch of work, never half of one
# petition, and locks stay short.
BATCH_SIZE = 200

CONTACT_FIELDS = ("petitioner_name", "contact_email", "contact_phone")
TEXT_FIELDS = ("title", "body", "address", "rating_comment")


@dataclass
class OrganizationRun:
    organization_id: int
    retention_days: int
    petitions: int = 0
    attachments: int = 0


@dataclass
class RetentionReport:
    dry_run: bool
    organizations: list[OrganizationRun] = field(default_factory=list)

    @property
    def petitions(self) -> int:
        return sum(run.petitions for run in self.organizations)

    @property
    def attachments(self) -> int:
        return sum(run.attachments for run in self.organizations)


def due_for_destruction(organization: Organization | int, retention_days: int, now: datetime):
    """Finished petitions of `organization` whose personal data is due for destruction: closed
    (`closed_at`) or transferred (the TRANSFERRED event) at least `retention_days` ago."""
    cutoff = now - timedelta(days=retention_days)
    transferred_by_then = PetitionEvent.objects.filter(
        petition=OuterRef("pk"), stage=Stage.TRANSFERRED, at__lte=cutoff
    )
    return Petition.objects.filter(
        Q(status=Status.CLOSED, closed_at__lte=cutoff)
        | Q(Exists(transferred_by_then), status=Status.TRANSFERRED),
        organization=organization,
        personal_data_destroyed_at__isnull=True,
    ).order_by("pk")


def _retention_days(organization_id: int) -> int:
    days = (
        Policy.objects.filter(organization_id=organization_id)
        .values_list("retention_days", flat=True)
        .first()
    )
    return days or DEFAULT_RETENTION_DAYS


def _tokens(title: str, body: str) -> str:
    from sotong.core.search.analyzer import analyze

    return " ".join(analyze(f"{title}\n{body}"))


def _destroy(petition: Petition, retention_days: int, now: datetime) -> tuple[list[str], int]:
    """Destroys one (locked) petition's personal data; returns the fields and attachments."""
    destroyed = [name for name in CONTACT_FIELDS if getattr(petition, name)]
    for name in CONTACT_FIELDS:
        setattr(petition, name, "")
    if petition.user_id is not None:
        destroyed.append("user")
        petition.user = None
    for name in TEXT_FIELDS:
        value = getattr(petition, name)
        masked = mask_text(value)
        if masked != value:
            destroyed.append(name)
            setattr(petition, name, masked)
    if "title" in destroyed or "body" in destroyed:
        # The kiwi tokens (routing, duplicates) of the unmasked text hold its digits.
        petition.tokens = _tokens(petition.title, petition.body)
    petition.personal_data_flagged = False
    petition.personal_data_destroyed_at = now
    petition.save()  # a plain save: the search hook re-indexes without the petitioner's grant

    files = list(
        Attachment.objects.filter(
            petition=petition, is_public=False, uploaded_by_staff=False
        ).select_related("file")
    )
    for attachment in files:
        stored = attachment.file
        name, storage = stored.file.name, stored.file.storage
        attachment.delete()
        stored.delete()
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
    if files:
        destroyed.append("attachments")

    Destruction.objects.create(
        petition_id_ref=petition.pk,
        organization_id=petition.organization_id,
        fields=destroyed,
        retention_days=retention_days,
        destroyed_at=now,
    )
    PetitionEvent.objects.create(
        petition=petition,
        stage=Stage.DESTROYED,
        at=now,
        actor=None,
        department_id=petition.department_id,
        internal_note=_("개인정보 보유 기간(%(days)s일)이 지나 민원인의 개인정보를 파기했습니다.")
        % {"days": retention_days},
    )
    return destroyed, len(files)


def _run_batch(ids: list[int], run: OrganizationRun, now: datetime) -> None:
    with transaction.atomic():
        petitions = Petition.objects.select_for_update().filter(
            pk__in=ids, personal_data_destroyed_at__isnull=True
        )
        done = files = 0
        for petition in petitions.order_by("pk"):
            files += _destroy(petition, run.retention_days, now)[1]
            done += 1
        if done:
            # One event for the batch (at most BATCH_SIZE petitions): the Destruction rows
            # say which petitions; the audit trail says that it happened and under which rule.
            audit_record(
                actor=None,
                action="petitions.retention.destroy",
                organization=Organization.objects.get(pk=run.organization_id),
                after={
                    "petitions": done,
                    "attachments": files,
                    "retention_days": run.retention_days,
                    "first": ids[0],
                    "last": ids[-1],
                },
                reason="retention",
            )
        run.petitions += done
        run.attachments += files


def retention_report(*, now: datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Destroys (or, with `dry_run`, counts) the personal data due in every organisation."""
    now = now or timezone.now()
    report = RetentionReport(dry_run=dry_run)
    organization_ids = (
        Petition.objects.filter(
            personal_data_destroyed_at__isnull=True,
            status__in=(Status.CLOSED, Status.TRANSFERRED),
        )
        .values_list("organization_id", flat=True)
        .distinct()
    )
    for organization_id in sorted(set(organization_ids)):
        days = _retention_days(organization_id)
        run = OrganizationRun(organization_id=organization_id, retention_days=days)
        due = due_for_destruction(organization_id, days, now)
        if dry_run:
            run.petitions = due.count()
            run.attachments = Attachment.objects.filter(
                petition__in=due.values("pk"), is_public=False, uploaded_by_staff=False
            ).count()
        else:
            ids = list(due.values_list("pk", flat=True))
            for start in range(0, len(ids), BATCH_SIZE):
                _run_batch(ids[start : start + BATCH_SIZE], run, now)
        if run.petitions:
            report.organizations.append(run)
    if not dry_run and report.petitions:
        logger.info(
            "petition personal data destroyed: petitions=%s attachments=%s",
            report.petitions,
            report.attachments,
        )
    return report


def retention_run(*, now: datetime | None = None) -> int:
    """The scheduled step: destroys what is due; returns how many petitions were anonymised."""
    return retention_report(now=now).petitions


@task(queue_name="default")
def retention_tick() -> int:
    """`retention_run` as a background task (enqueue it daily, or chain it to the petitions
    tick)."""
    return retention_run()


__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "RetentionReport",
    "due_for_destruction",
    "retention_report",
    "retention_run",
    "retention_tick",
]
