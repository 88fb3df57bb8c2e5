"""Admin screens of the service catalogue. Saves go through `services_catalogue` so that every
change is permission-checked, validated and audited (the rules inline included: they are given
to the service as one list). A non-superuser sees and changes only the services of their own
organisation. Registered on import: `admin.py` (or `apps.ready`) imports this module."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sotong.guide.catalogue import permissions as permissions
from sotong.guide.catalogue import services as services
from sotong.guide.catalogue.forms import RuleInlineForm, ServiceAdminForm
from sotong.guide.models import EligibilityRule, Parameter, Service
from sotong.org.models import Department, Organization


def _adopt(target, saved) -> None:
    target.pk = saved.pk
    target._state.adding = False
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))


class RuleInline(admin.TabularInline):
    model = EligibilityRule
    form = RuleInlineForm
    extra = 0
    fields = ("order", "kind", "params", "text")

    # Rules are part of their service: whoever may edit the service edits its rules.
    def _may(self, request, obj=None) -> bool:
        if obj is None:
            return permissions.may_edit_any(request.user)
        return permissions.can_edit_service(request.user, obj.organization_id)

    def has_view_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, obj)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = ServiceAdminForm
    inlines = (RuleInline,)
    list_display = ("name", "field", "organization", "provider_kind", "review_due", "published")
    list_filter = ("published", "field", "provider_kind", "organization", "source")
    search_fields = ("name", "summary", "=source_id")
    list_select_related = ("organization",)
    list_per_page = 50
    date_hierarchy = None
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "summary", "field", "organization", "department", "published")}),
        (
            _("제공"),
            {"fields": ("provider_name", "provider_kind", "receiving_office", "contact")},
        ),
        (_("내용"), {"fields": ("target", "criteria", "benefit", "documents")}),
        (
            _("신청"),
            {"fields": ("application_period", "apply_online_url", "apply_visit", "apply_phone")},
        ),
        (
            _("분류"),
            {
                "fields": (
                    "facet_life_stages",
                    "facet_target_groups",
                    "facet_values",
                    "facet_situations",
                    "facet_interests",
                )
            },
        ),
        (
            _("출처와 검토"),
            {"fields": ("source", "source_id", "source_url", "last_checked", "review_due")},
        ),
        (_("기록"), {"fields": ("created_at", "updated_at")}),
    )
    actions = ("publish", "unpublish")

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request)
        ids = permissions.service_organization_ids(request.user)
        return qs if ids is None else qs.filter(organization__in=ids)

    def _may_edit(self, request: HttpRequest, obj: Service | None) -> bool:
        if obj is None:
            return permissions.may_edit_any(request.user)
        return permissions.can_edit_service(request.user, obj.organization_id)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._may_edit(request, None)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Services are taken down (unpublished), not deleted: residents' saved lists and help
        # requests point at them.
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        ids = permissions.service_organization_ids(request.user)
        if ids is not None and db_field.name == "organization":
            kwargs["queryset"] = Organization.objects.filter(pk__in=ids)
        if ids is not None and db_field.name == "department":
            kwargs["queryset"] = Department.objects.filter(organization__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj: Service, form, change: bool) -> None:
        # Written in save_related, together with the rules of the inline (one audited change).
        pass

    def save_related(self, request, form, formsets, change: bool) -> None:
        obj: Service = form.instance
        values: dict[str, Any] = {name: getattr(obj, name) for name in services.SERVICE_FIELDS}
        for name in services.FACETS:
            values[name] = form.cleaned_data.get(f"facet_{name}") or []
        rules = []
        for formset in formsets:
            if formset.model is not EligibilityRule:
                continue
            rows = []
            for inline in formset.forms:
                data = getattr(inline, "cleaned_data", None) or {}
                if not data or data.get("DELETE") or not data.get("kind"):
                    continue
                rows.append((data.get("order") or 0, len(rows), data))
            rules = [
                {"kind": d["kind"], "params": d.get("params") or {}, "text": d.get("text") or ""}
                for _order, _i, d in sorted(rows, key=lambda row: (row[0], row[1]))
            ]
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if change:
            saved = services.service_update(actor=request.user, service=obj, rules=rules, **values)
        else:
            saved = services.service_create(actor=request.user, rules=rules, **values)
        _adopt(obj, saved)

    def _set_published(self, request, queryset, published: bool) -> None:
        changed = 0
        for service in queryset:
            try:
                services.service_set_published(
                    actor=request.user, service=service, published=published
                )
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{service.name}: {exc}", messages.ERROR)
                continue
            changed += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d개 서비스를 바꿨습니다.", "%(count)d개 서비스를 바꿨습니다.", changed
            )
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("선택한 서비스 공개"), permissions=["change"])
    def publish(self, request, queryset):
        self._set_published(request, queryset, True)

    @admin.action(description=_("선택한 서비스 비공개"), permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_published(request, queryset, False)


@admin.register(Parameter)
class ParameterAdmin(admin.ModelAdmin):
    list_display = ("code", "key", "valid_from", "valid_until", "amount", "label")
    list_filter = ("code",)
    search_fields = ("code", "label")

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj: Parameter, form, change: bool) -> None:
        services.parameter_save(actor=request.user, parameter=obj)
