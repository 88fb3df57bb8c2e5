"""Admin screens. Contact data (phone, address) is never shown here, not even decrypted on a
detail page: staff read it only through `sotong.core.privacy`, which logs every read. Changes to
profiles and deletions go through services.py (the resident's own pages), so the admin is
read-only for them."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from sotong.core.admin import ReadOnlyAdmin

from .models import AccountDeletion, ResidentProfile, User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "display_name", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("표시 이름"), {"fields": ["display_name"]}),
        (
            _("권한"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("기록"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["email", "usable_password", "password1", "password2"]},
        ),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a user row would break records the law keeps; accounts are closed by
        # services.account_delete (deactivate and anonymise).
        return False


@admin.register(ResidentProfile)
class ResidentProfileAdmin(ReadOnlyAdmin):
    list_display = ["pk", "masked_name", "organization", "dong", "language", "updated_at"]
    list_filter = ["language", "organization"]
    list_select_related = ["organization", "dong", "dong__organization"]
    fields = ["masked_name", "organization", "dong", "language", "created_at", "updated_at"]
    readonly_fields = fields

    @admin.display(description=_("이름(가림)"))
    def masked_name(self, obj: ResidentProfile) -> str:
        return obj.public_name


@admin.register(AccountDeletion)
class AccountDeletionAdmin(admin.ModelAdmin):
    list_display = ["deleted_at", "reason"]
    list_filter = ["reason"]
    date_hierarchy = "deleted_at"
    fields = ["deleted_at", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
