"""Admin screens of petitions: the settings an organisation's managers keep (boards, categories,
kinds' periods, the petition policy) and a read-only view of petitions without contact data.

Saves go through `services` (`board_save`, `category_save`, … permission-checked and audited);
the forms run the same checks first, so a mistake is a message on the form, not an error page.
Nothing is deleted here: boards and categories are switched off (`active`), as petitions keep
pointing at them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sotong.core.admin import ReadOnlyAdmin
from sotong.org.admin import ManagedOrganizationMixin

from . import permissions, services
from .models import Board, Category, KindPolicy, Open311Key, Petition, PetitionEvent, Policy
from .open311.admin import Open311KeyAdmin


def _adopt(target: Any, saved: Any) -> None:
    target.pk = saved.pk
    target._state.adding = False


def _checked_form(check):
    class CheckedForm(forms.ModelForm):
        def _post_clean(self) -> None:
            super()._post_clean()
            if self.errors:
                return
            try:
                check(self.instance)
            except ValidationError as exc:
                self._update_errors(exc)

    return CheckedForm


class SettingsAdmin(ManagedOrganizationMixin, admin.ModelAdmin):
    """Rows of one organisation, changed by its managers through a service."""

    service: Any = None
    argument = ""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = type(self).service(actor=request.user, **{self.argument: obj})
        _adopt(obj, saved)


@admin.register(Board)
class BoardAdmin(SettingsAdmin):
    form = _checked_form(services.board_check)
    service = staticmethod(services.board_save)
    argument = "board"
    list_display = ["name", "organization", "code", "posting", "approver", "department", "active"]
    list_filter = [("organization", admin.RelatedOnlyFieldListFilter), "posting", "active"]
    search_fields = ["name", "code", "organization__name"]
    list_select_related = ["organization", "department"]
    autocomplete_fields = ["organization", "department"]
    fieldsets = [
        (None, {"fields": ["organization", "code", "name", "description", "order", "active"]}),
        (
            _("접수 규칙"),
            {
                "fields": [
                    "kinds",
                    "posting",
                    "public_by_default",
                    "allow_private",
                    "department",
                    "reopen_days",
                ]
            },
        ),
        (_("답변과 결재"), {"fields": ["approver", "chief_answers", "checklist"]}),
    ]


@admin.register(Category)
class CategoryAdmin(SettingsAdmin):
    form = _checked_form(services.category_check)
    service = staticmethod(services.category_save)
    argument = "category"
    list_display = ["name", "organization", "code", "department", "order", "active"]
    list_filter = [("organization", admin.RelatedOnlyFieldListFilter), "active"]
    search_fields = ["name", "code", "keywords", "organization__name"]
    list_select_related = ["organization", "department"]
    autocomplete_fields = ["organization", "department"]
    fields = [
        "organization",
        "code",
        "name",
        "description",
        "keywords",
        "department",
        "attributes",
        "order",
        "active",
    ]


@admin.register(KindPolicy)
class KindPolicyAdmin(SettingsAdmin):
    form = _checked_form(services.kind_policy_check)
    service = staticmethod(services.kind_policy_save)
    argument = "kind_policy"
    list_display = ["organization", "kind", "period", "self_approval"]
    list_filter = [("organization", admin.RelatedOnlyFieldListFilter), "kind", "self_approval"]
    autocomplete_fields = ["organization"]
    fields = ["organization", "kind", "period", "self_approval"]


@admin.register(Policy)
class PolicyAdmin(SettingsAdmin):
    service = staticmethod(services.policy_save)
    argument = "policy"
    list_display = ["organization", "retention_days"]
    autocomplete_fields = ["organization"]
    fields = ["organization", "retention_days"]


class PetitionEventInline(admin.TabularInline):
    model = PetitionEvent
    extra = 0
    fields = ["stage", "at", "department", "note", "internal_note"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Petition)
class PetitionAdmin(ReadOnlyAdmin):
    """Petitions as operators see them: states and dates, never the contact data (staff read
    that, logged, in the workspace through `services.contact_view`)."""

    list_display = [
        "pk",
        "title",
        "organization",
        "board",
        "kind",
        "status",
        "department",
        "received_at",
        "due_at",
    ]
    list_filter = ["status", "kind", "channel", ("organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title"]
    list_select_related = ["organization", "board", "department"]
    date_hierarchy = "received_at"
    inlines = [PetitionEventInline]
    fields = [
        "organization",
        "board",
        "kind",
        "category",
        "status",
        "channel",
        "title",
        "body",
        "is_public",
        "address",
        "latitude",
        "longitude",
        "personal_data_flagged",
        "personal_data_destroyed_at",
        "department",
        "handler",
        "entered_by",
        "group",
        "follow_up_of",
        "transferred_to",
        "received_at",
        "due_at",
        "period",
        "extended_at",
        "extension_reason",
        "answered_at",
        "closed_at",
        "speed_rating",
        "completeness_rating",
        "rated_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        qs = (
            super().get_queryset(request).defer("petitioner_name", "contact_email", "contact_phone")
        )
        return qs.filter(permissions.handled_filter(request.user))


if not admin.site.is_registered(Open311Key):
    admin.site.register(Open311Key, Open311KeyAdmin)
