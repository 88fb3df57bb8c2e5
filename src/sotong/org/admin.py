"""Admin screens of `org`. Saves go through `services` so that every change is permission-checked
and audited; forms validate through the models' `clean` (Korean messages). A non-superuser sees and
changes only the organisation they manage (see `permissions`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from . import permissions, services
from .forms import DepartmentAdminForm, StaffAdminForm, StaffingImportForm
from .models import ClosingDay, Department, Dong, Organization, Staff, StaffingEntry, Team
from .services import STAFF_FIELDS


def _adopt(target: models.Model, saved: models.Model) -> None:
    """The admin keeps using the object it built; give it the saved row's identity and values."""
    target.pk = saved.pk
    target._state.adding = False
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))


def _values(obj: models.Model, names: list[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


class ManagedOrganizationMixin:
    """Limits rows, choices and object permissions to the organisations the user manages."""

    organization_lookup = "organization"

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request)
        ids = permissions.managed_organization_ids(request.user)
        if ids is None:
            return qs
        return qs.filter(**{f"{self.organization_lookup}__in": ids})

    def organization_id_of(self, obj: models.Model) -> int:
        value: Any = obj
        for part in self.organization_lookup.split("__"):
            value = getattr(value, part)
        return value.pk

    def _may_manage(self, request: HttpRequest, obj: models.Model | None) -> bool:
        if obj is None:
            return permissions.managed_organization_ids(request.user) != set()
        return permissions.can_manage_organization(request.user, self.organization_id_of(obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_manage(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_manage(request, obj)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._may_manage(request, None)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        ids = permissions.managed_organization_ids(request.user)
        if ids is not None:
            model = db_field.related_model
            if model is Organization:
                kwargs["queryset"] = Organization.objects.filter(pk__in=ids)
            elif model is Department:
                kwargs["queryset"] = Department.objects.filter(organization__in=ids)
            elif model is Team:
                kwargs["queryset"] = Team.objects.filter(department__organization__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


# --- organisations --------------------------------------------------------------------------


class DongInline(admin.TabularInline):
    model = Dong
    extra = 0
    fields = ["name"]


class ClosingDayInlineForm(forms.ModelForm):
    class Meta:
        model = ClosingDay
        fields = ["day", "reason"]

    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding:
            problems = services.closing_day_problems(cleaned.get("day"), cleaned.get("reason"))
            for field, problem in problems.items():
                if field not in self.errors:  # a missing value already says so
                    self.add_error(field, problem)
        return cleaned


class ClosingDayInlineFormSet(forms.BaseInlineFormSet):
    def get_unique_error_message(self, unique_check):
        return _("이 기관에 같은 날의 휴무일이 이미 있습니다.")


class ClosingDayInline(admin.TabularInline):
    """The organisation's own closing days (휴무일), counted in petition deadlines. A day is added
    or deleted, never edited: a wrong one is deleted and added again, both audited."""

    model = ClosingDay
    form = ClosingDayInlineForm
    formset = ClosingDayInlineFormSet
    extra = 0
    fields = ["day", "reason"]
    verbose_name_plural = _("휴무일 (민원 처리기한에서 공휴일처럼 빠지는 기관 자체 휴무일)")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(ManagedOrganizationMixin, admin.ModelAdmin):
    organization_lookup = "pk"
    list_display = ["name", "code", "admin_code", "kind", "parent", "head_title", "phone"]
    list_filter = ["kind", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "name_en", "code", "admin_code"]
    autocomplete_fields = ["parent"]
    inlines = [DongInline, ClosingDayInline]
    fieldsets = [
        (None, {"fields": ["name", "name_en", "code", "admin_code", "kind", "parent"]}),
        (
            _("연락처"),
            {"fields": ["head_title", "address", "phone", "website", "description"]},
        ),
    ]

    def organization_id_of(self, obj):
        return obj.pk

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"  # government sites are served over HTTPS
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return admin.ModelAdmin.has_add_permission(
            self, request
        ) and permissions.can_create_organization(request.user)

    def has_delete_permission(self, request, obj=None):
        # Organisations are never deleted from the admin: departments, residents and records
        # hang on them. Superusers can still do it from the shell when an install is set up wrong.
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not permissions.can_restructure_organization(request.user):
            return list(services.ORGANIZATION_STRUCTURE_FIELDS)
        return []

    def save_model(self, request, obj, form, change):
        fields = [f for f in services.ORGANIZATION_FIELDS if f in form.cleaned_data]
        if change:
            saved = services.organization_update(
                actor=request.user, organization=obj, **_values(obj, fields)
            )
        else:
            saved = services.organization_create(actor=request.user, **_values(obj, fields))
        _adopt(obj, saved)

    def save_formset(self, request, form, formset, change):
        if formset.model is ClosingDay:
            self._save_closing_days(request, form, formset)
            return
        instances = formset.save(commit=False)
        for dong in formset.deleted_objects:
            services.dong_delete(actor=request.user, dong=dong)
        for dong in instances:
            if dong.pk is None:
                _adopt(
                    dong,
                    services.dong_create(
                        actor=request.user, organization=form.instance, name=dong.name
                    ),
                )
            else:
                services.dong_update(actor=request.user, dong=dong, name=dong.name)

    def _save_closing_days(self, request, form, formset):
        instances = formset.save(commit=False)
        for closing_day in formset.deleted_objects:
            services.closing_day_remove(actor=request.user, closing_day=closing_day)
        for closing_day in instances:
            if closing_day.pk is None:  # existing days are read-only: only new ones come here
                saved = services.closing_day_add(
                    actor=request.user,
                    organization=form.instance,
                    day=closing_day.day,
                    reason=closing_day.reason,
                )
                _adopt(closing_day, saved)


@admin.register(Dong)
class DongAdmin(ManagedOrganizationMixin, admin.ModelAdmin):
    list_display = ["name", "organization"]
    list_filter = [("organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "organization__name"]
    autocomplete_fields = ["organization"]

    def save_model(self, request, obj, form, change):
        if change:
            saved = services.dong_update(actor=request.user, dong=obj, name=obj.name)
        else:
            saved = services.dong_create(
                actor=request.user, organization=obj.organization, name=obj.name
            )
        _adopt(obj, saved)

    def delete_model(self, request, obj):
        services.dong_delete(actor=request.user, dong=obj)


# --- departments and teams ------------------------------------------------------------------


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0
    fields = ["name", "duties", "order"]


@admin.register(Department)
class DepartmentAdmin(ManagedOrganizationMixin, admin.ModelAdmin):
    form = DepartmentAdminForm
    list_display = ["name", "organization", "kind", "parent", "phone", "order", "active"]
    list_filter = [("organization", admin.RelatedOnlyFieldListFilter), "kind", "active"]
    search_fields = ["name", "name_en", "duties", "organization__name"]
    autocomplete_fields = ["organization", "parent"]
    list_select_related = ["organization", "parent"]
    inlines = [TeamInline]
    fields = ["organization", "parent", "name", "name_en", "kind", "duties", "phone", "order"]
    actions = ["deactivate_selected"]

    def get_fields(self, request, obj=None):
        return [*self.fields, "active"] if obj is not None else self.fields

    def get_readonly_fields(self, request, obj=None):
        # Moving a department to another organisation would orphan its people and history.
        return ["organization"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # departments are closed (운영 중 off), never deleted: records point at them

    def save_model(self, request, obj, form, change):
        fields = [f for f in services.DEPARTMENT_FIELDS if f in form.cleaned_data]
        if not change:
            saved = services.department_create(
                actor=request.user, organization=obj.organization, **_values(obj, fields)
            )
            _adopt(obj, saved)
            return
        saved = services.department_update(
            actor=request.user, department=obj, **_values(obj, fields)
        )
        if "active" in form.changed_data:
            if obj.active:
                saved = services.department_reactivate(actor=request.user, department=saved)
            else:
                saved = services.department_deactivate(actor=request.user, department=saved)
        _adopt(obj, saved)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for team in formset.deleted_objects:
            services.team_delete(actor=request.user, team=team)
        for team in instances:
            values = _values(team, list(services.TEAM_FIELDS))
            if team.pk is None:
                saved = services.team_create(actor=request.user, department=form.instance, **values)
                _adopt(team, saved)
            else:
                services.team_update(actor=request.user, team=team, **values)

    @admin.action(description=_("선택한 부서 폐지"))
    def deactivate_selected(self, request, queryset):
        closed = 0
        for department in queryset:
            try:
                services.department_deactivate(actor=request.user, department=department)
                closed += 1
            except (ValidationError, PermissionDenied) as exc:
                problems = " ".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(request, f"{department.name}: {problems}", messages.ERROR)
        if closed:
            self.message_user(request, _("부서 %(n)d개를 폐지했습니다.") % {"n": closed})


@admin.register(Team)
class TeamAdmin(ManagedOrganizationMixin, admin.ModelAdmin):
    organization_lookup = "department__organization"
    list_display = ["name", "department", "organization_name", "order"]
    list_filter = [("department__organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "duties", "department__name"]
    autocomplete_fields = ["department"]
    list_select_related = ["department__organization"]

    @admin.display(description=_("기관"), ordering="department__organization__name")
    def organization_name(self, obj):
        return obj.department.organization.name

    def save_model(self, request, obj, form, change):
        values = _values(obj, list(services.TEAM_FIELDS))
        if change:
            saved = services.team_update(actor=request.user, team=obj, **values)
        else:
            saved = services.team_create(actor=request.user, department=obj.department, **values)
        _adopt(obj, saved)

    def delete_model(self, request, obj):
        services.team_delete(actor=request.user, team=obj)


# --- staff ----------------------------------------------------------------------------------


@admin.register(Staff)
class StaffAdmin(ManagedOrganizationMixin, admin.ModelAdmin):
    form = StaffAdminForm
    list_display = ["name", "organization", "department", "team", "position", "grade", "active"]
    list_filter = [
        ("organization", admin.RelatedOnlyFieldListFilter),
        "position",
        "active",
        "grade",
    ]
    search_fields = ["name", "title", "user__email", "department__name"]
    list_select_related = ["organization", "department", "team"]
    autocomplete_fields = ["organization", "department", "team"]
    raw_id_fields: list[str] = []
    fields = ["user", *STAFF_FIELDS]

    def get_autocomplete_fields(self, request):
        fields = list(super().get_autocomplete_fields(request))
        # The user picker needs the accounts admin (with search) registered.
        from django.contrib.auth import get_user_model

        user_admin = admin.site._registry.get(get_user_model())
        if user_admin is not None and user_admin.search_fields:
            fields.append("user")
        return fields

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # staff leave (재직 중 off); their past decisions keep their name

    def save_model(self, request, obj, form, change):
        if not change:
            saved = services.staff_assign(
                actor=request.user,
                user=obj.user,
                **_values(
                    obj,
                    [
                        "organization",
                        "name",
                        "position",
                        "department",
                        "team",
                        "title",
                        "grade",
                        "office_phone",
                    ],
                ),
            )
            if not obj.active:
                saved = services.staff_deactivate(actor=request.user, staff=saved)
            _adopt(obj, saved)
            return
        changed = set(form.changed_data)
        saved = Staff.objects.get(pk=obj.pk)
        if changed & {"name", "title", "office_phone"}:
            saved = services.staff_update(
                actor=request.user, staff=saved, **_values(obj, ["name", "title", "office_phone"])
            )
        if changed & {"organization", "department", "team", "position", "grade"}:
            saved = services.staff_move(
                actor=request.user,
                staff=saved,
                organization=obj.organization,
                department=obj.department,
                team=obj.team,
                position=obj.position,
                grade=obj.grade,
            )
        if "active" in changed:
            service = services.staff_reactivate if obj.active else services.staff_deactivate
            saved = service(actor=request.user, staff=saved)
        _adopt(obj, saved)


# --- staffing table -------------------------------------------------------------------------


@admin.register(StaffingEntry)
class StaffingEntryAdmin(ManagedOrganizationMixin, admin.ModelAdmin):
    list_display = [
        "department",
        "organization",
        "as_of",
        "series",
        "grade",
        "authorized",
        "current",
    ]
    list_editable = ["authorized", "current"]
    list_filter = [("organization", admin.RelatedOnlyFieldListFilter), "as_of", "series"]
    search_fields = ["department__name", "grade"]
    autocomplete_fields = ["organization", "department"]
    list_select_related = ["organization", "department"]
    date_hierarchy = "as_of"
    change_list_template = "admin/org/staffingentry/change_list.html"

    def save_model(self, request, obj, form, change):
        saved = services.staffing_entry_save(
            actor=request.user,
            organization=obj.organization,
            entry=StaffingEntry.objects.get(pk=obj.pk) if change else None,
            **_values(obj, list(services.STAFFING_FIELDS)),
        )
        _adopt(obj, saved)

    def delete_model(self, request, obj):
        services.staffing_entry_delete(actor=request.user, entry=obj)

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="org_staffingentry_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        organizations = permissions.managed_organizations(request.user)
        form = StaffingImportForm(
            request.POST or None, organizations=organizations.order_by("kind", "name")
        )
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    result = services.staffing_import(
                        actor=request.user,
                        organization=form.cleaned_data["organization"],
                        as_of=form.cleaned_data["as_of"],
                        rows=form.rows,
                        reason=form.cleaned_data["reason"],
                    )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                self.message_user(
                    request,
                    _("정원·현원 %(created)d행을 가져왔습니다 (바뀐 기존 행 %(replaced)d개).")
                    % {"created": result.created, "replaced": result.replaced},
                )
                return HttpResponseRedirect(reverse("admin:org_staffingentry_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("정원·현원 가져오기"),
            "form": form,
        }
        return TemplateResponse(request, "admin/org/staffingentry/import.html", context)
