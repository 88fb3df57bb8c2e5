"""POST `requests.{xml,json}`: a new petition from an Open311 client (the decisions, among
them idempotency and contact, are in `api.py`'s docstring). The steps: the key and the service
(`_intake`), the posted fields checked all at once (`_petition_fields`), then `petition_submit`."""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Category, Channel, Open311Key, Petition
from .directory import Intake, intake_lookup
from .format import (
    SEOUL,
    Open311Error,
    attribute_answers,
    normalize_attributes,
    param,
    response,
    submitted_attributes,
)

MAX_DESCRIPTION = 4000  # GeoReport v2: "free form text limited to 4,000 characters"


def _check_key_jurisdiction(request: HttpRequest, key: Open311Key) -> None:
    code = param(request, "jurisdiction_id")
    if code and code != key.organization.code:
        raise Open311Error(
            403, _("이 api_key로는 jurisdiction_id %(code)s에 접수할 수 없습니다.") % {"code": code}
        )


def _coordinates(request: HttpRequest, errors: list[str]) -> tuple[Decimal | None, Decimal | None]:
    lat_raw, long_raw = param(request, "lat"), param(request, "long")
    if not lat_raw and not long_raw:
        return None, None
    if not lat_raw or not long_raw:
        errors.append(_("lat과 long은 함께 주어야 합니다."))
        return None, None
    try:
        lat, long = Decimal(lat_raw), Decimal(long_raw)
        if not (lat.is_finite() and long.is_finite()):
            raise InvalidOperation
    except InvalidOperation:
        errors.append(_("lat, long은 WGS84 십진 좌표여야 합니다."))
        return None, None
    # The model's bounds (Petition.latitude/longitude validators): the Korean peninsula and
    # its islands, Jeju to the DMZ, Heuksando to Dokdo.
    if not (33 <= lat <= 39 and 124 <= long <= 132):
        errors.append(_("좌표가 대한민국 밖입니다 (lat 33–39, long 124–132)."))
        return None, None
    return lat.quantize(Decimal("0.000001")), long.quantize(Decimal("0.000001"))


def _petitioner_name(first: str, last: str) -> str:
    if first and last and all("\uac00" <= ch <= "\ud7a3" for ch in first + last):
        return f"{last}{first}"  # 홍 + 길동
    return " ".join(part for part in (first, last) if part)


def _idempotency_key(request: HttpRequest, key: Open311Key) -> str:
    header = request.headers.get("Idempotency-Key", "").strip()
    if header:
        digest = hashlib.sha256(header.encode("utf-8")).hexdigest()
        return f"open311:{key.pk}:h:{digest}"
    fields = sorted(
        (name, value)
        for name in request.POST
        if name != "api_key"
        for value in request.POST.getlist(name)
    )
    today = timezone.localdate(timezone.now(), SEOUL).isoformat()
    digest = hashlib.sha256(repr((today, fields)).encode("utf-8")).hexdigest()
    return f"open311:{key.pk}:d:{digest}"


def _created(fmt: str, petition: Petition) -> HttpResponse:
    due = timezone.localtime(petition.due_at, SEOUL)
    document = [
        {
            "service_request_id": str(petition.pk),
            "token": petition.token,
            "service_notice": _("처리 기간 %(period)s, 처리 기한 %(due)s")
            % {"period": petition.period, "due": due.strftime("%Y-%m-%d %H:%M")},
            "account_id": None,
        }
    ]
    return response(fmt, document, root="service_requests", item="request")


def _intake(request: HttpRequest) -> Intake:
    """The key, its organisation's service and board for this POST (403, 400 or 404 if not)."""
    code = param(request, "service_code")
    intake = intake_lookup(param(request, "api_key"), code)
    if intake is None:
        raise Open311Error(403, _("api_key가 없거나 올바르지 않습니다."))
    _check_key_jurisdiction(request, intake.key)
    if not code:
        raise Open311Error(400, _("service_code를 입력하세요."))
    if intake.category is None:
        raise Open311Error(404, _("service_code %(code)s를 찾을 수 없습니다.") % {"code": code})
    return intake


