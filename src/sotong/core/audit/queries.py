"""Reading audit events."""

from __future__ import annotations

from django.db import models

from .models import AuditEvent


def events_for(obj: models.Model) -> models.QuerySet[AuditEvent]:
    """Every event about `obj`, newest first."""
    return AuditEvent.objects.filter(
        object_type=obj._meta.concrete_model._meta.label_lower, object_id=str(obj.pk)
    ).order_by("-seq")
