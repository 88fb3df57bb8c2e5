"""Open311 API keys in the admin: issue (the key is shown once, on a page of its own, never put
into a message cookie or the session), list, and revoke. Imported by `petitions/admin.py`,
which registers `Open311KeyAdmin`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import permissions
from ..models import Open311Key
from .keys import open311_key_create, open311_key_revoke


class Open311KeyAddForm(forms.ModelForm):
    class Meta:
        model = Open311Key
        fields = ["organization", "name"]

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        organization = data.get("organization")
        if (
            organization is not None
            and self.request is not None
            and not permissions.can_manage_open311_keys(self.request.user, organization)
        ):
            raise ValidationError(
                {"organization": _("이 기관의 Open311 API 키를 발급할 권한이 없습니다.")}
            )
        return data


class Open311KeyAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "prefix", "active", "created_at", "last_used_at")
    list_filter = ("active", "organization")
    search_fields = ("name", "prefix")
    ordering = ("-created_at",)
    actions = ["revoke_selected"]

    def get_fields(self, request: HttpRequest, obj: Open311Key | None = None) -> list[str]:
        if obj is None:
            return ["organization", "name"]
        return ["organization", "name", "prefix", "active", "created_at", "last_used_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Open311Key | None = None) -> list:
        # A key is issued and revoked through the services (audited); nothing else changes.
        if obj is None:
            return []
        return ["organization", "name", "prefix", "active", "created_at", "last_used_at"]

    def get_form(self, request: HttpRequest, obj: Open311Key | None = None, **kwargs: Any):
        if obj is not None:
            return super().get_form(request, obj, **kwargs)
        form_class = super().get_form(request, obj, form=Open311KeyAddForm, **kwargs)

        class WithRequest(form_class):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, request=request, **inner)

        return WithRequest

    def has_delete_permission(self, request: HttpRequest, obj: Open311Key | None = None) -> bool:
        # Revoked, never deleted: the audit log keeps pointing at a named key.
        return False

    def save_model(self, request: HttpRequest, obj: Open311Key, form: Any, change: bool) -> None:
        if change:
            return
        key, raw = open311_key_create(
            actor=request.user, organization=obj.organization, name=obj.name
        )
        # The admin goes on with `obj` (log entry, redirect): make it the saved row.
        obj.pk = key.pk
        obj.key_hash, obj.prefix, obj.created_at = key.key_hash, key.prefix, key.created_at
        obj._state.adding = False
        obj._state.db = key._state.db
        request._open311_raw_key = raw  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: Open311Key, post_url_continue: str | None = None
    ) -> HttpResponse:
        raw = getattr(request, "_open311_raw_key", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Open311 API 키 발급"),
            "key": obj,
            "raw_key": raw,
            "changelist_url": self._changelist_url(),
        }
        result = TemplateResponse(request, "petitions/admin/open311_key_created.html", context)
        result["Cache-Control"] = "no-store"
        return result

    def _changelist_url(self) -> str:
        try:
            return reverse(
                "admin:petitions_open311key_changelist", current_app=self.admin_site.name
            )
        except NoReverseMatch:  # not (yet) registered on this site
            return "../"

    @admin.action(description=_("선택한 API 키 사용 중지"))
    def revoke_selected(self, request: HttpRequest, queryset: Any) -> None:
        count = 0
        for key in queryset.filter(active=True):
            try:
                open311_key_revoke(actor=request.user, key=key)
            except PermissionDenied as error:
                self.message_user(request, str(error), messages.ERROR)
                return
            count += 1
        self.message_user(
            request,
            ngettext(
                "API 키 %(count)d개를 사용 중지했습니다.",
                "API 키 %(count)d개를 사용 중지했습니다.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


__all__ = ["Open311KeyAdmin"]
