"""Open311 GeoReport v2 under `/open311/v2/` (http://wiki.open311.org/GeoReport_v2).

    GET  discovery.{xml,json}            the service discovery document
    GET  services.{xml,json}             the categories of a jurisdiction (= services)
    GET  services/{code}.{xml,json}      a service definition with its attributes
    POST requests.{xml,json}             a new petition (api_key required)
    GET  requests.{xml,json}             public petitions: service_request_id, service_code,
                                         start_date, end_date, status
    GET  requests/{id}.{xml,json}        one public petition
    GET  tokens/{token}.{xml,json}       the service_request_id of a token

Decisions (what a client developer needs to know):
- **Jurisdiction** = organisation, `jurisdiction_id` = `Organization.code`. It may be left out
  only while exactly one organisation accepts Open311 requests (has an Open311 board, below);
  otherwise the list endpoints answer 400. A POST takes its organisation from the api_key (a
  `jurisdiction_id` naming another one is refused with 403). Request ids and tokens are unique
  across the installation, so `requests/{id}` and `tokens/{token}` need no jurisdiction (one
  given must match).
- **Board**: a request becomes a petition on the organisation's active board with the code
  `open311` if it has one, else on its first active board (in board order) that anyone may post
  on and that takes reports; the kind is "report" (or the `open311` board's first kind when it
  takes no reports). The channel is "open311".
- **Idempotency**: the `Idempotency-Key` header when given, else a hash of the posted fields and
  the day (Seoul): a client retrying the same post gets the first petition back, never a second.
  Both are scoped to the api key.
- **Contact**: the petitioner is anonymous to us, so `email` or `phone` is required (the client
  confirmed it, as `petition_submit` expects for actor=None). first_name/last_name become the
  petitioner's name. None of them ever appears in a GET response.
- **Privacy of GET**: only public petitions are listed or shown; a private one answers the same
  404 as a missing id. Text (description, status notes) is masked by
  `core.privacy.public.public_text`; the place is given at street level with a point rounded to
  about 100 m unless staff published the exact place (`core.privacy.public.public_place`); no
  name, e-mail or phone is ever written out. A token still resolves
  to its id for a private petition: the token is only known to the client that posted it.
- **Status**: received/assigned/in_progress/approval → `open`; answered/closed/transferred →
  `closed`. `status_notes` is the approved answer (masked) or the stage in words;
  `agency_responsible` the department; `expected_datetime` the legal deadline.
- **Receipt**: a POST validates and stores the petition and answers at once (the fast path of
  `petition_submit`); its timeline, assignment, notices and audit record follow within about a
  second from the `intake` task. Lookups of a POST are kept per worker for
  `OPEN311_DIRECTORY_TTL` seconds (`directory.py`).
- **Errors** are the spec's `errors` list: 400 bad or missing parameters (also coordinates
  outside Korea, a description over 4,000 characters, a date before 1900-01-01 or after
  2999-12-31, a NUL character anywhere, a body that cannot be read: more than
  DATA_UPLOAD_MAX_NUMBER_FIELDS fields, over DATA_UPLOAD_MAX_MEMORY_SIZE, broken multipart),
  403 missing/invalid/revoked api_key, 404 unknown jurisdiction, service code, request, token or
  path; 405 for another method; 500 a failure of ours. Every error of a path under /open311/
  is such a document, in the format its URL names (XML unless it ends in .json), also when
  Django answers before the view (`errors.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    SuspiciousOperation,
)
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from sotong.core.privacy.public import public_place, public_text
from sotong.org.models import Organization

from ..models import OPEN_STATUSES, Board, Category, Petition, Status
from .create import create_request
from .directory import OPEN311_BOARD_CODE
from .errors import has_nul_input, unreadable
from .format import (
    FORMATS,
    Open311Error,
    error_response,
    normalize_attributes,
    param,
    parse_date_param,
    parse_ids,
    response,
)

logger = logging.getLogger(__name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The last change of what this API offers (the discovery document's changeset).
CHANGESET = "2026-01-05T00:00:00+09:00"
DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
CLOSED_STATUSES = (Status.ANSWERED, Status.CLOSED, Status.TRANSFERRED)
STATUS_FILTER = {"open": OPEN_STATUSES, "closed": CLOSED_STATUSES}

# Fields a GET response reads; contact data (encrypted) is never loaded.
REQUEST_FIELDS = (
    "id",
    "organization_id",
    "status",
    "body",
    "address",
    "latitude",
    "longitude",
    "place_public",
    "period",
    "received_at",
    "due_at",
    "updated_at",
    "closed_at",
    "answered_at",
    "is_public",
    "category__code",
    "category__name",
    "department__name",
    "transferred_to__name",
    "answer__body",
    "answer__state",
)


# --- helpers ---------------------------------------------------------------------------------


def _serving_organization_ids() -> set[int]:
    rows = Board.objects.filter(active=True, posting=Board.Posting.ANYONE).values_list(
        "organization_id", "code", "kinds"
    )
    return {
        org_id for org_id, code, kinds in rows if code == OPEN311_BOARD_CODE or "report" in kinds
    }


def _jurisdiction(request: HttpRequest) -> Organization:
    code = param(request, "jurisdiction_id")
    if code:
        organization = Organization.objects.filter(code=code).first()
        if organization is None:
            raise Open311Error(
                404, _("jurisdiction_id %(code)s를 찾을 수 없습니다.") % {"code": code}
            )
        return organization
    serving = _serving_organization_ids()
    if len(serving) == 1:
        return Organization.objects.get(pk=serving.pop())
    raise Open311Error(
        400, _("jurisdiction_id를 입력하세요. 이 서버는 여러 기관의 민원을 받습니다.")
    )


def _check_jurisdiction(request: HttpRequest, organization_id: int) -> bool:
    code = param(request, "jurisdiction_id")
    if not code:
        return True
    return Organization.objects.filter(pk=organization_id, code=code).exists()


def _category(organization: Organization, code: str) -> Category:
    category = (
        Category.objects.filter(organization=organization, code=code, active=True)
        .select_related("department")
        .first()
    )
    if category is None:
        raise Open311Error(404, _("service_code %(code)s를 찾을 수 없습니다.") % {"code": code})
    return category


def _open311_view(*methods: str) -> Callable:
    """Wraps a view(request, fmt, **kwargs): checks the format and the method, turns
    Open311Error into the spec's error document, and answers every unexpected failure with an
    error document too (logged), so that a client never parses an HTML error page."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        def wrapped(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            try:
                if fmt not in FORMATS:
                    raise Open311Error(
                        404, _("형식은 xml 또는 json입니다: %(format)s") % {"format": fmt[:20]}
                    )
                if request.method not in methods:
                    raise Open311Error(
                        405,
                        _("허용되지 않는 요청 방식입니다: %(method)s") % {"method": request.method},
                    )
                if has_nul_input(request, kwargs):
                    # PostgreSQL refuses NUL in text: caught here, not as a 500 of the query.
                    raise Open311Error(400, _("NUL 문자(U+0000)는 쓸 수 없습니다."))
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                result = error_response(fmt, error)
                if error.status == 405:
                    result["Allow"] = ", ".join(methods)
                return result
            except (SuspiciousOperation, MultiPartParserError, BadRequest) as error:
                # A body Django refused to read: the client's mistake, in one log line.
                logger.warning("open311: unreadable request: %s", type(error).__name__)
                return error_response(fmt, unreadable(error))
            except Exception:
                logger.exception("open311: unexpected error")
                return error_response(
                    fmt, Open311Error(500, _("일시적인 오류입니다. 잠시 후 다시 시도하세요."))
                )

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorate


