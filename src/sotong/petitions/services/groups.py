"""Groups of repeated and many-person petitions: bundled (`group_create`) and answered once
(`group_answer`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sotong.core.audit import audit_record
from sotong.core.privacy.public import public_text

from .. import permissions
from ..models import (
    OPEN_STATUSES,
    Petition,
    PetitionGroup,
    Stage,
    Status,
)
from ._common import (
    MAX_TITLE,
    _event,
    _require,
    _safe_text,
)
from .answers import _answer_text, answer_save, answer_self_approve, answer_submit

if TYPE_CHECKING:
    from sotong.accounts.models import User


# --- groups of repeated and many-person petitions -------------------------------------------------


@transaction.atomic
def group_create(*, actor: User, petitions: Iterable[Petition], title: str) -> PetitionGroup:
    """Group near-duplicate open petitions of one organisation so they are answered once."""
    ids = sorted({p.pk for p in petitions})
    if len(ids) < 2:
        raise ValidationError({"petitions": _("두 건 이상의 민원을 고르세요.")})
    rows = list(Petition.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    organizations = {p.organization_id for p in rows}
    if len(rows) != len(ids) or len(organizations) != 1:
        raise ValidationError({"petitions": _("같은 기관의 민원만 묶을 수 있습니다.")})
    organization_id = organizations.pop()
    _require(permissions.can_group(actor, organization_id), _("민원을 묶을 권한이 없습니다."))
    for petition in rows:
        # Only petitions the actor may open (the case page's rule): a head of one department
        # must not bundle, and so read, private petitions of another.
        _require(
            permissions.can_handle(actor, petition),
            _("#%(number)s을(를) 묶을 권한이 없습니다.") % {"number": petition.pk},
        )
    # Shown on staff lists of the whole group: kept free of personal data like a public text.
    clean_title = public_text(_safe_text(title))
    if not clean_title:
        raise ValidationError({"title": _("제목을 입력하세요.")})
    if len(clean_title) > MAX_TITLE:
        raise ValidationError(
            {"title": _("제목은 %(max)s자 이내로 입력하세요.") % {"max": MAX_TITLE}}
        )
    for petition in rows:
        if petition.status not in OPEN_STATUSES or petition.status == Status.APPROVAL:
            raise ValidationError(
                {
                    "petitions": _(
                        "#%(number)s은(는) 처리가 끝났거나 결재 중이라 묶을 수 없습니다."
                    )
                    % {"number": petition.pk}
                }
            )
        if petition.group_id is not None:
            raise ValidationError(
                {
                    "petitions": _("#%(number)s은(는) 이미 다른 묶음에 있습니다.")
                    % {"number": petition.pk}
                }
            )
    categories = {p.category_id for p in rows}
    group = PetitionGroup.objects.create(
        organization_id=organization_id,
        title=clean_title,
        category_id=categories.pop() if len(categories) == 1 else None,
        created_by=actor,
    )
    for petition in rows:
        petition.group = group
        petition.save(update_fields=["group", "updated_at"])
        _event(petition, Stage.GROUPED, actor, internal_note=clean_title)
    audit_record(
        actor=actor,
        action="petitions.group.create",
        obj=group,
        organization=group.organization,
        after={"petitions": ids, "category": group.category_id},
    )
    return group


@transaction.atomic
def group_answer(
    *, actor: User, group: PetitionGroup, body: str, checklist: Sequence[str]
) -> list[Petition]:
    """One answer for every open petition of the group: each gets its own Answer, timeline and
    notifications. Where the kind allows 담당전결 the answer is sent at once; otherwise each goes
    to its approver."""
    petitions = list(
        Petition.objects.select_for_update()
        .filter(group=group, status__in=(Status.ASSIGNED, Status.IN_PROGRESS))
        .order_by("pk")
    )
    if not petitions:
        raise ValidationError(_("답변할 수 있는 민원이 이 묶음에 없습니다."))
    for petition in petitions:
        _require(
            permissions.can_work(actor, petition),
            _("#%(number)s을(를) 처리할 권한이 없습니다.") % {"number": petition.pk},
        )
    text = _answer_text(body)
    done = []
    for petition in petitions:
        answer_save(actor=actor, petition=petition, body=text)
        if permissions.self_approval_allowed(petition):
            answer_self_approve(actor=actor, petition=petition, checklist=checklist)
        else:
            answer_submit(actor=actor, petition=petition, checklist=checklist)
        petition.refresh_from_db()
        done.append(petition)
    audit_record(
        actor=actor,
        action="petitions.group.answer",
        obj=group,
        organization=group.organization,
        after={"petitions": [p.pk for p in done]},
    )
    return done