def _location(
    request: HttpRequest, errors: list[str]
) -> tuple[Decimal | None, Decimal | None, str]:
    lat, long = _coordinates(request, errors)
    address = param(request, "address_string")
    address_id = param(request, "address_id")
    if lat is None and not address and not address_id and not errors:
        errors.append(_("위치를 알려 주세요: lat과 long, address_string, address_id 중 하나."))
    if len(address) > 200:
        errors.append(_("address_string은 200자 이내로 입력하세요."))
    if not address and address_id:
        address = _("주소 ID %(id)s") % {"id": address_id[:60]}
    return lat, long, address


def _contact(request: HttpRequest, errors: list[str]) -> tuple[str, str]:
    email, phone = param(request, "email"), param(request, "phone")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("email 형식이 올바르지 않습니다."))
    if phone and (len(phone) > 20 or sum(ch.isdigit() for ch in phone) < 8):
        errors.append(_("phone 형식이 올바르지 않습니다. 예: 010-1234-5678"))
    if not email and not phone:
        errors.append(_("민원인에게 연락할 email 또는 phone을 입력하세요."))
    return email, phone


def _text(
    request: HttpRequest, category: Category, description: str, answers: list[tuple[str, str]]
) -> tuple[str, str]:
    """The petition's title and body: the description, the attribute answers, the photo link."""
    body_parts = [description] if description else []
    if answers:
        body_parts.append("\n".join(f"{label}: {value}" for label, value in answers))
    media_url = param(request, "media_url")
    if media_url:
        body_parts.append(_("사진: %(url)s") % {"url": media_url[:500]})
    body = "\n\n".join(body_parts)
    if not body:
        raise Open311Error(400, _("description을 입력하세요."))
    first_line = (description or category.name).splitlines()[0].strip()
    return first_line[:80] or category.name, body


def _petition_fields(request: HttpRequest, intake: Intake) -> dict[str, Any]:
    """The posted fields as `petition_submit`'s arguments; every bad field at once as a 400."""
    category = intake.category
    assert category is not None  # _intake answered 404 otherwise
    errors: list[str] = []
    lat, long, address = _location(request, errors)
    description = param(request, "description")
    if len(description) > MAX_DESCRIPTION:
        errors.append(_("description은 4,000자 이내로 입력하세요."))
    answers, attribute_errors = attribute_answers(
        normalize_attributes(category.attributes), submitted_attributes(request.POST)
    )
    errors.extend(attribute_errors)
    email, phone = _contact(request, errors)
    name = _petitioner_name(param(request, "first_name"), param(request, "last_name"))
    if errors:
        raise Open311Error(400, *errors)
    if intake.board is None:
        raise Open311Error(400, _("이 기관은 Open311로 민원을 받지 않습니다."))
    title, body = _text(request, category, description, answers)
    return {
        "board": intake.board,
        "kind": intake.kind,
        "title": title,
        "body": body,
        "category": category,
        "address": address,
        "latitude": lat,
        "longitude": long,
        "petitioner_name": name[:50],
        "contact_email": email,
        "contact_phone": phone,
        "period": intake.period,
    }


def create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    intake = _intake(request)
    fields = _petition_fields(request, intake)
    # A replayed key returns the first petition (petition_submit looks it up first).
    idempotency_key = _idempotency_key(request, intake.key)

    from .. import services  # the lifecycle module; imported here to keep module loading light

    try:
        petition = services.petition_submit(
            actor=None,
            consent=True,
            channel=Channel.OPEN311,
            idempotency_key=idempotency_key,
            deferred=True,
            **fields,
        )
    except ValidationError as error:
        raise Open311Error.from_validation(error) from None
    except PermissionDenied as error:
        raise Open311Error(403, str(error) or _("이 게시판에는 접수할 수 없습니다.")) from None
    except IntegrityError:
        # The same post raced another worker: answer with the petition that won.
        existing = Petition.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return _created(fmt, existing)
    return _created(fmt, petition)


__all__ = ["MAX_DESCRIPTION", "create_request"]
