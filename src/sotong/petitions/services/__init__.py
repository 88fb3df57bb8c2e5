"""Every state change of a petition: one function per use case, keyword-only, transactional,
permission-checked, validated and audited; each writes its `PetitionEvent` (the timeline) and
queues its notifications through `notify` in the same transaction (petitions.md, "Service
contract"). Views, the Open311 API, the admin and the demo loader call these; nothing else
writes petitions.

Errors people can fix come back as `ValidationError` (Korean, per field where there is one); a
missing right is `PermissionDenied`. The petition row is locked (`select_for_update`) inside the
service's own transaction, so two officers pressing the same button cannot both win.

The use cases live in one module per group and are re-exported here (`services.petition_submit`):
`intake` (submit, and the deferred receipt; `validation` checks a new petition's fields),
`routing` (assign, reassign, transfer), `handling` (accept, extend, place publishing), `answers`
(draft, approval, 담당전결), `aftercare` (close, rate, reopen), `groups`, `contact` (the
petitioner's contact data), `configuration` (boards, categories, kind policies, retention
policy); `_common` holds the shared private helpers."""

from ._common import MAX_BODY
from .aftercare import petition_close, petition_rate, petition_reopen, reopen_deadline
from .answers import (
    answer_approve,
    answer_return,
    answer_save,
    answer_self_approve,
    answer_submit,
    approver_for,
)
from .configuration import (
    board_check,
    board_save,
    category_check,
    category_save,
    kind_policy_check,
    kind_policy_save,
    policy_save,
)
from .contact import contact_view
from .groups import group_answer, group_create
from .handling import petition_accept, petition_extend, petition_place_publish
from .intake import petition_intake_complete, petition_submit, petitions_intake_pending
from .routing import petition_assign, petition_reassign, petition_transfer

__all__ = [
    "MAX_BODY",
    "answer_approve",
    "answer_return",
    "answer_save",
    "answer_self_approve",
    "answer_submit",
    "approver_for",
    "board_check",
    "board_save",
    "category_check",
    "category_save",
    "contact_view",
    "group_answer",
    "group_create",
    "kind_policy_check",
    "kind_policy_save",
    "petition_accept",
    "petition_assign",
    "petition_close",
    "petition_extend",
    "petition_intake_complete",
    "petition_place_publish",
    "petition_rate",
    "petition_reassign",
    "petition_reopen",
    "petition_submit",
    "petition_transfer",
    "petitions_intake_pending",
    "policy_save",
    "reopen_deadline",
]
