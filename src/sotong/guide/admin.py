"""Admin screens of `services`. Saves go through `services` so that every change is
permission-checked and audited. A non-superuser sees and changes only the entries of the
organisation they manage (see `permissions`)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sotong.guide.catalogue import admin as admin_catalogue  # noqa: F401 - registers the catalogue admin
from sotong.guide.faq import permissions, services
from sotong.guide.models import FaqEntry
from sotong.org.models import Organization

EDITABLE = ("title", "answer", "category", "organization", "attribution", "published")


def _adopt(target: models.Model, saved: models.Model) -> None:
    """The admin keeps using the object it built; give it the saved row's identity and values."""
    target.pk = saved.pk
    target._state.adding = False
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "organization", "source", "source_id", "published")
    list_filter = ("published", "category", "source", "organization")
    search_fields = ("title", "answer", "=source_id")
    list_select_related = ("organization",)
    list_per_page = 50
    readonly_fields = ("created_at", "updated_at")
    fields = (
        "title",
        "answer",
        "category",
        "organization",
        "published",
        "source",
        "source_id",
        "attribution",
        "created_at",
        "updated_at",
    )
    actions = ("publish", "unpublish")

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request)
        ids = permissions.faq_organization_ids(request.user)
        return qs if ids is None else qs.filter(organization__in=ids)

    def _may_manage(self, request: HttpRequest, obj: FaqEntry | None) -> bool:
        if obj is None:
            return permissions.faq_organization_ids(request.user) != set()
        return permissions.can_manage_faq(request.user, obj.organization_id)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._may_manage(request, None)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_manage(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_manage(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        ids = permissions.faq_organization_ids(request.user)
        if db_field.name == "organization" and ids is not None:
            kwargs["queryset"] = Organization.objects.filter(pk__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj: FaqEntry, form, change: bool) -> None:
        values: dict[str, Any] = {name: getattr(obj, name) for name in EDITABLE}
        values["source"] = obj.source
        values["source_id"] = obj.source_id
        if change:
            saved = services.faq_entry_update(actor=request.user, entry=obj, **values)
        else:
            saved = services.faq_entry_create(actor=request.user, **values)
        _adopt(obj, saved)

    def delete_model(self, request, obj: FaqEntry) -> None:
        services.faq_entry_delete(actor=request.user, entry=obj)

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            self.delete_model(request, entry)

    def _set_published(self, request, queryset, published: bool) -> None:
        changed = 0
        for entry in queryset:
            try:
                services.faq_entry_set_published(
                    actor=request.user, entry=entry, published=published
                )
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{entry.title}: {exc}", messages.ERROR)
                continue
            changed += 1
        self.message_user(
            request,
            ngettext("%(count)d개 항목을 바꿨습니다.", "%(count)d개 항목을 바꿨습니다.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("선택한 질문 공개"), permissions=["change"])
    def publish(self, request, queryset):
        self._set_published(request, queryset, True)

    @admin.action(description=_("선택한 질문 비공개"), permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_published(request, queryset, False)
