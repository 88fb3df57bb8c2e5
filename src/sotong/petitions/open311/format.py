"""The wire format of Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): XML and JSON
documents, dates, the `errors` list, and service attributes (`Category.attributes`).

Shapes, as the specification and its reference clients define them:
- a list resource is a JSON array; in XML a root element (`services`, `service_requests`,
  `errors`) holding one element per item (`service`, `request`, `error`);
- a single resource (`discovery`, `service_definition`) is a JSON object; in XML the root
  element holds its fields;
- nested lists (`endpoints`, `formats`, `attributes`, `values`) are JSON arrays and XML
  containers of `endpoint`, `format`, `attribute`, `value` elements;
- a missing value is JSON `null` and an empty XML element; booleans are `true`/`false`;
- every XML document starts with the declaration with encoding="utf-8";
- dates are ISO 8601 with their offset (we answer in Asia/Seoul: 2025-10-14T18:00:00+09:00).

Pure functions, no database: the views in `api.py` build plain dicts and lists."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

SEOUL = ZoneInfo("Asia/Seoul")
FORMATS = ("xml", "json")
CONTENT_TYPES = {
    "xml": "text/xml; charset=utf-8",
    "json": "application/json; charset=utf-8",
}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# Element name of one member of each nested list.
CHILD_ELEMENTS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")
# Characters XML 1.0 cannot carry at all (a petition text typed with a stray control key).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# --- documents -------------------------------------------------------------------------------


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return _XML_ILLEGAL.sub("", str(value))


def _xml_escape(text: str) -> str:
    # What ElementTree escapes in element text: &, < and >.
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _xml_fill(out: list[str], tag: str, value: Any) -> None:
    """`value` as the element `tag`, appended to `out` as ElementTree writes it (an element
    without text or children as `<tag />`), without building a tree: the documents are small
    and flat, and the tree cost more than the rest of a POST's answer."""
    if isinstance(value, Mapping):
        if not value:
            out.append(f"<{tag} />")
            return
        out.append(f"<{tag}>")
        for name, child in value.items():
            _xml_fill(out, name, child)
        out.append(f"</{tag}>")
    elif isinstance(value, list | tuple):
        if not value:
            out.append(f"<{tag} />")
            return
        child_name = CHILD_ELEMENTS.get(tag, "item")
        out.append(f"<{tag}>")
        for child in value:
            _xml_fill(out, child_name, child)
        out.append(f"</{tag}>")
    else:
        text = _xml_text(value)
        out.append(f"<{tag}>{_xml_escape(text)}</{tag}>" if text else f"<{tag} />")


def to_xml(data: Any, *, root: str, item: str | None = None) -> str:
    """`data` (a list of dicts with `item`, or one dict) as a GeoReport XML document."""
    out = [XML_DECLARATION]
    if item is None:
        _xml_fill(out, root, data)
    elif not data:
        out.append(f"<{root} />")
    else:
        out.append(f"<{root}>")
        for member in data:
            _xml_fill(out, item, member)
        out.append(f"</{root}>")
    return "".join(out)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=_json_default)


def response(
    fmt: str, data: Any, *, root: str, item: str | None = None, status: int = 200
) -> HttpResponse:
    """A GeoReport document in `fmt` ("xml" or "json")."""
    body = to_json(data) if fmt == "json" else to_xml(data, root=root, item=item)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


class Open311Error(Exception):
    """A request the API refuses: the HTTP status and the spec's error list (code,
    description). Several errors may be reported at once (every invalid field of a POST)."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(*descriptions)
        self.status = status
        self.errors = [(status, str(description)) for description in descriptions]

    @classmethod
    def from_validation(cls, error: ValidationError) -> Open311Error:
        """A Korean `ValidationError` (per field or not) as a 400 with one error per message."""
        messages: list[str] = []
        if hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                prefix = "" if field == "__all__" else f"{field}: "
                messages.extend(f"{prefix}{message}" for message in errors)
        else:
            messages.extend(error.messages)
        return cls(400, *(messages or [_("요청을 처리할 수 없습니다.")]))


def error_response(fmt: str, error: Open311Error) -> HttpResponse:
    """The spec's `errors` document: `<errors><error><code/><description/></error></errors>`
    or `[{"code": 400, "description": "…"}]`, with the first error's status."""
    items = [{"code": code, "description": description} for code, description in error.errors]
    return response(
        fmt if fmt in FORMATS else "xml", items, root="errors", item="error", status=error.status
    )


# --- dates -----------------------------------------------------------------------------------


