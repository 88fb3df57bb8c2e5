"""The petition settings an organisation manages in the admin: boards, categories, kind policies
and the retention policy (`*_check` rules, `*_save` use cases)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sotong.core.audit import audit_record

from .. import permissions
from ..models import (
    Board,
    Category,
    Kind,
    KindPolicy,
    Policy,
)

if TYPE_CHECKING:
    from sotong.accounts.models import User


# --- settings (admin) -------------------------------------------------------------------------


def _settings_save(
    *, actor: User, obj: Any, organization_id: int, action: str, fields: Sequence[str]
) -> Any:
    if not permissions.can_manage_settings(actor, organization_id):
        raise PermissionDenied(_("이 기관의 민원 설정을 바꿀 권한이 없습니다."))
    before = None
    if obj.pk is not None:
        old = type(obj).objects.filter(pk=obj.pk).first()
        if old is not None:
            if not permissions.can_manage_settings(actor, old.organization_id):
                raise PermissionDenied(_("이 기관의 민원 설정을 바꿀 권한이 없습니다."))
            before = {name: _plain(getattr(old, name)) for name in fields}
    obj.full_clean()
    obj.save()
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        organization=obj.organization,
        before=before,
        after={name: _plain(getattr(obj, name)) for name in fields},
    )
    return obj


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    return value


BOARD_FIELDS = (
    "code",
    "name",
    "kinds",
    "posting",
    "public_by_default",
    "allow_private",
    "department",
    "chief_answers",
    "approver",
    "checklist",
    "reopen_days",
    "order",
    "active",
)
CATEGORY_FIELDS = ("code", "name", "keywords", "department", "order", "active")


def board_check(board: Board) -> None:
    """Rules of a board beyond its model fields (also used by the admin form)."""
    unknown = [kind for kind in board.kinds or [] if kind not in Kind.values]
    if not isinstance(board.kinds, list) or unknown:
        raise ValidationError(
            {"kinds": _("받는 종류는 질의·제안·고충·신고·상담·기타 중에서 고르세요.")}
        )
    if not isinstance(board.checklist, list) or not all(
        isinstance(item, str) and item.strip() for item in board.checklist
    ):
        raise ValidationError({"checklist": _("점검 항목은 글자로 된 목록이어야 합니다.")})
    if board.department_id and board.department.organization_id != board.organization_id:
        raise ValidationError({"department": _("접수 부서는 같은 기관의 부서여야 합니다.")})


@transaction.atomic
def board_save(*, actor: User, board: Board) -> Board:
    """Create or change a board (org managers)."""
    board_check(board)
    return _settings_save(
        actor=actor,
        obj=board,
        organization_id=board.organization_id,
        action="petitions.board.save",
        fields=BOARD_FIELDS,
    )


def category_check(category: Category) -> None:
    if category.department_id and category.department.organization_id != category.organization_id:
        raise ValidationError({"department": _("주 담당 부서는 같은 기관의 부서여야 합니다.")})


def kind_policy_check(kind_policy: KindPolicy) -> None:
    from sotong.core.calendar import Period

    try:
        Period.parse(kind_policy.period or "")
    except ValueError as exc:
        raise ValidationError(
            {"period": _("처리 기간은 '즉시', '3일', '14일', '2주', '1개월'처럼 입력하세요.")}
        ) from exc


@transaction.atomic
def category_save(*, actor: User, category: Category) -> Category:
    category_check(category)
    return _settings_save(
        actor=actor,
        obj=category,
        organization_id=category.organization_id,
        action="petitions.category.save",
        fields=CATEGORY_FIELDS,
    )


@transaction.atomic
def kind_policy_save(*, actor: User, kind_policy: KindPolicy) -> KindPolicy:
    kind_policy_check(kind_policy)
    return _settings_save(
        actor=actor,
        obj=kind_policy,
        organization_id=kind_policy.organization_id,
        action="petitions.kind_policy.save",
        fields=("kind", "period", "self_approval"),
    )


@transaction.atomic
def policy_save(*, actor: User, policy: Policy) -> Policy:
    return _settings_save(
        actor=actor,
        obj=policy,
        organization_id=policy.organization_id,
        action="petitions.policy.save",
        fields=("retention_days",),
    )
