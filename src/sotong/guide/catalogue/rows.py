"""The rows of a service catalogue spreadsheet (CSV or XLSX), with Korean column names (see
README_catalogue_io.md for the layout): the layout, reading a file into numbered rows, and
checking every row.

- `read(data)` turns the bytes of a CSV (UTF-8 with or without BOM, or CP949/EUC-KR) or an XLSX
  file (first sheet, header in row 1) into numbered rows; a file that cannot be read as a whole
  raises `CatalogueFileError` (Korean message).
- `check(rows, organization=…)` validates EVERY row and returns the cleaned rows and the errors,
  each naming its row and column.

Encoding detection is `core.text.decode_csv` (UTF-8 strictly first, then CP949), shared with the
FAQ import. The import itself is `catalogue_io`, the export `catalogue_export`."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import translation
from django.utils.translation import gettext as _

from sotong.core import vocab
from sotong.core.text import clean_text, decode_csv
from sotong.guide.models import (
    Service,
    ServiceLifeStage,
    ServiceSituation,
    ServiceValue,
    source_validator,
)
from sotong.org.models import Department, Organization

FIELD_SIZE_LIMIT = 1024 * 1024


class CatalogueFileError(Exception):
    """The file as a whole cannot be read. The message is Korean."""


# --- the layout -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    name: str  # service_create keyword (or "source"/"source_id")
    kind: str = "text"  # text, choice, date, url, facets, bool, rules, department
    required: bool = False
    choices: Any = None


COLUMNS: tuple[Column, ...] = (
    Column("출처", "source"),
    Column("출처번호", "source_id", required=True),
    Column("서비스명", "name", required=True),
    Column("서비스목적", "summary", required=True),
    Column("분야", "field", "choice", True, Service.Field),
    Column("제공기관", "provider_name", required=True),
    Column("제공기관유형", "provider_kind", "choice", True, Service.ProviderKind),
    Column("담당부서", "department", "department"),
    Column("지원대상", "target"),
    Column("선정기준", "criteria"),
    Column("지원내용", "benefit"),
    Column("신청기간", "application_period"),
    Column("온라인신청", "apply_online_url", "url"),
    Column("방문신청", "apply_visit"),
    Column("전화신청", "apply_phone"),
    Column("구비서류", "documents"),
    Column("접수기관", "receiving_office"),
    Column("문의처", "contact"),
    Column("출처주소", "source_url", "url"),
    Column("최종확인일", "last_checked", "date"),
    Column("다음검토일", "review_due", "date"),
    Column("생애주기", "life_stages", "facets", choices=ServiceLifeStage),
    Column("대상특성", "target_groups", "facets", choices=vocab.TargetGroup),
    Column("가치", "values", "facets", choices=ServiceValue),
    Column("상황", "situations", "facets", choices=ServiceSituation),
    Column("관심분야", "interests", "facets", choices=vocab.Interest),
    Column("공개", "published", "bool"),
    Column("자격기준", "rules", "rules"),
)
HEADERS = tuple(column.header for column in COLUMNS)
COLUMN_BY_HEADER = {column.header: column for column in COLUMNS}
REQUIRED_HEADERS = tuple(column.header for column in COLUMNS if column.required)
# What an import compares and writes (source and source_id are the key).
DATA_COLUMNS = tuple(c for c in COLUMNS if c.name not in ("source", "source_id"))
FACET_COLUMNS = tuple(c for c in COLUMNS if c.kind == "facets")
TRUE_WORDS = {"y", "yes", "true", "1", "예", "공개", "o"}
FALSE_WORDS = {"n", "no", "false", "0", "아니오", "아니요", "비공개", "x"}
LIST_SPLIT_RE = re.compile(r"[,;，；]")
DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})(?: 00:00(?::00)?)?")


def korean_labels(choices) -> dict[str, str]:
    """value → Korean label, whatever language is active."""
    with translation.override("ko"):
        return {value: str(label) for value, label in choices.choices}


def _label_lookup(choices) -> dict[str, str]:
    """Korean label (and the value itself) → value."""
    lookup = {label: value for value, label in korean_labels(choices).items()}
    lookup.update({value: value for value in choices.values})
    return lookup


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One record. `number` is the row as a spreadsheet shows it (the header is row 1)."""

    number: int
    values: dict[str, Any]


@dataclass
class ParsedFile:
    headers: list[str]
    rows: list[Row]
    encoding: str  # "xlsx" for a workbook