def format_datetime(value: datetime | None) -> str | None:
    """ISO 8601 with the offset, in Seoul time, to the second."""
    if value is None:
        return None
    return value.astimezone(SEOUL).isoformat(timespec="seconds")


# The dates a request may name. Any petition falls inside; and every sum made with a date inside
# (a 90-day window, the end of a day, the change to UTC or Seoul) stays within Python's years
# 1–9999, where 9999-12-31T23:59:59Z in Seoul or 0001-01-01 in UTC overflowed (a 500).
EARLIEST = datetime(1900, 1, 1, tzinfo=SEOUL)
LATEST = datetime(3000, 1, 1, tzinfo=SEOUL)


class DateOutOfRange(ValueError):
    """A well-formed date outside EARLIEST–LATEST."""


def parse_datetime(raw: str, *, end_of_day: bool = False) -> datetime:
    """A `start_date`/`end_date` parameter: ISO 8601 date or date-time (w3 profile). A time
    without offset is Seoul time; a date alone is the start of that day (or, with
    `end_of_day`, its last moment). Raises ValueError (DateOutOfRange for a date before
    1900-01-01 or from 3000-01-01 on, Seoul time)."""
    text = raw.strip()
    # An unencoded "+09:00" in a query string arrives as " 09:00".
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = date.fromisoformat(text)
        moment = _in_range(datetime.combine(day, time.min, tzinfo=SEOUL))
        return moment + timedelta(days=1, microseconds=-1) if end_of_day else moment
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SEOUL)
    return _in_range(parsed)


def _in_range(moment: datetime) -> datetime:
    # Aware datetimes compare by their difference, which cannot overflow.
    if not EARLIEST <= moment < LATEST:
        raise DateOutOfRange(moment.isoformat())
    return moment


# --- service attributes ----------------------------------------------------------------------


def _bool(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "on"}
    if value is None:
        return default
    return bool(value)


def normalize_attributes(raw: Any) -> list[dict[str, Any]]:
    """`Category.attributes` as GeoReport service attributes, in their order: every field
    present (variable, code, datatype, required, datatype_description, order, description,
    values). Entries without a code are skipped, an unknown datatype becomes "string", so that
    a hand-edited value never breaks the API."""
    if not isinstance(raw, list):
        return []
    attributes = []
    for index, entry in enumerate(raw, start=1):
        if not isinstance(entry, Mapping):
            continue
        code = str(entry.get("code") or "").strip()
        if not code:
            continue
        datatype = str(entry.get("datatype") or "string").strip().lower()
        if datatype not in DATATYPES:
            datatype = "string"
        values = []
        if datatype in LIST_DATATYPES:
            for value in entry.get("values") or []:
                if isinstance(value, Mapping) and str(value.get("key", "")).strip():
                    key = str(value["key"]).strip()
                    values.append({"key": key, "name": str(value.get("name") or key)})
        try:
            order = int(entry.get("order", index))
        except (TypeError, ValueError):
            order = index
        attributes.append(
            {
                "variable": _bool(entry.get("variable"), True),
                "code": code,
                "datatype": datatype,
                "required": _bool(entry.get("required"), False),
                "datatype_description": str(entry.get("datatype_description") or "") or None,
                "order": order,
                "description": str(entry.get("description") or ""),
                "values": values,
            }
        )
    attributes.sort(key=lambda attribute: attribute["order"])
    return attributes


def validate_attributes(value: Any) -> None:
    """A validator for `Category.attributes` (for the model field or an admin form): a list of
    objects each with a code and a known datatype, list types with their values."""
    if not isinstance(value, list):
        raise ValidationError(_("추가 항목은 목록(JSON 배열)이어야 합니다."))
    codes = set()
    for entry in value:
        if not isinstance(entry, Mapping) or not str(entry.get("code") or "").strip():
            raise ValidationError(_("추가 항목마다 code가 있어야 합니다."))
        code = str(entry["code"]).strip()
        if code in codes:
            raise ValidationError(_("추가 항목 code가 겹칩니다: %(code)s") % {"code": code})
        codes.add(code)
        datatype = entry.get("datatype", "string")
        if datatype not in DATATYPES:
            raise ValidationError(
                _("%(code)s의 datatype은 %(choices)s 중 하나여야 합니다.")
                % {"code": code, "choices": ", ".join(DATATYPES)}
            )
        if datatype in LIST_DATATYPES and not entry.get("values"):
            raise ValidationError(
                _("%(code)s에는 선택지(values)가 있어야 합니다.") % {"code": code}
            )


