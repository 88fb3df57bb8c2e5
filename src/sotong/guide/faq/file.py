"""Reading a knowledge-base CSV file (the Seoul 120 layout: 번호,분류,제목,내용,내용번호).

Only parsing lives here: bytes in, numbered rows out. Checking the rows and writing them is
`services.faq_import`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from sotong.core.text import decode_csv

COLUMN_NUMBER = "번호"
COLUMN_CATEGORY = "분류"
COLUMN_TITLE = "제목"
COLUMN_ANSWER = "내용"
COLUMN_SOURCE_ID = "내용번호"
COLUMNS = (COLUMN_NUMBER, COLUMN_CATEGORY, COLUMN_TITLE, COLUMN_ANSWER, COLUMN_SOURCE_ID)
# 번호 is only the row's place in the source's listing; everything else is needed.
REQUIRED_COLUMNS = (COLUMN_CATEGORY, COLUMN_TITLE, COLUMN_ANSWER, COLUMN_SOURCE_ID)
# One answer of the Seoul file has 26,000 characters; csv's default limit (128 KiB) is enough
# for text, but a broken quote can swallow the rest of a file into one field: keep that readable.
FIELD_SIZE_LIMIT = 1024 * 1024


class FaqFileError(Exception):
    """The file as a whole cannot be read (encoding, header). The message is Korean."""


@dataclass(frozen=True)
class FaqRow:
    """One record of the file. `number` is the row as a spreadsheet shows it: the header is
    row 1, the first record row 2 (a record whose answer spans lines is still one row)."""

    number: int
    values: dict[str, str]


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was in (see `core.text.decode_csv`)."""
    decoded = decode_csv(data)
    if decoded is not None:
        return decoded
    raise FaqFileError(
        _("파일의 문자 인코딩을 알 수 없습니다. UTF-8 또는 CP949(EUC-KR)로 저장해 주세요.")
    )


def parse(text: str) -> list[FaqRow]:
    """Rows of the text, with the header checked. An answer may span lines inside quotes."""
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise FaqFileError(_("파일이 비어 있습니다.")) from None
    except csv.Error as exc:
        raise FaqFileError(_("CSV 형식이 아닙니다: %(error)s") % {"error": exc}) from None
    names = [name.strip() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise FaqFileError(
            _("첫 줄에 열 이름 %(missing)s이(가) 없습니다. 필요한 열: %(columns)s")
            % {"missing": ", ".join(missing), "columns": ",".join(COLUMNS)}
        )
    return list(_records(reader, names))


def _records(reader, names: list[str]) -> Iterator[FaqRow]:
    number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FaqFileError(
                _("%(row)d행 근처에서 CSV를 읽을 수 없습니다: %(error)s")
                % {"row": number + 1, "error": exc}
            ) from None
        number += 1
        if not any(cell.strip() for cell in cells):
            continue
        # A short row leaves its last columns empty; cells beyond the header are ignored.
        values = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(names)}
        yield FaqRow(number=number, values=values)


def read(data: bytes) -> tuple[list[FaqRow], str]:
    text, encoding = decode(data)
    return parse(text), encoding
