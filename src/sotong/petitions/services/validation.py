"""Validation of a new petition (`_validate_new`): every field checked, every problem reported
at once in the order of the form."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sotong.accounts.types import Actor
from sotong.core.text import clean_text

from .. import permissions
from ..models import (
    Board,
    Category,
    Channel,
    Kind,
)
from ._common import (
    LAT_RANGE,
    LON_RANGE,
    MAX_TITLE,
    _body,
)

# --- validation of a new petition ---------------------------------------------------------------


def _coordinate(value: Any, field: str, bounds: tuple[Decimal, Decimal]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("좌표는 숫자로 입력하세요.")}) from exc
    if not number.is_finite() or not bounds[0] <= number <= bounds[1]:
        raise ValidationError({field: _("대한민국 안의 위치를 지정하세요.")})
    return number


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _validate_new(
    *,
    actor: Actor,
    board: Board,
    kind: str,
    title: Any,
    body: Any,
    category: Category | None,
    is_public: bool | None,
    address: Any,
    latitude: Any,
    longitude: Any,
    petitioner_name: Any,
    contact_email: Any,
    contact_phone: Any,
    consent: bool,
    channel: str,
) -> dict[str, Any]:
    """The cleaned fields of a new petition; every problem at once as one ValidationError (in
    the order of the form: the post, the place, the petitioner)."""
    errors: dict[str, list[str]] = {}
    post = _check_post(
        errors,
        board=board,
        kind=kind,
        title=title,
        body=body,
        category=category,
        is_public=is_public,
        channel=channel,
    )
    place = _check_place(errors, address=address, latitude=latitude, longitude=longitude)
    contact = _check_contact(
        errors,
        actor=actor,
        channel=channel,
        petitioner_name=petitioner_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        consent=consent,
    )
    if errors:
        raise ValidationError(errors)
    return {**post, **place, **contact}


def _check_post(
    errors: dict[str, list[str]],
    *,
    board: Board,
    kind: str,
    title: Any,
    body: Any,
    category: Category | None,
    is_public: bool | None,
    channel: str,
) -> dict[str, Any]:
    """Channel, kind, title, body, category and visibility of a new petition."""
    if channel not in Channel.values:
        _add(errors, "channel", _("알 수 없는 접수 경로입니다."))
    if kind not in Kind.values or (board.kinds and kind not in board.kinds):
        _add(errors, "kind", _("이 게시판에서 받지 않는 민원 종류입니다."))
    clean_title = clean_text(title)
    if not clean_title:
        _add(errors, "title", _("제목을 입력하세요."))
    elif len(clean_title) > MAX_TITLE:
        _add(errors, "title", _("제목은 %(max)s자 이내로 입력하세요.") % {"max": MAX_TITLE})
    clean_body = ""
    try:
        clean_body = _body(body, "body")
    except ValidationError as exc:
        for message in exc.message_dict["body"]:
            _add(errors, "body", message)
    if category is not None and (
        category.organization_id != board.organization_id or not category.active
    ):
        _add(errors, "category", _("이 기관에서 받는 분야를 고르세요."))
    public = board.public_by_default if is_public is None else bool(is_public)
    if not public and not board.allow_private:
        _add(errors, "is_public", _("이 게시판의 민원은 공개됩니다. 비공개로 접수할 수 없습니다."))
    return {"title": clean_title, "body": clean_body, "is_public": public}


def _check_place(
    errors: dict[str, list[str]], *, address: Any, latitude: Any, longitude: Any
) -> dict[str, Any]:
    """The address and the point (both coordinates or neither) of a new petition."""
    clean_address = clean_text(address)
    if len(clean_address) > 200:
        _add(errors, "address", _("위치는 200자 이내로 입력하세요."))
    lat = lon = None
    try:
        lat = _coordinate(latitude, "latitude", LAT_RANGE)
    except ValidationError as exc:
        _add(errors, "latitude", exc.message_dict["latitude"][0])
    try:
        lon = _coordinate(longitude, "longitude", LON_RANGE)
    except ValidationError as exc:
        _add(errors, "longitude", exc.message_dict["longitude"][0])
    if (lat is None) != (lon is None) and "latitude" not in errors and "longitude" not in errors:
        _add(errors, "latitude", _("위도와 경도를 함께 지정하세요."))
    return {"address": clean_address, "latitude": lat, "longitude": lon}


def _check_contact(
    errors: dict[str, list[str]],
    *,
    actor: Actor,
    channel: str,
    petitioner_name: Any,
    contact_email: Any,
    contact_phone: Any,
    consent: bool,
) -> dict[str, Any]:
    """The petitioner's name and contact data, required unless a signed-in resident writes;
    and the consent to their use."""
    name = clean_text(petitioner_name)[:50]
    email = clean_text(contact_email)
    phone = clean_text(contact_phone)
    if len(email) > 254:
        _add(errors, "contact_email", _("이메일 주소가 너무 깁니다."))
    if len(phone) > 20:
        _add(errors, "contact_phone", _("전화번호가 너무 깁니다."))
    resident = getattr(actor, "is_authenticated", False) and channel not in (
        permissions.STAFF_CHANNELS
    )
    if not resident and not (email or phone):
        _add(errors, "contact_email", _("답변을 받을 이메일 주소나 휴대전화 번호를 입력하세요."))
    if not consent:
        _add(errors, "consent", _("개인정보 수집·이용에 동의해야 민원을 접수할 수 있습니다."))
    return {"petitioner_name": name, "contact_email": email, "contact_phone": phone}
