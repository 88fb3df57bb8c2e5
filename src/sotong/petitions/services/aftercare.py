"""After the answer: closing (`petition_close`), the petitioner's rating (`petition_rate`) and
재민원 (`petition_reopen`, until `reopen_deadline`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sotong.core.text import clean_text

from .. import permissions
from ..models import (
    Channel,
    Petition,
    Stage,
    Status,
)
from . import _common
from ._common import (
    MAX_NOTE,
    MAX_TITLE,
    _audit,
    _body,
    _event,
    _lock,
    _require,
    _require_status,
    _safe_text,
    _state,
)
from .intake import _after_create, _create

if TYPE_CHECKING:
    from sotong.accounts.models import User


# --- after the answer ----------------------------------------------------------------------------


@transaction.atomic
def petition_close(*, actor: User | None, petition: Petition) -> Petition:
    """Close an answered petition (the system when the reopen period ended, or staff)."""
    petition = _lock(petition)
    if actor is not None:
        _require(permissions.can_close(actor, petition))
    _require_status(petition, (Status.ANSWERED,), _("답변이 끝난 민원만 종결할 수 있습니다."))
    before = _state(petition)
    petition.status = Status.CLOSED
    petition.closed_at = _common._now()
    petition.save(update_fields=["status", "closed_at", "updated_at"])
    _event(petition, Stage.CLOSED, actor)
    _audit(actor, "petitions.petition.close", petition, before=before, after=_state(petition))
    return petition


def _rating(value: Any, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if str(value).strip() != str(number) or not 1 <= number <= 5:
        raise ValidationError({field: _("1부터 5까지의 점수를 고르세요.")})
    return number


@transaction.atomic
def petition_rate(
    *,
    actor: User,
    petition: Petition,
    speed: int,
    completeness: int,
    comment: str = "",
    token: str = "",
) -> Petition:
    """The petitioner rates speed and completeness (1–5) once, after the answer; the petition
    is then closed. A petitioner without an account passes the petition's follow-up `token`."""
    petition = _lock(petition)
    _require(
        permissions.can_rate(actor, petition, token=token),
        _("민원을 신청한 분만 평가할 수 있습니다."),
    )
    _require_status(
        petition, (Status.ANSWERED, Status.CLOSED), _("답변을 받은 뒤에 평가할 수 있습니다.")
    )
    if petition.rated_at is not None:
        raise ValidationError(_("이미 만족도를 평가하셨습니다."))
    errors: dict[str, Any] = {}
    values = {}
    for field, value in (("speed", speed), ("completeness", completeness)):
        try:
            values[field] = _rating(value, field)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    clean_comment = _safe_text(comment)
    if len(clean_comment) > MAX_NOTE:
        errors["comment"] = [_("의견은 %(max)s자 이내로 입력하세요.") % {"max": MAX_NOTE}]
    if errors:
        raise ValidationError(errors)
    before = _state(petition)
    petition.speed_rating = values["speed"]
    petition.completeness_rating = values["completeness"]
    petition.rating_comment = clean_comment
    petition.rated_at = _common._now()
    fields = ["speed_rating", "completeness_rating", "rating_comment", "rated_at", "updated_at"]
    _event(petition, Stage.RATED, actor)
    if petition.status == Status.ANSWERED:
        petition.status = Status.CLOSED
        petition.closed_at = petition.rated_at
        fields += ["status", "closed_at"]
        _event(petition, Stage.CLOSED, actor)
    petition.save(update_fields=fields)
    _audit(
        actor,
        "petitions.petition.rate",
        petition,
        before=before,
        after={
            **_state(petition),
            "speed": values["speed"],
            "completeness": values["completeness"],
        },
    )
    return petition


def reopen_deadline(petition: Petition) -> datetime | None:
    """Until when the petitioner may reopen the petition (None before the answer)."""
    if petition.answered_at is None:
        return None
    return petition.answered_at + timedelta(days=petition.board.reopen_days)


@transaction.atomic
def petition_reopen(
    *, actor: User | None, petition: Petition, body: str, token: str = ""
) -> Petition:
    """재민원: within the board's reopen period the petitioner asks again. A NEW petition
    (`follow_up_of` the first) is received and goes to the same department; the first closes.
    A petitioner without an account passes the petition's follow-up `token`."""
    petition = _lock(petition)
    _require(
        permissions.can_reopen(actor, petition, token=token),
        _("민원을 신청한 분만 다시 신청할 수 있습니다."),
    )
    _require_status(
        petition, (Status.ANSWERED, Status.CLOSED), _("답변을 받은 민원만 다시 신청할 수 있습니다.")
    )
    deadline = reopen_deadline(petition)
    if deadline is None or _common._now() > deadline:
        raise ValidationError(
            {
                "body": _("재민원 신청 기간(답변 후 %(days)s일)이 지났습니다.")
                % {"days": petition.board.reopen_days}
            }
        )
    if petition.follow_ups.exists():
        raise ValidationError({"body": _("이 민원에는 이미 재민원을 신청하셨습니다.")})
    text = _body(body, "body")
    board = petition.board
    title = clean_text(f"[재민원] {petition.title}")[:MAX_TITLE]
    data = {
        "title": title,
        "body": text,
        "is_public": petition.is_public,
        "address": petition.address,
        "latitude": petition.latitude,
        "longitude": petition.longitude,
        "petitioner_name": petition.petitioner_name,
        "contact_email": petition.contact_email,
        "contact_phone": petition.contact_phone,
    }
    follow_up = _create(
        actor=actor,
        board=board,
        kind=petition.kind,
        data=data,
        category=petition.category,
        channel=Channel.WEB,
        user=petition.user,
        entered_by=None,
        received_at=_common._now(),
        idempotency_key=None,
        follow_up_of=petition,
        department=petition.department,
    )
    _event(
        petition,
        Stage.REOPENED,
        actor,
        note=_("재민원 #%(number)s 접수") % {"number": follow_up.pk},
    )
    if petition.status == Status.ANSWERED:
        petition.status = Status.CLOSED
        petition.closed_at = _common._now()
        petition.save(update_fields=["status", "closed_at", "updated_at"])
        _event(petition, Stage.CLOSED, actor)
    _after_create(follow_up)
    _audit(
        actor,
        "petitions.petition.reopen",
        follow_up,
        after={**_state(follow_up), "follow_up_of": petition.pk},
    )
    return follow_up
