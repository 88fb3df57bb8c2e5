"""Staff pages of notify: the organisation's message templates (list, create, edit, preview with
sample values, delete). Access rules and shared helpers are in `views_staff`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sotong.core.web import add_service_errors

from . import campaigns, permissions, queries
from . import forms_staff as forms
from .models import Template
from .views_staff import _organization, _posted, _require_templates, preview_item, staff_page


def _template_crumbs(*extra) -> list:
    return [
        (_("알림 관리"), reverse("notify:staff_dashboard")),
        (_("알림 틀"), reverse("notify:staff_templates")),
        *extra,
    ]


@staff_page
def template_list(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    templates = Template.objects.filter(organization=organization).order_by("channel", "name")
    context = {
        "organization": organization,
        "current_organization": organization,
        "templates": list(templates),
        "may_edit": permissions.can_manage_campaigns(request.user, organization),
        "crumbs": [(_("알림 관리"), reverse("notify:staff_dashboard")), (_("알림 틀"), "")],
    }
    return render(request, "notify/staff/template_list.html", context)


@staff_page
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    _require_templates(request.user, organization)
    form = forms.TemplateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            template = campaigns.template_create(
                actor=request.user, organization=organization, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("알림 틀을 만들었습니다."))
            return redirect("notify:staff_template_preview", pk=template.pk)
    context = {
        "form": form,
        "template": None,
        "current_organization": organization,
        "crumbs": _template_crumbs((_("새 알림 틀"), "")),
    }
    return render(request, "notify/staff/template_form.html", context)


@staff_page
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = queries.template_for_user(request.user, pk)
    _require_templates(request.user, template.organization)
    initial = forms.TemplateForm.initial_for(template)
    if request.method == "POST":
        form = forms.TemplateForm(request.POST, initial=initial, editing=True)
        if form.is_valid():
            try:
                campaigns.template_update(
                    actor=request.user, template=template, **form.service_fields()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("알림 틀을 고쳤습니다."))
                return redirect("notify:staff_template_preview", pk=template.pk)
    else:
        form = forms.TemplateForm(initial=initial, editing=True)
    context = {
        "form": form,
        "template": template,
        "current_organization": template.organization,
        "crumbs": _template_crumbs((template.name, "")),
    }
    return render(request, "notify/staff/template_form.html", context)


@staff_page
@require_http_methods(["GET", "POST"])
def template_preview(request: HttpRequest, pk: int) -> HttpResponse:
    template = queries.template_for_user(request.user, pk)
    form = forms.TemplatePreviewForm(_posted(request))
    sample = None
    if request.method == "POST" and form.is_valid():
        sample = form.cleaned_data["sample_context"] or None
    preview = campaigns.template_preview(template=template, context=sample)
    context = {
        "template": template,
        "form": form,
        "preview_item": preview_item(preview),
        "current_organization": template.organization,
        "crumbs": _template_crumbs((template.name, "")),
    }
    return render(request, "notify/staff/template_preview.html", context)


@staff_page
@require_http_methods(["GET", "POST"])
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = queries.template_for_user(request.user, pk)
    _require_templates(request.user, template.organization)
    error = None
    if request.method == "POST":
        try:
            campaigns.template_delete(actor=request.user, template=template)
        except ValidationError as exc:
            error = forms.clean_error_message(exc)
        else:
            messages.success(request, _("알림 틀을 지웠습니다."))
            return redirect("notify:staff_templates")
    context = {
        "template": template,
        "error": error,
        "current_organization": template.organization,
        "crumbs": _template_crumbs((template.name, "")),
    }
    return render(
        request, "notify/staff/template_delete.html", context, status=400 if error else 200
    )


urlpatterns = [
    path("staff/templates/", template_list, name="staff_templates"),
    path("staff/templates/new", template_create, name="staff_template_create"),
    path("staff/templates/<int:pk>/edit", template_edit, name="staff_template_edit"),
    path("staff/templates/<int:pk>/preview", template_preview, name="staff_template_preview"),
    path("staff/templates/<int:pk>/delete", template_delete, name="staff_template_delete"),
]