def read(data: bytes, *, max_rows: int | None = None) -> ParsedFile:
    """Rows of a CSV or XLSX file, with the header checked. Raises `CatalogueFileError`."""
    if not data or not data.strip():
        raise CatalogueFileError(_("파일이 비어 있습니다."))
    if data.startswith(b"PK\x03\x04"):
        headers, rows = _read_xlsx(data, max_rows)
        encoding = "xlsx"
    else:
        text, encoding = _decode(data)
        headers, rows = _read_csv(text, max_rows)
    if not rows:
        raise CatalogueFileError(_("첫 줄(열 이름) 아래에 가져올 행이 없습니다."))
    return ParsedFile(headers=headers, rows=rows, encoding=encoding)


def _decode(data: bytes) -> tuple[str, str]:
    decoded = decode_csv(data)
    # A NUL in decoded text means a binary file, not a CSV in another encoding.
    if decoded is not None and "\x00" not in decoded[0]:
        return decoded
    raise CatalogueFileError(
        _(
            "CSV 파일로 읽을 수 없습니다. 문자 인코딩을 알 수 없거나 CSV가 아닌 파일입니다. "
            "UTF-8 또는 CP949(EUC-KR) CSV, 또는 XLSX로 저장해 주세요."
        )
    )


def _check_header(raw: list[Any]) -> list[str]:
    """The column names, checked; empty trailing cells are ignored."""
    names = [clean_text(str(name)) if name is not None else "" for name in raw]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise CatalogueFileError(_("파일이 비어 있습니다."))
    seen: set[str] = set()
    duplicates = []
    for name in names:
        if name and name in seen and name not in duplicates:
            duplicates.append(name)
        seen.add(name)
    if duplicates:
        raise CatalogueFileError(
            _("첫 줄에 같은 열 이름이 두 번 있습니다: %(names)s") % {"names": ", ".join(duplicates)}
        )
    if "" in names:
        raise CatalogueFileError(
            _("첫 줄의 %(position)d번째 열 이름이 비어 있습니다.")
            % {"position": names.index("") + 1}
        )
    unknown = [name for name in names if name not in COLUMN_BY_HEADER]
    if unknown:
        raise CatalogueFileError(
            _("알 수 없는 열 이름: %(unknown)s. 쓸 수 있는 열: %(columns)s")
            % {"unknown": ", ".join(unknown), "columns": ", ".join(HEADERS)}
        )
    missing = [name for name in REQUIRED_HEADERS if name not in names]
    if missing:
        raise CatalogueFileError(
            _("첫 줄에 꼭 있어야 할 열 %(missing)s이(가) 없습니다. 필수 열: %(required)s")
            % {"missing": ", ".join(missing), "required": ", ".join(REQUIRED_HEADERS)}
        )
    return names


def _too_many(max_rows: int) -> CatalogueFileError:
    return CatalogueFileError(
        _("행이 너무 많습니다. 한 파일에 %(max)s행까지 올릴 수 있습니다. 파일을 나눠 주세요.")
        % {"max": f"{max_rows:,}"}
    )


def _read_csv(text: str, max_rows: int | None) -> tuple[list[str], list[Row]]:
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise CatalogueFileError(_("파일이 비어 있습니다.")) from None
    except csv.Error as exc:
        raise CatalogueFileError(_("CSV 형식이 아닙니다: %(error)s") % {"error": exc}) from None
    names = _check_header(header)
    rows: list[Row] = []
    number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CatalogueFileError(
                _("%(row)d행 근처에서 CSV를 읽을 수 없습니다: %(error)s")
                % {"row": number + 1, "error": exc}
            ) from None
        number += 1
        if not any(cell.strip() for cell in cells):
            continue
        rows.append(
            Row(number, {n: (cells[i] if i < len(cells) else "") for i, n in enumerate(names)})
        )
        if max_rows is not None and len(rows) > max_rows:
            raise _too_many(max_rows)
    return names, rows


