"""Audit events in the admin: read-only, for people with the `audit.view_auditevent` permission."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from sotong.core.admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "created_at", "actor_label", "action", "object_repr", "organization"]
    list_filter = [
        "action",
        ("actor", admin.RelatedOnlyFieldListFilter),
        ("organization", admin.RelatedOnlyFieldListFilter),
        "created_at",
    ]
    search_fields = ["action", "actor_label", "object_type", "object_id", "object_repr", "reason"]
    date_hierarchy = "created_at"
    list_select_related = ["organization"]
    list_per_page = 50
    show_full_result_count = False  # a count(*) over millions of rows on every page is wasted
    fields = [
        "seq",
        "created_at",
        "actor_label",
        "actor_id",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "organization_id",
        "before_json",
        "after_json",
        "reason",
        "request_id",
        "ip_address",
        "prev_hash",
        "hash",
    ]
    readonly_fields = fields

    @admin.display(description=_("변경 전"))
    def before_json(self, event: AuditEvent) -> str:
        return _pretty(event.before)

    @admin.display(description=_("변경 후"))
    def after_json(self, event: AuditEvent) -> str:
        return _pretty(event.after)


def _pretty(value) -> str:
    if value is None:
        return "-"
    return format_html("<pre>{}</pre>", json.dumps(value, ensure_ascii=False, indent=2))
