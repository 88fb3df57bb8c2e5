"""Canonical JSON for audit events, and the helpers services use to describe a change.

The hash of an event is computed over this JSON, so the same content must always give the same
bytes: keys sorted, no whitespace, and every value reduced to a JSON type that survives a round
trip through SQLite's JSON text and PostgreSQL's `jsonb` unchanged."""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils.duration import duration_iso_string
from django.utils.functional import Promise

REDACTED = "***"

JSONValue = None | bool | int | str | list["JSONValue"] | dict[str, "JSONValue"]


def clean_text(text: str) -> str:
    # PostgreSQL refuses NUL in text and jsonb; replacing it here keeps both databases identical.
    return text.replace("\x00", "\ufffd")


def canonical(value: Any) -> JSONValue:
    """Reduce `value` to canonical JSON types. Floats become strings because PostgreSQL's `jsonb`
    rewrites some of them (1e100 comes back as an integer), which would break verification."""
    if isinstance(value, enum.Enum):  # before int and str: choices are enums of those
        return canonical(value.value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Promise):
        return clean_text(str(value))
    if isinstance(value, float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration_iso_string(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return canonical(value.pk)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, Mapping):
        return {clean_text(str(canonical(k))): canonical(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((canonical(v) for v in value), key=canonical_json)
    if isinstance(value, list | tuple | models.QuerySet):
        return [canonical(v) for v in value]
    raise TypeError(f"audit: cannot put a {type(value).__name__} into an audit event")


def canonical_json(value: Any) -> str:
    return json.dumps(
        canonical(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, JSONValue]:
    """The values of the named fields of `obj` (foreign keys as their primary key), for `before`
    and `after`. Name only fields that carry no personal data, or redact them in `diff`."""
    result: dict[str, JSONValue] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            value = set(getattr(obj, name).values_list("pk", flat=True)) if obj.pk else set()
        else:
            value = field.value_from_object(obj)
        result[name] = canonical(value)
    return result


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any], *, redact: Iterable[str] = ()
) -> tuple[dict[str, JSONValue], dict[str, JSONValue]]:
    """Keep only the fields whose value changed: returns `(before, after)`. A field present on one
    side only stays on that side. Fields named in `redact` keep the fact of a change but not the
    values (for contact data and other personal data)."""
    hidden = set(redact)
    old: dict[str, JSONValue] = {}
    new: dict[str, JSONValue] = {}
    for key in sorted(set(before) | set(after), key=str):
        in_before, in_after = key in before, key in after
        old_value = canonical(before[key]) if in_before else None
        new_value = canonical(after[key]) if in_after else None
        # Compared as JSON text: True and 1 are equal in Python but not in the record.
        if in_before and in_after and canonical_json(old_value) == canonical_json(new_value):
            continue
        if in_before:
            old[key] = REDACTED if key in hidden else old_value
        if in_after:
            new[key] = REDACTED if key in hidden else new_value
    return old, new
