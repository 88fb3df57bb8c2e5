"""Audit events: an append-only, hash-chained record of every state change made by a service.

Write them only through `sotong.core.audit.audit_record`; `README.md` explains the chain."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .canonical import canonical_json

# Bumped if the hashed content ever changes shape; old events keep verifying with their version.
HASH_VERSION = 1


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit event through the ORM."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events cannot be changed")

    def delete(self):
        raise AppendOnlyError("audit events cannot be deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("audit events cannot be changed")

    def bulk_create(self, objs, *args, **kwargs):
        raise AppendOnlyError("audit events are written one by one through audit_record")


class AuditEvent(models.Model):
    """One state change. Users, organisations and objects are referenced without database
    constraints: deleting a user or an organisation must neither fail nor touch the record, and
    `actor_label` and `object_repr` keep the event readable afterwards."""

    seq = models.BigIntegerField(_("순번"), unique=True, editable=False)
    created_at = models.DateTimeField(_("시각"), db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("행위자"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("행위자 표시"), max_length=100)
    action = models.CharField(_("행위"), max_length=100, db_index=True)
    object_type = models.CharField(
        _("대상 종류"), max_length=100, blank=True, help_text=_("앱.모델 (예: petitions.petition)")
    )
    object_id = models.CharField(_("대상 번호"), max_length=64, blank=True)
    object_repr = models.CharField(_("대상"), max_length=200, blank=True)
    organization = models.ForeignKey(
        "org.Organization",
        verbose_name=_("기관"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    before = models.JSONField(_("변경 전"), null=True, blank=True)
    after = models.JSONField(_("변경 후"), null=True, blank=True)
    reason = models.TextField(_("사유"), blank=True)
    request_id = models.CharField(_("요청 ID"), max_length=64, blank=True)
    # Text, not an inet column: PostgreSQL rewrites some IPv6 forms, which would change the hash.
    ip_address = models.CharField(_("IP 주소"), max_length=45, blank=True)
    prev_hash = models.CharField(_("앞 기록 해시"), max_length=64, blank=True)
    hash = models.CharField(_("해시"), max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("감사 기록")
        verbose_name_plural = _("감사 기록")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be changed")
        if not self.hash:
            raise AppendOnlyError("audit events are written through audit_record")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")

    def hashed_content(self) -> dict:
        """Everything the hash covers: every stored column but `id` and `hash` itself."""
        return {
            "v": HASH_VERSION,
            "seq": self.seq,
            "created_at": self.created_at,
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "organization_id": self.organization_id,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "request_id": self.request_id,
            "ip_address": self.ip_address,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return hashlib.sha256(canonical_json(self.hashed_content()).encode()).hexdigest()


class AuditChainHead(models.Model):
    """The one row naming the newest event. Writers lock it, so two transactions never extend the
    chain from the same event; `audit_verify` compares it with the newest event, so events deleted
    from the end of the chain are noticed too."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("감사 기록 체인 끝")
        verbose_name_plural = _("감사 기록 체인 끝")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single")]

    def __str__(self) -> str:
        return f"#{self.seq}"
