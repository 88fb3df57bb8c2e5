"""Exporting the service catalogue as a spreadsheet (CSV or XLSX) in the layout of
`catalogue_rows`, so export → import (`catalogue_io`) changes nothing."""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable

from django.db.models import QuerySet

from sotong.core import vocab
from sotong.core.text import CONTROL_RE
from sotong.guide.catalogue.rows import COLUMNS, HEADERS, korean_labels
from sotong.guide.models import Service
from sotong.org.models import Organization

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Spreadsheet programs run a cell starting with these as a formula (CSV injection): the CSV export
# prefixes such a cell with an apostrophe, which the import removes again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_queryset(
    *, organization: Organization | None, everything: bool = False
) -> QuerySet[Service]:
    queryset = Service.objects.select_related("department").prefetch_related("rules")
    if not everything:
        queryset = queryset.filter(organization=organization)
    return queryset.order_by("source", "source_id", "pk")


def export_rows(services: Iterable[Service]) -> Iterable[list[str]]:
    """The header, then one list of cells per service (strings, as the import reads them)."""
    yield list(HEADERS)
    labels = {c.header: korean_labels(c.choices) for c in COLUMNS if c.choices is not None}
    for service in services:
        cells = []
        for column in COLUMNS:
            value = getattr(service, column.name, None) if column.kind != "rules" else None
            if column.kind == "choice":
                cell = labels[column.header].get(value, value)
            elif column.kind == "facets":
                cell = ", ".join(
                    labels[column.header][v] for v in vocab.from_mask(column.choices, value)
                )
            elif column.kind == "date":
                cell = value.isoformat() if value else ""
            elif column.kind == "bool":
                cell = "Y" if value else "N"
            elif column.kind == "department":
                cell = value.name if value else ""
            elif column.kind == "rules":
                rules = [
                    {"kind": r.kind, "params": r.params, **({"text": r.text} if r.text else {})}
                    for r in service.rules.all()
                ]
                cell = json.dumps(rules, ensure_ascii=False) if rules else ""
            else:
                cell = value or ""
            cells.append(str(cell))
        yield cells


def _escape(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def export_csv(services: Iterable[Service]) -> bytes:
    """UTF-8 with BOM (so Excel recognises it), CRLF line ends; formula-like cells escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for number, cells in enumerate(export_rows(services)):
        writer.writerow(cells if number == 0 else [_escape(cell) for cell in cells])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def export_xlsx(services: Iterable[Service]) -> bytes:
    """One sheet, header in row 1; every cell is text (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("서비스")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    for number, cells in enumerate(export_rows(services)):
        row = []
        for value in cells:
            cell = WriteOnlyCell(sheet, value=CONTROL_RE.sub("", value) or None)
            if value:
                cell.data_type = "s"
            if number == 0:
                cell.font = bold
            row.append(cell)
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
