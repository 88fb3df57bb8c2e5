"""Every state change of `org`: one function per use case, keyword-only, transactional,
permission-checked and audited. Views, the admin and the demo loader call these; nothing else
writes organisation data.

Errors people can fix come back as `ValidationError` (Korean messages, per field where there is
one); a missing right is `PermissionDenied`.

The use cases live by entity — `organizations` (and 행정동), `departments` (and teams), `staff`,
`staffing` (정원·현원), `closing` (휴무일) — with the field lists they share in `common`; callers
import them from here."""

from .closing import closing_day_add, closing_day_problems, closing_day_remove
from .common import (
    CLOSING_DAY_YEARS_AHEAD,
    CLOSING_DAY_YEARS_BACK,
    DEPARTMENT_FIELDS,
    ORGANIZATION_FIELDS,
    ORGANIZATION_STRUCTURE_FIELDS,
    STAFF_DETAIL_FIELDS,
    STAFF_FIELDS,
    STAFF_PERSONAL_FIELDS,
    STAFFING_FIELDS,
    TEAM_FIELDS,
)
from .departments import (
    department_create,
    department_deactivate,
    department_deactivation_problems,
    department_reactivate,
    department_update,
    team_create,
    team_delete,
    team_update,
)
from .organizations import (
    dong_create,
    dong_delete,
    dong_update,
    organization_create,
    organization_update,
)
from .staff import staff_assign, staff_deactivate, staff_move, staff_reactivate, staff_update
from .staffing import (
    StaffingImportResult,
    StaffingRow,
    staffing_entry_delete,
    staffing_entry_save,
    staffing_import,
)

__all__ = [
    "CLOSING_DAY_YEARS_AHEAD",
    "CLOSING_DAY_YEARS_BACK",
    "DEPARTMENT_FIELDS",
    "ORGANIZATION_FIELDS",
    "ORGANIZATION_STRUCTURE_FIELDS",
    "STAFFING_FIELDS",
    "STAFF_DETAIL_FIELDS",
    "STAFF_FIELDS",
    "STAFF_PERSONAL_FIELDS",
    "TEAM_FIELDS",
    "StaffingImportResult",
    "StaffingRow",
    "closing_day_add",
    "closing_day_problems",
    "closing_day_remove",
    "department_create",
    "department_deactivate",
    "department_deactivation_problems",
    "department_reactivate",
    "department_update",
    "dong_create",
    "dong_delete",
    "dong_update",
    "organization_create",
    "organization_update",
    "staff_assign",
    "staff_deactivate",
    "staff_move",
    "staff_reactivate",
    "staff_update",
    "staffing_entry_delete",
    "staffing_entry_save",
    "staffing_import",
    "team_create",
    "team_delete",
    "team_update",
]
