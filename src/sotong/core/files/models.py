"""Files people upload, kept through Django's default storage under a random name."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StoredFile(models.Model):
    """One uploaded file whose content was checked (`checks.check_upload`). The app that owns the
    attachment points at it and decides who may download it. `original_name` may hold personal
    data (people name files after themselves): it is shown only to those who may download."""

    file = models.FileField(_("파일"), max_length=255)
    original_name = models.CharField(_("원래 파일 이름"), max_length=255)
    file_type = models.CharField(_("형식"), max_length=10)
    content_type = models.CharField(_("콘텐츠 유형"), max_length=100)
    size = models.PositiveBigIntegerField(_("크기(바이트)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("올린 사람"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organization = models.ForeignKey(
        "org.Organization",
        verbose_name=_("기관"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("올린 시각"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("첨부파일")
        verbose_name_plural = _("첨부파일")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"
