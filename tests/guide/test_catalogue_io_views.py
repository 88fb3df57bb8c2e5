"""The staff pages of the catalogue import/export."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sotong.guide.catalogue import export as catalogue_export
from sotong.guide.catalogue import imports as catalogue_io
from sotong.guide.catalogue import rows as catalogue_rows
from sotong.guide.models import CatalogueImport, Service

from .test_catalogue_io import service_row, to_csv, to_xlsx


@pytest.fixture
def manager(officer):
    officer.user_permissions.add(Permission.objects.get(codename="change_service"))
    return officer


@pytest.fixture
def manager_client(client, manager, staff_login):
    return staff_login(client, manager)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_visitor_goes_to_login(client, db):
    response = client.get(reverse("services:import"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_staff_without_permission_is_refused(client, officer, resident, staff_login):
    staff_login(client, officer)
    assert client.get(reverse("services:import")).status_code == 403
    assert client.get(reverse("services:export")).status_code == 403
    staff_login(client, resident)
    assert client.get(reverse("services:import")).status_code == 403


def test_upload_page(manager_client, django_assert_num_queries):
    with django_assert_num_queries(10):
        response = manager_client.get(reverse("services:import"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "서비스 목록 가져오기" in page
    assert "시험구" in page
    assert 'name="organization"' not in page  # staff import into their own organisation


def test_clean_upload_is_imported_in_the_background(
    manager_client, district, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("services:import"),
            {
                "file": upload(
                    "목록.csv", to_csv([service_row(1), service_row(2)], encoding="cp949")
                )
            },
        )
    run = CatalogueImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("services:import_status", args=[run.pk])
    assert run.status == CatalogueImport.Status.DONE
    assert (run.total, run.done, run.created, run.updated, run.unchanged) == (2, 2, 2, 0, 0)
    assert run.organization == district
    assert Service.objects.filter(organization=district).count() == 2

    page = manager_client.get(response["Location"]).content.decode()
    assert "<progress" in page
    assert "새로 만든 서비스 2개" in page
    assert "hx-trigger" not in page  # finished: no more polling


def test_xlsx_upload(manager_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("services:import"), {"file": upload("목록.xlsx", to_xlsx([service_row(1)]))}
        )
    assert response.status_code == 302
    assert Service.objects.count() == 1


def test_upload_with_errors_lists_them_and_imports_nothing(manager_client):
    response = manager_client.post(
        reverse("services:import"),
        {"file": upload("목록.csv", to_csv([service_row(1), service_row(2, 분야="복지서비스")]))},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "3행 &#x27;분야&#x27; 열: &#x27;복지서비스&#x27;는 분야 목록에 없습니다" in page
    assert not CatalogueImport.objects.exists()
    assert not Service.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("목록.csv", "출처번호,서비스명\r\n1,가\r\n".encode(), "꼭 있어야 할 열"),
        ("목록.pdf", b"%PDF-1.4\n", "CSV 또는 XLSX"),
        ("목록.txt", b"a,b\r\n", "CSV 또는 XLSX"),
        ("목록.csv", b"", "빈 파일"),
        ("목록.xlsx", b"a,b\r\n", "확장자"),
    ],
)
def test_bad_files_are_refused(manager_client, name, data, message):
    response = manager_client.post(reverse("services:import"), {"file": upload(name, data)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CatalogueImport.objects.exists()


def test_size_and_row_limits(manager_client, monkeypatch):
    monkeypatch.setattr(catalogue_io, "MAX_UPLOAD_ROWS", 2)
    response = manager_client.post(
        reverse("services:import"),
        {"file": upload("목록.csv", to_csv([service_row(i) for i in range(1, 4)]))},
    )
    assert "행이 너무 많습니다" in response.content.decode()
    monkeypatch.setattr(catalogue_io, "MAX_UPLOAD_BYTES", 100)
    response = manager_client.post(
        reverse("services:import"), {"file": upload("목록.csv", to_csv([service_row(1)]))}
    )
    assert "파일이 너무 큽니다" in response.content.decode()
    assert not Service.objects.exists()


def test_status_page_while_running_polls(
    manager_client, district, manager, django_assert_num_queries
):
    run = CatalogueImport.objects.create(
        organization=district,
        file_name="목록.csv",
        status=CatalogueImport.Status.IMPORTING,
        total=10,
        done=4,
        created_by=manager,
    )
    with django_assert_num_queries(9):
        response = manager_client.get(reverse("services:import_status", args=[run.pk]))
    page = response.content.decode()
    assert 'value="4"' in page and "40%" in page
    assert "hx-trigger" in page
    assert '<noscript><meta http-equiv="refresh"' in page
    partial = manager_client.get(
        reverse("services:import_status", args=[run.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert partial.lstrip().startswith('<div id="import-status"')


def test_status_of_another_organisation_is_404(manager_client, city):
    run = CatalogueImport.objects.create(organization=city, file_name="x.csv")
    assert manager_client.get(reverse("services:import_status", args=[run.pk])).status_code == 404
    assert manager_client.get(reverse("services:import_status", args=[99999])).status_code == 404


def test_export_downloads(manager_client, district, manager):
    catalogue_io.catalogue_import(actor=None, data=to_csv([service_row(1)]), organization=district)
    catalogue_io.catalogue_import(actor=None, data=to_csv([service_row(2)]))
    response = manager_client.get(reverse("services:export_file", args=["csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert "SVC-0001" in text and "SVC-0002" not in text
    response = manager_client.get(reverse("services:export") + "?format=xlsx")
    assert response["Content-Type"] == catalogue_export.XLSX_CONTENT_TYPE
    assert [r.values["출처번호"] for r in catalogue_rows.read(response.content).rows] == [
        "SVC-0001"
    ]
    assert manager_client.get(reverse("services:export") + "?format=pdf").status_code == 404


def test_superuser_chooses_the_organisation(
    client, admin_user, staff_login, district, django_capture_on_commit_callbacks
):
    staff_login(client, admin_user)
    assert 'name="organization"' in client.get(reverse("services:import")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("services:import"),
            {"file": upload("a.csv", to_csv([service_row(1)])), "organization": "testgu"},
        )
        client.post(reverse("services:import"), {"file": upload("b.csv", to_csv([service_row(2)]))})
    assert Service.objects.get(source_id="SVC-0001").organization == district
    assert Service.objects.get(source_id="SVC-0002").organization is None
    text = client.get(reverse("services:export") + "?org=testgu").content.decode("utf-8-sig")
    assert "SVC-0001" in text and "SVC-0002" not in text


def test_task_is_idempotent_and_rechecks(manager, district, db):
    from sotong.guide.catalogue.imports import catalogue_import_run

    run = CatalogueImport.objects.create(
        organization=district, file_name="x.csv", status=CatalogueImport.Status.DONE
    )
    assert catalogue_import_run(import_id=run.pk) is None  # not importing any more
    run = CatalogueImport.objects.create(
        organization=district,
        file_name="x.csv",
        status=CatalogueImport.Status.IMPORTING,
        created_by=manager,
    )
    result = catalogue_import_run(import_id=run.pk)
    assert result.status == CatalogueImport.Status.FAILED
    assert result.errors == ["올린 파일이 없습니다."]


def test_catalogue_import_for_user(manager, district, city):
    from django.http import Http404

    from sotong.guide.catalogue import queries as queries_catalogue

    own = CatalogueImport.objects.create(organization=district, file_name="x.csv")
    foreign = CatalogueImport.objects.create(organization=city, file_name="y.csv")
    assert queries_catalogue.catalogue_import_for_user(manager, own.pk) == own
    assert list(queries_catalogue.visible_imports(manager)) == [own]
    for pk in (foreign.pk, 99999):
        with pytest.raises(Http404):
            queries_catalogue.catalogue_import_for_user(manager, pk)


def test_catalogue_import_for_user_without_permission(officer, district):
    from django.http import Http404

    from sotong.guide.catalogue import queries as queries_catalogue

    own = CatalogueImport.objects.create(organization=district, file_name="x.csv")
    with pytest.raises(Http404):
        queries_catalogue.catalogue_import_for_user(officer, own.pk)
