"""Rows beside the petitions: the routing model, Open311 keys and the destruction log."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RoutingModel(models.Model):
    """The department/category suggester learnt from one organisation's final assignments
    (`routing.py`); the newest row is used."""

    organization = models.ForeignKey("org.Organization", on_delete=models.CASCADE, related_name="+")
    trained_at = models.DateTimeField(default=timezone.now)
    examples = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("배정 추천 모델")
        verbose_name_plural = _("배정 추천 모델")
        get_latest_by = "trained_at"

    def __str__(self) -> str:
        return f"{self.organization_id} {self.trained_at:%Y-%m-%d %H:%M}"


class Open311Key(models.Model):
    """An API key of the Open311 GeoReport v2 API. Only its hash is kept; the key is shown once."""

    organization = models.ForeignKey(
        "org.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("기관")
    )
    name = models.CharField(_("이름"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    active = models.BooleanField(_("사용"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API 키")
        verbose_name_plural = _("Open311 API 키")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Destruction(models.Model):
    """The record that a closed petition's personal data was destroyed after the retention
    period (개인정보 보호법 제21조): what, when, under which period; never the data itself."""

    petition_id_ref = models.PositiveBigIntegerField(_("민원 번호"))
    organization = models.ForeignKey("org.Organization", on_delete=models.PROTECT, related_name="+")
    fields = models.JSONField(_("파기 항목"), default=list)
    retention_days = models.PositiveIntegerField(_("보유 기간(일)"))
    destroyed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("privacy", "파기 기록")
        verbose_name_plural = pgettext_lazy("privacy", "파기 기록")

    def __str__(self) -> str:
        return f"#{self.petition_id_ref} {self.destroyed_at:%Y-%m-%d}"
