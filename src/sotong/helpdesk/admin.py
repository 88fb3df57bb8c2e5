"""Admin screen of helpers (민원도우미); the lead imports this module from `admin.py`. Saves go
through `services_help` (permission-checked, audited). A helper is never deleted (their requests
keep them): deactivate instead. A non-superuser sees the helpers of the organisation they
coordinate (`helpdesk.coordinate_help`) and needs the model permissions as usual."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sotong.helpdesk import permissions as perms
from sotong.helpdesk import services as services_help
from sotong.helpdesk.models import Helper
from sotong.org.models import Staff


class HelperAdminForm(forms.ModelForm):
    class Meta:
        model = Helper
        fields = ("staff", "capacity", "introduction", "active")

    def clean_capacity(self) -> int:
        capacity = self.cleaned_data["capacity"]
        if not 1 <= capacity <= services_help.CAPACITY_MAX:
            raise ValidationError(
                _("동시 담당 한도는 1에서 %(max)d 사이의 수로 입력하세요.")
                % {"max": services_help.CAPACITY_MAX}
            )
        return capacity


@admin.register(Helper)
class HelperAdmin(admin.ModelAdmin):
    form = HelperAdminForm
    list_display = ("staff", "organization", "capacity", "active")
    list_filter = ("active", "organization")
    search_fields = ("staff__name",)
    list_select_related = ("staff", "organization")
    fields = ("staff", "organization", "capacity", "introduction", "active")
    actions = ("activate", "deactivate")

    def get_readonly_fields(self, request: HttpRequest, obj: Helper | None = None):
        return ("staff", "organization") if obj is not None else ("organization",)

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request)
        ids = perms.coordinator_organization_ids(request.user)
        return qs if ids is None else qs.filter(organization_id__in=ids)

    def _may_manage(self, request: HttpRequest, obj: Helper | None) -> bool:
        if obj is None:
            return perms.is_coordinator(request.user)
        return perms.can_coordinate(request.user, obj.organization_id)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._may_manage(request, None)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_manage(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "staff":
            queryset = Staff.objects.filter(active=True, helper__isnull=True)
            ids = perms.coordinator_organization_ids(request.user)
            if ids is not None:
                queryset = queryset.filter(organization_id__in=ids)
            kwargs["queryset"] = queryset.order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj: Helper, form, change: bool) -> None:
        try:
            if change:
                saved = services_help.helper_update(
                    actor=request.user,
                    helper=obj,
                    capacity=obj.capacity,
                    introduction=obj.introduction,
                    active=obj.active,
                )
            else:
                saved = services_help.helper_create(
                    actor=request.user,
                    staff=obj.staff,
                    capacity=obj.capacity,
                    introduction=obj.introduction,
                )
                if not obj.active:
                    saved = services_help.helper_update(
                        actor=request.user, helper=saved, active=False
                    )
        except ValidationError as error:
            # The form's own validation caught the common cases; anything else is shown here.
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            raise
        obj.pk = saved.pk
        obj._state.adding = False
        obj.organization_id = saved.organization_id

    def _set_active(self, request, queryset, active: bool) -> None:
        changed = 0
        for helper in queryset:
            try:
                services_help.helper_set_active(actor=request.user, helper=helper, active=active)
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{helper}: {exc}", messages.ERROR)
                continue
            changed += 1
        self.message_user(
            request,
            ngettext(
                "도우미 %(count)d명을 바꿨습니다.", "도우미 %(count)d명을 바꿨습니다.", changed
            )
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("선택한 도우미 활동 시작"), permissions=["change"])
    def activate(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description=_("선택한 도우미 활동 중지"), permissions=["change"])
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, False)