def _read_xlsx(data: bytes, max_rows: int | None) -> tuple[list[str], list[Row]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise CatalogueFileError(
            _("XLSX 파일을 열 수 없습니다. 파일이 손상되었거나 XLSX가 아닙니다. (%(error)s)")
            % {"error": type(exc).__name__}
        ) from None
    try:
        if not workbook.worksheets:
            raise CatalogueFileError(_("XLSX 파일에 시트가 없습니다."))
        sheet = workbook.worksheets[0]
        iterator = sheet.iter_rows(values_only=True)
        header = next(iterator, None)
        if header is None:
            raise CatalogueFileError(_("파일이 비어 있습니다."))
        names = _check_header(list(header))
        rows: list[Row] = []
        for number, cells in enumerate(iterator, start=2):
            values = [_xlsx_cell(cell) for cell in cells]
            if not any(value.strip() for value in values):
                continue
            rows.append(
                Row(
                    number, {n: (values[i] if i < len(values) else "") for i, n in enumerate(names)}
                )
            )
            if max_rows is not None and len(rows) > max_rows:
                raise _too_many(max_rows)
        return names, rows
    except CatalogueFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged sheet
        raise CatalogueFileError(
            _("XLSX 파일을 읽을 수 없습니다. (%(error)s)") % {"error": type(exc).__name__}
        ) from None
    finally:
        workbook.close()


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- checking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message
        return _("%(row)d행 '%(column)s' 열: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class CleanRow:
    number: int
    source: str
    source_id: str
    data: dict[str, Any]  # service_create keywords present in the file, cleaned


@dataclass
class Report:
    source: str = "local"
    organization: Organization | None = None
    encoding: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[Issue] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.created + self.updated + self.unchanged

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": len(self.errors),
        }


def _unescape(text: str) -> str:
    if len(text) > 1 and text[0] == "'" and text[1] in ("=", "+", "-", "@"):
        return text[1:]
    return text


def check(
    rows: list[Row], *, organization: Organization | None, source: str = "local"
) -> tuple[list[CleanRow], list[Issue]]:
    """Validates every row (nothing is written). `source` is used where the 출처 column is
    missing or empty."""
    errors: list[Issue] = []
    clean: list[CleanRow] = []
    first_row_of: dict[tuple[str, str], int] = {}
    departments = _departments(organization)
    lookups = {c.header: _label_lookup(c.choices) for c in COLUMNS if c.choices is not None}
    url_validator = URLValidator(schemes=["http", "https"])
    for row in rows:
        before = len(errors)

        def error(column: str, message: str, row=row) -> None:
            errors.append(Issue(row.number, column, message))

        row_source = clean_text(row.values.get("출처")) or source
        try:
            source_validator(row_source)
        except ValidationError:
            error(
                "출처",
                _("출처 코드 '%(value)s'는 영문 소문자, 숫자, _, -로 2–30자여야 합니다.")
                % {"value": row_source[:40]},
            )
        source_id = clean_text(row.values.get("출처번호"))
        if not source_id:
            error("출처번호", _("출처번호가 비어 있습니다."))
        elif len(source_id) > 60 or any(ch.isspace() for ch in source_id):
            error("출처번호", _("출처번호는 빈칸 없이 60자까지입니다."))
        elif (row_source, source_id) in first_row_of:
            error(
                "출처번호",
                _("출처번호 '%(id)s'이(가) %(row)d행과 겹칩니다.")
                % {"id": source_id, "row": first_row_of[(row_source, source_id)]},
            )
        else:
            first_row_of[(row_source, source_id)] = row.number

        data: dict[str, Any] = {}
        for column in DATA_COLUMNS:
            if column.header not in row.values:
                continue
            raw = _unescape(clean_text(row.values[column.header]))
            value = _clean_cell(column, raw, error, lookups, departments, url_validator)
            if value is not _INVALID:
                data[column.name] = value
        if len(errors) == before:
            clean.append(CleanRow(row.number, row_source, source_id, data))
    return clean, errors


_INVALID = object()


@dataclass(frozen=True)
class _Cells:
    """What the cell checks of one file share: the error sink and the lookups built once."""

    error: Any
    lookups: dict
    departments: dict | None
    url_validator: Any


def _clean_cell(column, raw, error, lookups, departments, url_validator):
    if column.required and not raw:
        error(column.header, _("값이 비어 있습니다. 이 열은 꼭 채워야 합니다."))
        return _INVALID
    if column.kind == "rules":
        return _clean_rules(raw, error, column.header)
    clean = _CELL_CLEANERS.get(column.kind)
    if clean is None:
        raise AssertionError(column.kind)
    return clean(column, raw, _Cells(error, lookups, departments, url_validator))


def _text_cell(column, raw, cells: _Cells):
    limit = Service._meta.get_field(column.name).max_length
    if limit and len(raw) > limit:
        cells.error(
            column.header,
            _("%(max)d자까지 쓸 수 있습니다 (지금 %(length)d자).")
            % {"max": limit, "length": len(raw)},
        )
        return _INVALID
    return raw


def _not_in_list(column, cells: _Cells, value: str) -> object:
    cells.error(
        column.header,
        _("'%(value)s'는 %(column)s 목록에 없습니다. 가능한 값: %(allowed)s")
        % {
            "value": value,
            "column": column.header,
            "allowed": ", ".join(korean_labels(column.choices).values()),
        },
    )
    return _INVALID


def _choice_cell(column, raw, cells: _Cells):
    lookup = cells.lookups[column.header]
    if raw not in lookup:
        return _not_in_list(column, cells, raw[:40])
    return lookup[raw]


def _facets_cell(column, raw, cells: _Cells):
    lookup = cells.lookups[column.header]
    values = []
    bad = []
    for part in LIST_SPLIT_RE.split(raw):
        label = part.strip()
        if not label:
            continue
        if label in lookup:
            if lookup[label] not in values:
                values.append(lookup[label])
        else:
            bad.append(label[:40])
    if bad:
        return _not_in_list(column, cells, "', '".join(bad))
    order = list(column.choices.values)
    return sorted(values, key=order.index)


def _date_cell(column, raw, cells: _Cells):
    if not raw:
        return None
    match = DATE_RE.fullmatch(raw)
    try:
        if match is None:
            raise ValueError(raw)
        return datetime.date.fromisoformat(match.group(1))
    except ValueError:
        cells.error(
            column.header,
            _("'%(value)s'는 날짜가 아닙니다. YYYY-MM-DD 형식(예: 2026-03-01)으로 쓰세요.")
            % {"value": raw[:40]},
        )
        return _INVALID


def _url_cell(column, raw, cells: _Cells):
    if not raw:
        return ""
    limit = Service._meta.get_field(column.name).max_length
    try:
        cells.url_validator(raw)
        if len(raw) > limit:
            raise ValidationError("too long")
    except ValidationError:
        cells.error(
            column.header,
            _(
                "'%(value)s'는 올바른 인터넷 주소가 아닙니다. http:// 또는 https://로 시작하는 "
                "%(max)d자 이하의 주소를 쓰세요."
            )
            % {"value": raw[:60], "max": limit},
        )
        return _INVALID
    return raw


def _bool_cell(column, raw, cells: _Cells):
    word = raw.lower()
    if not word or word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    cells.error(
        column.header, _("'%(value)s' 대신 Y(공개) 또는 N(비공개)를 쓰세요.") % {"value": raw[:20]}
    )
    return _INVALID


def _department_cell(column, raw, cells: _Cells):
    if not raw:
        return None
    if cells.departments is None:
        cells.error(column.header, _("기관을 정하지 않은 가져오기에는 담당부서를 쓸 수 없습니다."))
        return _INVALID
    if raw not in cells.departments:
        cells.error(
            column.header,
            _("'%(value)s'는 이 기관의 부서가 아닙니다.") % {"value": raw[:60]},
        )
        return _INVALID
    return cells.departments[raw]


_CELL_CLEANERS = {
    "text": _text_cell,
    "choice": _choice_cell,
    "facets": _facets_cell,
    "date": _date_cell,
    "url": _url_cell,
    "bool": _bool_cell,
    "department": _department_cell,
}


def _clean_rules(raw: str, error, header: str):
    if not raw:
        return []
    try:
        rules = json.loads(raw)
    except json.JSONDecodeError as exc:
        error(
            header,
            _("JSON 형식이 아닙니다 (%(position)d번째 글자): %(error)s")
            % {"position": exc.pos + 1, "error": exc.msg},
        )
        return _INVALID
    if not isinstance(rules, list):
        error(header, _('규칙의 목록이어야 합니다. 예: [{"kind": "age", "params": {"min": 65}}]'))
        return _INVALID
    for number, rule in enumerate(rules, start=1):
        unknown = set(rule) - {"kind", "params", "text"} if isinstance(rule, dict) else set()
        if unknown:
            error(
                header,
                _(
                    "%(n)d번째 자격 기준: 알 수 없는 항목 %(keys)s (쓸 수 있는 항목: kind, params, text)"
                )
                % {"n": number, "keys": ", ".join(sorted(map(str, unknown)))},
            )
            return _INVALID
    from sotong.guide.catalogue.services import clean_rules

    try:
        return clean_rules(rules)
    except ValidationError as exc:
        for message in exc.messages:
            error(header, message)
        return _INVALID


def _departments(organization: Organization | None) -> dict[str, Department] | None:
    if organization is None:
        return None
    return {d.name: d for d in Department.objects.filter(organization=organization)}
