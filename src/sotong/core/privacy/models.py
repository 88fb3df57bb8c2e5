"""The log of staff reads of residents' personal data (개인정보 열람 기록).

A row is written by `services.personal_data_access_record` (or `services.reveal`) each time a
member of staff is shown a resident's personal data. Rows are never changed or deleted through
the ORM: the queryset refuses update and delete, and an instance refuses a second save and
delete. The users it points at are protected: accounts are closed by anonymising the user row,
never by deleting it, so the record of who read whose data outlives both."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import EncryptedTextField


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete a personal-data access record."""


class PersonalDataAccessQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("personal data access records cannot be changed")

    def delete(self):
        raise AppendOnlyError("personal data access records cannot be deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("personal data access records cannot be changed")

    def update_or_create(self, defaults=None, create_defaults=None, **kwargs):
        raise AppendOnlyError("personal data access records cannot be changed")


class PersonalDataAccess(models.Model):
    """One read: who (a member of staff) saw which fields of whose (a resident's) personal data,
    why, where (the view or the object through which), when and from which address."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("열람한 직원"),
        on_delete=models.PROTECT,
        related_name="personal_data_reads",
    )
    # A person without an account (an anonymous petitioner known by a confirmed phone) has no
    # user row: `subject` is then empty and `subject_label` says whose data it was.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("정보주체"),
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
        null=True,
        blank=True,
    )
    subject_label = models.CharField(_("정보주체 (계정 없음)"), max_length=100, blank=True)
    fields = models.JSONField(_("열람 항목"), default=list)
    purpose = models.CharField(_("열람 목적"), max_length=200)
    view_name = models.CharField(_("화면"), max_length=200, blank=True)
    object_type = models.CharField(
        _("대상 종류"), max_length=100, blank=True, help_text=_("앱.모델 (예: petitions.petition)")
    )
    object_id = models.CharField(_("대상 번호"), max_length=64, blank=True)
    accessed_at = models.DateTimeField(_("열람 시각"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP 주소"), null=True, blank=True)

    objects = PersonalDataAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("개인정보 열람 기록")
        verbose_name_plural = _("개인정보 열람 기록")
        ordering = ["-accessed_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "-accessed_at"], name="privacy_access_subject_idx"),
            models.Index(fields=["actor", "-accessed_at"], name="privacy_access_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.accessed_at:%Y-%m-%d %H:%M} #{self.actor_id} → #{self.subject_id}"

    def save(self, *args, **kwargs):
        # An invariant of the row, not a business rule: a record, once written, stays as it is.
        if not self._state.adding:
            raise AppendOnlyError("personal data access records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("personal data access records cannot be deleted")

    @property
    def where(self) -> str:
        """The view and the object through which the data was read, as one label."""
        target = f"{self.object_type} #{self.object_id}" if self.object_type else ""
        return " · ".join(part for part in (self.view_name, target) if part)


class KeyCheck(models.Model):
    """One row that lets a process prove, before it serves, that it holds this database's keys:
    a keyed fingerprint made with SOTONG_FIELD_LOOKUP_KEY and a value encrypted with
    SOTONG_FIELD_ENCRYPTION_KEYS. Written when the database is migrated (`checks.py`), never
    overwritten; being an encrypted field, the canary is re-encrypted by `privacy_rotate_keys`
    like every other value. It holds no personal data."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    lookup_fingerprint = models.CharField(max_length=64)
    encryption_canary = EncryptedTextField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("키 확인 값")
        verbose_name_plural = _("키 확인 값")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="privacy_keycheck_single")
        ]

    def __str__(self) -> str:
        return f"key check {self.recorded_at:%Y-%m-%d}"