def attribute_answers(
    attributes: Iterable[Mapping[str, Any]], submitted: Mapping[str, list[str]]
) -> tuple[list[tuple[str, str]], list[str]]:
    """Checks the values posted as `attribute[CODE]` (and `attribute[CODE][]` for a
    multivaluelist) against the service's attributes. Returns (label, value) pairs for the
    petition text, and the error messages (Korean)."""
    answers: list[tuple[str, str]] = []
    errors: list[str] = []
    for attribute in attributes:
        if not attribute["variable"]:
            continue
        code = attribute["code"]
        label = attribute["description"] or code
        values = [value.strip() for value in submitted.get(code, []) if value.strip()]
        if not values:
            if attribute["required"]:
                errors.append(_("필수 항목 attribute[%(code)s]가 없습니다.") % {"code": code})
            continue
        datatype = attribute["datatype"]
        if datatype in LIST_DATATYPES:
            names = {value["key"]: value["name"] for value in attribute["values"]}
            if datatype == "singlevaluelist" and len(values) > 1:
                errors.append(_("attribute[%(code)s]에는 값 하나만 고르세요.") % {"code": code})
                continue
            unknown = [value for value in values if value not in names]
            if unknown:
                errors.append(
                    _("attribute[%(code)s]에 없는 선택지입니다: %(values)s")
                    % {"code": code, "values": ", ".join(unknown)}
                )
                continue
            answers.append((label, ", ".join(names[value] for value in values)))
            continue
        value = values[0]
        if datatype == "number":
            try:
                Decimal(value)
                if not Decimal(value).is_finite():
                    raise ValueError
            except (ArithmeticError, ValueError):
                errors.append(_("attribute[%(code)s]는 숫자여야 합니다.") % {"code": code})
                continue
        elif datatype == "datetime":
            try:
                value = format_datetime(parse_datetime(value)) or value
            except ValueError:
                errors.append(
                    _("attribute[%(code)s]는 ISO 8601 날짜·시각이어야 합니다.") % {"code": code}
                )
                continue
        answers.append((label, value[:1000]))
    return answers, errors


_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def submitted_attributes(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """`attribute[CODE]=v` and `attribute[CODE][]=v1&attribute[CODE][]=v2` from a QueryDict."""
    found: dict[str, list[str]] = {}
    for key in data:
        match = _ATTRIBUTE_KEY.match(key)
        if match:
            getlist = getattr(data, "getlist", None)
            values = getlist(key) if getlist else [data[key]]
            found.setdefault(match.group(1), []).extend(str(value) for value in values)
    return found


__all__ = [
    "CONTENT_TYPES",
    "DATATYPES",
    "FORMATS",
    "DateOutOfRange",
    "Open311Error",
    "attribute_answers",
    "error_response",
    "format_datetime",
    "normalize_attributes",
    "param",
    "parse_date_param",
    "parse_datetime",
    "parse_ids",
    "response",
    "submitted_attributes",
    "to_json",
    "to_xml",
    "validate_attributes",
]


def param(request: HttpRequest, name: str) -> str:
    """A parameter from the form body (POST) or the query string, stripped."""
    value = request.POST.get(name) if request.method == "POST" else None
    if value is None:
        value = request.GET.get(name, "")
    return value.strip()


MAX_IDS = 1000


def parse_ids(raw: str) -> list[int]:
    """`service_request_id` of a GET: comma-separated ids, at most MAX_IDS; Open311Error else."""
    ids = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        # isascii: "²".isdigit() is true, and int("²") fails.
        if not (part.isascii() and part.isdigit()) or len(part) > 18:
            raise Open311Error(
                400, _("service_request_id는 숫자입니다: %(value)s") % {"value": part[:40]}
            )
        ids.append(int(part))
    if len(ids) > MAX_IDS:
        raise Open311Error(400, _("service_request_id는 한 번에 1,000개까지 줄 수 있습니다."))
    return ids


def parse_date_param(name: str, raw: str, *, end_of_day: bool = False) -> datetime | None:
    """A date parameter of a GET (`start_date`, `end_date`); None when empty, Open311Error (400,
    naming the parameter) when it is not ISO 8601 or outside 1900–2999."""
    if not raw:
        return None
    try:
        return parse_datetime(raw, end_of_day=end_of_day)
    except DateOutOfRange:
        raise Open311Error(
            400,
            _("%(name)s는 1900-01-01부터 2999-12-31 사이여야 합니다.") % {"name": name},
        ) from None
    except ValueError:
        raise Open311Error(
            400,
            _("%(name)s는 ISO 8601 날짜·시각이어야 합니다 (예: 2025-10-01T09:00:00+09:00).")
            % {"name": name},
        ) from None
