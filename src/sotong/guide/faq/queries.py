"""Reusable reads of `services`."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from sotong.guide.models import FaqEntry


def published_faq_entries() -> QuerySet[FaqEntry]:
    """What anyone may read: published entries."""
    return FaqEntry.objects.filter(published=True)


def public_faq_entry(pk: int) -> FaqEntry:
    """A published entry; 404 alike for a missing and an unpublished one."""
    return get_object_or_404(published_faq_entries().select_related("organization"), pk=pk)
