"""Staff pages of the catalogue import/export (`/services/staff/import`, `…/import/<pk>`,
`…/export`). Staff with `services.change_service` work on their own organisation's catalogue; a
superuser chooses one (or the national services). Visitors go to the login page, others get 403;
an import of another organisation is the same 404 as a missing one."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from sotong.core.web import guarded_page
from sotong.guide.catalogue import export as catalogue_export
from sotong.guide.catalogue import imports as catalogue_io
from sotong.guide.catalogue import permissions as permissions_catalogue
from sotong.guide.catalogue import queries as queries_catalogue
from sotong.guide.catalogue import rows as catalogue_rows
from sotong.guide.catalogue.forms_io import CatalogueUploadForm
from sotong.guide.models import CatalogueImport
from sotong.org.models import Organization, Staff
from sotong.org.queries import picked_organization

POLL_SECONDS = 3
RECENT = 10


catalogue_staff = guarded_page(
    permissions_catalogue.may_edit_any,
    gettext_lazy("서비스 목록을 관리하는 직원만 볼 수 있습니다."),
)


def _own_organization(user) -> Organization | None:
    try:
        return user.staff.organization
    except (Staff.DoesNotExist, AttributeError):
        return None


@catalogue_staff
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    superuser = request.user.is_superuser
    form = CatalogueUploadForm(
        request.POST or None, request.FILES or None, choose_organization=superuser
    )
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            organization = (
                form.cleaned_data.get("organization")
                if superuser
                else _own_organization(request.user)
            )
            upload = form.cleaned_data["file"]
            upload.seek(0)
            data = upload.read()
            upload.seek(0)
            try:
                report = catalogue_io.upload_check(
                    actor=request.user, organization=organization, data=data
                )
            except catalogue_rows.CatalogueFileError as exc:
                form.add_error("file", str(exc))
            if report is not None and not report.errors:
                run = catalogue_io.catalogue_import_start(
                    actor=request.user, organization=organization, upload=upload, rows=report.rows
                )
                return redirect("services:import_status", pk=run.pk)
        status = 400
    context = {
        "form": form,
        "report": report,
        "columns": catalogue_rows.COLUMNS,
        "imports": list(queries_catalogue.visible_imports(request.user)[:RECENT]),
        "organization": None if superuser else _own_organization(request.user),
        "superuser": superuser,
        "crumbs": [(_("서비스 목록 가져오기"), None)],
    }
    return render(request, "services/io/import.html", context, status=status)


@catalogue_staff
@require_GET
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    run = queries_catalogue.catalogue_import_for_user(request.user, pk)
    running = run.status in (CatalogueImport.Status.CHECKING, CatalogueImport.Status.IMPORTING)
    context = {
        "run": run,
        "running": running,
        "poll_seconds": POLL_SECONDS,
        "percent": int(run.done * 100 / run.total) if run.total else 0,
        "crumbs": [
            (_("서비스 목록 가져오기"), reverse("services:import")),
            (_("가져오기 #%(pk)d") % {"pk": run.pk}, None),
        ],
    }
    if request.headers.get("HX-Request") or request.GET.get("partial"):
        return render(request, "services/io/_status.html", context)
    return render(request, "services/io/status.html", context)


@catalogue_staff
@require_GET
def export(request: HttpRequest, fmt: str | None = None) -> HttpResponse:
    fmt = fmt or request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    if request.user.is_superuser:
        # A superuser exports one organisation's catalogue, or the national one.
        organization = picked_organization(request.GET.get("org", ""), required=False)
    else:
        organization = _own_organization(request.user)
    if not permissions_catalogue.can_import(request.user, organization):
        raise PermissionDenied(_("이 기관의 서비스 목록을 내보낼 권한이 없습니다."))
    services = catalogue_export.export_queryset(organization=organization)
    name = f"services-{organization.code if organization else 'national'}.{fmt}"
    if fmt == "xlsx":
        response = HttpResponse(
            catalogue_export.export_xlsx(services), content_type=catalogue_export.XLSX_CONTENT_TYPE
        )
    else:
        response = HttpResponse(
            catalogue_export.export_csv(services), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
