"""The catalogue import/export (`services.catalogue_io`, `services_import`, `services_export`)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from sotong.core.audit.models import AuditEvent
from sotong.guide.catalogue import export as catalogue_export
from sotong.guide.catalogue import imports as catalogue_io
from sotong.guide.catalogue import rows as catalogue_rows
from sotong.guide.catalogue.rows import CatalogueFileError
from sotong.guide.models import Service

HEADER = list(catalogue_rows.HEADERS)


def service_row(number: int = 1, **overrides) -> dict[str, str]:
    row = {
        "출처": "gov24",
        "출처번호": f"SVC-{number:04d}",
        "서비스명": f"어르신 교통비 지원 {number}",
        "서비스목적": "어르신의 교통비 부담을 덜어 드립니다.",
        "분야": "생활안정",
        "제공기관": "시험구청",
        "제공기관유형": "구청·주민센터",
        "담당부서": "",
        "지원대상": "만 65세 이상 구민",
        "선정기준": "",
        "지원내용": "분기별 3만 원",
        "신청기간": "상시",
        "온라인신청": "https://www.gov.kr/portal/service/1",
        "방문신청": "주민센터",
        "전화신청": "02-120",
        "구비서류": "- 신분증\n- 통장 사본",
        "접수기관": "주민센터",
        "문의처": "복지정책과 02-000-0000",
        "출처주소": "https://www.gov.kr/",
        "최종확인일": "2026-03-01",
        "다음검토일": "2026-09-01",
        "생애주기": "어르신",
        "대상특성": "저소득·취약계층; 장애인",
        "가치": "편리",
        "상황": "지갑허전",
        "관심분야": "복지, 교통",
        "공개": "Y",
        "자격기준": json.dumps([{"kind": "age", "params": {"min": 65}}]),
    }
    row.update(overrides)
    return row


def to_csv(rows: list[dict[str, str]], header=None, encoding="utf-8", bom=False) -> bytes:
    header = header or HEADER
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def to_xlsx(rows: list[dict[str, str]], header=None) -> bytes:
    from openpyxl import Workbook

    header = header or HEADER
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(name, "") for name in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def run(db):
    def run_import(data: bytes, **kwargs):
        kwargs.setdefault("actor", None)
        return catalogue_io.catalogue_import(data=data, **kwargs)

    return run_import


# --- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("cp949", False), ("euc-kr", False)]
)
def test_reads_csv_in_each_encoding(run, encoding, bom):
    report = run(to_csv([service_row(1), service_row(2)], encoding=encoding, bom=bom))
    assert report.errors == []
    assert report.created == 2
    service = Service.objects.get(source="gov24", source_id="SVC-0001")
    assert service.name == "어르신 교통비 지원 1"
    assert service.field == Service.Field.LIVELIHOOD
    assert service.provider_kind == Service.ProviderKind.DISTRICT
    assert service.documents == "- 신분증\n- 통장 사본"
    assert report.encoding in {"utf-8", "utf-8-sig", "cp949"}


def test_reads_xlsx(run):
    report = run(to_xlsx([service_row(1), {}, service_row(2)]))
    assert report.errors == []
    assert report.encoding == "xlsx"
    assert report.created == 2
    service = Service.objects.get(source_id="SVC-0002")
    assert service.rules.get().params == {"min": 65}
    assert str(service.last_checked) == "2026-03-01"


def test_xlsx_date_cells(run):
    import datetime

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    row = service_row(1)
    row["최종확인일"] = datetime.datetime(2026, 3, 1)
    sheet.append([row.get(name, "") for name in HEADER])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = run(buffer.getvalue())
    assert report.errors == []
    assert str(Service.objects.get().last_checked) == "2026-03-01"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "비어 있습니다"),
        (b"   \r\n", "비어 있습니다"),
        ("출처번호,서비스명\r\n".encode(), "꼭 있어야 할 열"),
        (to_csv([], header=HEADER), "가져올 행이 없습니다"),
        (
            to_csv([service_row()], header=[*HEADER, "서비스명"]),
            "같은 열 이름이 두 번",
        ),
        (to_csv([service_row()], header=[*HEADER, "비고"]), "알 수 없는 열 이름: 비고"),
        (b"%PDF-1.7\n\x00\x01\x02\xff\xfe binary", "CSV 파일로 읽을 수 없습니다"),
        (bytes(range(256)) * 4, "CSV 파일로 읽을 수 없습니다"),
        (b"PK\x03\x04 not really a zip", "XLSX 파일을 열 수 없습니다"),
        ('출처번호,"서비스명\r\n'.encode(), "CSV"),
    ],
)
def test_malformed_files_are_refused_whole(run, data, message):
    with pytest.raises(CatalogueFileError, match=message):
        run(data)
    assert not Service.objects.exists()


def test_row_limit(run):
    with pytest.raises(CatalogueFileError, match="행이 너무 많습니다"):
        run(to_csv([service_row(i) for i in range(1, 5)]), max_rows=3)


# --- checking ------------------------------------------------------------------------------


def test_every_error_is_reported_and_nothing_imported(run):
    rows = [
        service_row(1),
        service_row(2, 분야="복지서비스"),
        service_row(3, 생애주기="어르신, 노인"),
        service_row(4, 최종확인일="2026/03/01", 다음검토일="2026-02-30"),
        service_row(5, 온라인신청="www.gov.kr", 출처주소="javascript:alert(1)"),
        service_row(6, 자격기준="[{kind: age}]"),
        service_row(7, 자격기준='[{"kind": "height", "params": {}}]'),
        service_row(1, 서비스명="겹침"),
        service_row(9, 서비스명="", 공개="아마도"),
        service_row(10, 담당부서="민원여권과"),
    ]
    report = run(to_csv(rows))
    assert not Service.objects.exists()
    assert report.created == report.updated == 0
    messages = [str(issue) for issue in report.errors]
    assert messages[0].startswith(
        "3행 '분야' 열: '복지서비스'는 분야 목록에 없습니다. 가능한 값: 생활안정,"
    )
    by_cell = {(issue.row, issue.column) for issue in report.errors}
    assert {
        (3, "분야"),
        (4, "생애주기"),
        (5, "최종확인일"),
        (5, "다음검토일"),
        (6, "온라인신청"),
        (6, "출처주소"),
        (7, "자격기준"),
        (8, "자격기준"),
        (9, "출처번호"),
        (10, "서비스명"),
        (10, "공개"),
        (11, "담당부서"),
    } <= by_cell
    assert "'노인'는 생애주기 목록에 없습니다" in " ".join(messages)
    assert "2행과 겹칩니다" in " ".join(messages)


def test_department_is_looked_up_in_the_organisation(run, district, department):
    report = run(to_csv([service_row(1, 담당부서="민원여권과")]), organization=district)
    assert report.errors == []
    service = Service.objects.get()
    assert service.department == department
    assert service.organization == district
    report = run(to_csv([service_row(2, 담당부서="없는과")]), organization=district)
    assert [issue.column for issue in report.errors] == ["담당부서"]


def test_source_id_of_another_organisation_is_an_error(run, district, city):
    run(to_csv([service_row(1)]), organization=city)
    report = run(to_csv([service_row(1)]), organization=district)
    assert [(issue.row, issue.column) for issue in report.errors] == [(2, "출처번호")]
    assert "다른 기관(시험특별시)" in str(report.errors[0])


def test_optional_columns_may_be_left_out(run):
    header = ["출처번호", "서비스명", "서비스목적", "분야", "제공기관", "제공기관유형"]
    report = run(to_csv([service_row(1)], header=header), source="bokjiro")
    assert report.errors == []
    service = Service.objects.get()
    assert service.source == "bokjiro"
    assert service.published is True
    assert service.life_stages == 0


def test_formula_escape_is_removed(run):
    report = run(to_csv([service_row(1, 구비서류="'=1+2")]))
    assert report.errors == []
    assert Service.objects.get().documents == "=1+2"


# --- the import ----------------------------------------------------------------------------


def test_second_run_changes_nothing_and_changes_are_updates(run):
    data = to_csv([service_row(1), service_row(2)])
    first = run(data)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    audits = AuditEvent.objects.filter(action="services.catalogue.import")
    assert audits.count() == 1
    assert audits.get().after == {
        "source": "local",
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "errors": 0,
    }
    second = run(data)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert audits.count() == 1

    changed = run(to_csv([service_row(1, 지원내용="분기별 5만 원", 자격기준=""), service_row(2)]))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    service = Service.objects.get(source_id="SVC-0001")
    assert service.benefit == "분기별 5만 원"
    assert not service.rules.exists()


def test_permission(run, district, officer):
    from django.contrib.auth.models import Permission

    with pytest.raises(PermissionDenied):
        run(to_csv([service_row(1)]), actor=officer, organization=district)
    officer.user_permissions.add(Permission.objects.get(codename="change_service"))
    officer = type(officer).objects.get(pk=officer.pk)
    with pytest.raises(PermissionDenied):
        run(to_csv([service_row(1)]), actor=officer, organization=None)
    report = run(to_csv([service_row(1)]), actor=officer, organization=district)
    assert report.created == 1


def test_progress_is_reported(run, monkeypatch):
    monkeypatch.setattr(catalogue_io, "BATCH_SIZE", 2)
    calls = []
    run(to_csv([service_row(i) for i in range(1, 6)]), progress=lambda d, t: calls.append((d, t)))
    assert calls == [(2, 5), (4, 5), (5, 5)]


# --- export and round trip -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_import_round_trip(run, district, department, fmt):
    rows = [
        service_row(1, 담당부서="민원여권과", 구비서류="=SUM(A1)", 공개="N"),
        service_row(
            2,
            자격기준=json.dumps(
                [
                    {"kind": "age", "params": {"max": 34}, "text": "청년"},
                    {"kind": "residence", "params": {"organizations": ["testgu"]}},
                ]
            ),
            최종확인일="",
            생애주기="",
        ),
    ]
    assert run(to_csv(rows), organization=district).errors == []
    services = catalogue_export.export_queryset(organization=district)
    data = (catalogue_export.export_xlsx if fmt == "xlsx" else catalogue_export.export_csv)(
        services
    )
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf")
        assert "'=SUM(A1)" in data.decode("utf-8-sig")
    again = run(data, organization=district)
    assert again.errors == []
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    # Into an empty database it recreates the same services.
    Service.objects.all().delete()
    assert run(data, organization=district).created == 2
    assert Service.objects.get(source_id="SVC-0001").documents == "=SUM(A1)"
    assert Service.objects.get(source_id="SVC-0001").published is False


# --- the commands --------------------------------------------------------------------------


def test_import_command(tmp_path, district, capsys):
    path = tmp_path / "services.csv"
    path.write_bytes(to_csv([service_row(1), service_row(2)], encoding="cp949"))
    call_command("services_import", str(path), "--organization", "testgu")
    out, err = capsys.readouterr()
    assert "2행 읽음 (cp949), 기관 시험구: 새로 만듦 2, 고침 0, 그대로 0" in out
    assert "가져오는 중" in err  # the progress bar
    call_command("services_import", str(path), "--organization", "testgu", "--quiet")
    out, err = capsys.readouterr()
    assert out == err == ""


def test_import_command_errors(tmp_path, db, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(to_csv([service_row(1, 분야="복지서비스")]))
    with pytest.raises(CommandError, match="아무것도 가져오지 않았습니다"):
        call_command("services_import", str(path), "--quiet")
    _out, err = capsys.readouterr()
    assert "2행 '분야' 열: '복지서비스'는 분야 목록에 없습니다" in err
    assert not Service.objects.exists()
    with pytest.raises(CommandError, match="기관이 없습니다"):
        call_command("services_import", str(path), "--organization", "nowhere")
    with pytest.raises(CommandError, match="파일이 없습니다"):
        call_command("services_import", str(tmp_path / "missing.csv"))
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(CommandError, match="비어 있습니다"):
        call_command("services_import", str(tmp_path / "empty.csv"))


def test_import_command_exit_code(tmp_path, db):
    """From the command line, the command exits non-zero on errors."""
    path = tmp_path / "bad.csv"
    path.write_bytes(to_csv([service_row(1, 분야="복지서비스")]))
    with pytest.raises(SystemExit) as exc:
        from django.core.management import ManagementUtility

        ManagementUtility(["manage.py", "services_import", str(path), "--quiet"]).execute()
    assert exc.value.code != 0


def test_export_command(tmp_path, district, run):
    run(to_csv([service_row(1)]), organization=district)
    run(to_csv([service_row(2)]))
    csv_path = tmp_path / "out.csv"
    call_command("services_export", str(csv_path), "--organization", "testgu", "--quiet")
    text = csv_path.read_bytes().decode("utf-8-sig")
    assert "SVC-0001" in text and "SVC-0002" not in text
    xlsx_path = tmp_path / "out.xlsx"
    call_command("services_export", str(xlsx_path), "--quiet")
    parsed = catalogue_rows.read(xlsx_path.read_bytes())
    assert [row.values["출처번호"] for row in parsed.rows] == ["SVC-0002"]
    call_command(
        "services_export", str(tmp_path / "all.csv"), "--all", "--format", "csv", "--quiet"
    )
    assert (tmp_path / "all.csv").read_bytes().decode("utf-8-sig").count("SVC-") == 2