# --- discovery and services ------------------------------------------------------------------


@_open311_view("GET", "HEAD")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Service discovery: one endpoint, this GeoReport v2 server."""
    url = request.build_absolute_uri("/open311/v2").rstrip("/")
    document = {
        "changeset": CHANGESET,
        "contact": _("Open311 API 문의: 각 기관의 민원 담당 부서 (%(site)s)")
        % {"site": settings.SITE_URL},
        "key_service": _(
            "API 키(api_key)는 기관의 민원 담당 관리자가 발급합니다. 민원 담당 부서에 요청하세요."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": CHANGESET,
                "type": "production" if settings.PRODUCTION else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return response(fmt, document, root="discovery")


def _keywords(raw: str) -> str:
    return ", ".join(word.strip() for word in raw.replace("\n", ",").split(",") if word.strip())


@_open311_view("GET", "HEAD")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    organization = _jurisdiction(request)
    categories = Category.objects.filter(organization=organization, active=True).select_related(
        "department"
    )
    services = [
        {
            "service_code": category.code,
            "service_name": category.name,
            "description": category.description,
            "metadata": bool(normalize_attributes(category.attributes)),
            "type": "realtime",
            "keywords": _keywords(category.keywords),
            "group": category.department.name if category.department_id else "",
        }
        for category in categories
    ]
    return response(fmt, services, root="services", item="service")


@_open311_view("GET", "HEAD")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    organization = _jurisdiction(request)
    category = _category(organization, code)
    document = {
        "service_code": category.code,
        "attributes": normalize_attributes(category.attributes),
    }
    return response(fmt, document, root="service_definition")


# --- service requests: reading ---------------------------------------------------------------


def _status_notes(row: dict[str, Any]) -> str:
    if row["answer__state"] == "approved" and row["answer__body"]:
        return public_text(row["answer__body"])
    if row["status"] == Status.TRANSFERRED and row["transferred_to__name"]:
        return _("%(organization)s(으)로 이송되었습니다.") % {
            "organization": row["transferred_to__name"]
        }
    return str(Status(row["status"]).label)


def _request_document(row: dict[str, Any]) -> dict[str, Any]:
    """One petition as a GeoReport request: public, masked, no personal data."""
    closed = row["status"] in CLOSED_STATUSES
    updated = row["updated_at"]
    place = public_place(
        row["address"], row["latitude"], row["longitude"], exact=row["place_public"]
    )
    if closed:
        updated = row["closed_at"] or row["answered_at"] or updated
    return {
        "service_request_id": str(row["id"]),
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(row),
        "service_name": row["category__name"],
        "service_code": row["category__code"],
        "description": public_text(row["body"]),
        "agency_responsible": row["department__name"],
        "service_notice": _("처리 기간 %(period)s") % {"period": row["period"]},
        "requested_datetime": row["received_at"],
        "updated_datetime": updated,
        "expected_datetime": row["due_at"],
        "address": place.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": place.latitude,
        "long": place.longitude,
        "media_url": None,
    }


def _public_requests() -> Any:
    return Petition.objects.filter(is_public=True).values(*REQUEST_FIELDS)


def _list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    organization = _jurisdiction(request)
    rows = _public_requests().filter(organization=organization)
    ids_raw = param(request, "service_request_id")
    if ids_raw:
        # "This overrides all other arguments."
        ids = parse_ids(ids_raw)
        rows = rows.filter(pk__in=ids).order_by("-received_at", "-id")
    else:
        start = parse_date_param("start_date", param(request, "start_date"))
        end = parse_date_param("end_date", param(request, "end_date"), end_of_day=True)
        if start and end:
            if end < start:
                raise Open311Error(400, _("end_date가 start_date보다 앞섭니다."))
            if end - start > DEFAULT_WINDOW:
                raise Open311Error(400, _("start_date와 end_date 사이는 90일을 넘을 수 없습니다."))
        elif start:
            end = start + DEFAULT_WINDOW
        elif end:
            start = end - DEFAULT_WINDOW
        else:
            end = timezone.now()
            start = end - DEFAULT_WINDOW
        rows = rows.filter(received_at__gte=start, received_at__lte=end)
        codes = [code.strip() for code in param(request, "service_code").split(",") if code.strip()]
        if codes:
            rows = rows.filter(category__code__in=codes)
        statuses = [word.strip() for word in param(request, "status").split(",") if word.strip()]
        if statuses:
            unknown = [word for word in statuses if word not in STATUS_FILTER]
            if unknown:
                raise Open311Error(400, _("status는 open 또는 closed입니다."))
            rows = rows.filter(
                status__in=[status for word in statuses for status in STATUS_FILTER[word]]
            )
        rows = rows.order_by("-received_at", "-id")
    documents = [_request_document(row) for row in rows[:MAX_RESULTS]]
    return response(fmt, documents, root="service_requests", item="request")


@_open311_view("GET", "HEAD")
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    not_found = Open311Error(
        404, _("service_request_id %(id)s를 찾을 수 없습니다.") % {"id": request_id[:40]}
    )
    if not (request_id.isascii() and request_id.isdigit()) or len(request_id) > 18:
        raise not_found
    row = _public_requests().filter(pk=int(request_id)).first()
    if row is None or not _check_jurisdiction(request, row["organization_id"]):
        raise not_found
    return response(fmt, [_request_document(row)], root="service_requests", item="request")


@_open311_view("GET", "HEAD")
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    row = Petition.objects.filter(token=token[:40]).values("id", "organization_id", "token").first()
    if row is None or not _check_jurisdiction(request, row["organization_id"]):
        raise Open311Error(404, _("token을 찾을 수 없습니다."))
    document = [{"service_request_id": str(row["id"]), "token": row["token"]}]
    return response(fmt, document, root="service_requests", item="request")


@_open311_view("GET", "HEAD", "POST")
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return create_request(request, fmt)
    return _list_requests(request, fmt)
