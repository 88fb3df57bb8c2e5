"""What the use cases of `org.services` share: the fields each entity edits or records, and the
checks every use case starts with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from sotong.core.audit import diff, snapshot

from ..models import Staff

ORGANIZATION_FIELDS = (
    "code",
    "admin_code",
    "name",
    "name_en",
    "kind",
    "parent",
    "head_title",
    "address",
    "phone",
    "website",
    "description",
)
# Changing these re-shapes links and the city–district hierarchy: superusers only.
ORGANIZATION_STRUCTURE_FIELDS = frozenset({"code", "kind", "parent"})
DEPARTMENT_FIELDS = ("name", "name_en", "kind", "parent", "duties", "phone", "order")
TEAM_FIELDS = ("name", "duties", "order")
STAFF_DETAIL_FIELDS = ("name", "title", "office_phone")
STAFF_FIELDS = (
    "organization",
    "department",
    "team",
    "name",
    "position",
    "title",
    "grade",
    "office_phone",
    "active",
)
STAFFING_FIELDS = ("department", "as_of", "series", "grade", "authorized", "current")
# A closing day further back than this is history, further ahead a guess: both are refused.
CLOSING_DAY_YEARS_BACK = 1
CLOSING_DAY_YEARS_AHEAD = 2
# A public servant's name and direct line stay out of the audit trail: the event says they changed.
STAFF_PERSONAL_FIELDS = ("name", "office_phone")


def _staff_record(staff: Staff) -> dict[str, Any]:
    _, record = diff({}, snapshot(staff, STAFF_FIELDS), redact=STAFF_PERSONAL_FIELDS)
    return record


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("이 기관을 관리할 권한이 없습니다."))


def _check_fields(changes: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
