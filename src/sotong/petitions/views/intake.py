"""Resident pages of petitions (응답소): the boards, the web intake form (with the similar
answered petitions and FAQ entries), the receipt. The confirmation of an anonymous petitioner's
phone or e-mail is `confirmation.py`; the pieces the resident pages share are `common.py`.

Thin views: parse a form, call one service (`services.petition_submit`), render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from sotong.accounts.types import Actor
from sotong.core.search_page import clean_query
from sotong.core.web import add_service_errors
from sotong.org.models import Organization

from .. import confirm, permissions, queries
from ..deadlines import DEFAULT_PERIODS
from ..forms.public import PetitionForm
from ..models import Board, Kind, KindPolicy, Petition, Policy
from .common import (
    ANSWERED,
    PETITION_TYPE,
    RECEIPT_SESSION_KEY,
    _petitions_services,
    _remember_receipt,
    _too_many,
)

SIMILAR_MAX = 5
FAQ_TYPE = "faq"
DEFAULT_RETENTION_DAYS = 1095
# Words of /petitions/… that other modules (and this one) use: never an organisation code.
RESERVED = ("staff", "stats", "t", "list", "my", "similar", "confirm", "receipt")


def _retention_days(organization_id: int) -> int:
    policy = Policy.objects.filter(organization_id=organization_id).only("retention_days").first()
    return policy.retention_days if policy else DEFAULT_RETENTION_DAYS


# --- boards ---------------------------------------------------------------------------------


def _kind_periods(organization_ids) -> dict[int, dict[str, str]]:
    """{organisation id: {kind: period}}: one query for every organisation's KindPolicy."""
    periods: dict[int, dict[str, str]] = {}
    for row in KindPolicy.objects.filter(organization_id__in=list(organization_ids)):
        periods.setdefault(row.organization_id, {})[row.kind] = row.period
    return periods


@require_safe
def board_index(request: HttpRequest) -> HttpResponse:
    """The organisations that take petitions (city and districts) and the chosen one's boards,
    with their descriptions and rules."""
    organizations = list(
        Organization.objects.filter(petition_boards__active=True)
        .distinct()
        .order_by("kind", "name")
    )
    chosen = None
    code = request.GET.get("org", "")
    if code:
        chosen = next((org for org in organizations if org.code == code), None)
        if chosen is None:
            messages.warning(request, _("그 기관은 민원을 받지 않습니다. 목록에서 고르세요."))
    shown = [chosen] if chosen else organizations
    boards = Board.objects.filter(active=True, organization__in=shown).select_related(
        "organization"
    )
    periods = _kind_periods(org.pk for org in shown)
    labels = dict(Kind.choices)
    sections = []
    for org in shown:
        rows = []
        for board in boards:
            if board.organization_id != org.pk:
                continue
            own = periods.get(org.pk, {})
            rows.append(
                {
                    "board": board,
                    "kinds": [
                        (labels[kind], own.get(kind) or DEFAULT_PERIODS.get(kind, "7일"))
                        for kind in board.kinds
                        if kind in labels
                    ],
                    "may_post": permissions.can_post(request.user, board),
                }
            )
        sections.append({"organization": org, "boards": rows})
    context = {"organizations": organizations, "chosen": chosen, "sections": sections}
    return render(request, "petitions/public/boards.html", context)


# --- the intake form ------------------------------------------------------------------------


def _similar_hits(user, q: str, *, organization=None) -> dict:
    """Answered public petitions and FAQ entries like `q` (core search), for the form."""
    from sotong.core import search as index

    q, _cut = clean_query(q or "")
    result = {"q": q, "petitions": [], "faqs": [], "searched": False}
    if len(q) < 2:
        return result
    registered = index.type_choices()
    types = [name for name in (PETITION_TYPE, FAQ_TYPE) if name in registered]
    if not types:
        return result
    # FAQ entries are often the city's or nobody's: the organisation narrows petitions only.
    page = index.search(user=user, q=q, types=types, per_page=20)
    result["searched"] = True
    petition_ids = []
    for hit in page.hits:
        if hit.type == PETITION_TYPE:
            try:
                petition_ids.append(int(hit.object_id))
            except (TypeError, ValueError):
                continue
        elif hit.type == FAQ_TYPE and len(result["faqs"]) < SIMILAR_MAX:
            result["faqs"].append(hit)
    if petition_ids:
        # Only answered public ones help a resident; the index may hold others.
        rows = Petition.objects.filter(pk__in=petition_ids, is_public=True, status__in=ANSWERED)
        if organization is not None:
            rows = rows.filter(organization=organization)
        answered = set(rows.values_list("pk", flat=True))
        result["petitions"] = [
            hit
            for hit in page.hits
            if hit.type == PETITION_TYPE
            and str(hit.object_id).isdigit()
            and int(hit.object_id) in answered
        ][:SIMILAR_MAX]
    return result


def _form_context(request, board: Board, form: PetitionForm, **extra) -> dict:
    return {
        "board": board,
        "organization": board.organization,
        "form": form,
        "anonymous": not request.user.is_authenticated,
        "retention_days": _retention_days(board.organization_id),
        "body_max": 20_000,
        **extra,
    }


def _submit(
    request: HttpRequest, *, actor: Actor, board: Board, arguments: dict, **more
) -> Petition:
    return _petitions_services().petition_submit(
        actor=actor, board=board, channel="web", consent=True, **arguments, **more
    )


@never_cache
@require_http_methods(["GET", "POST"])
def petition_new(request: HttpRequest, org_code: str, board_code: str) -> HttpResponse:
    board = queries.intake_board(org_code, board_code)
    if not permissions.can_post(request.user, board):
        if board.posting == Board.Posting.MEMBERS and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return render(request, "petitions/public/closed.html", {"board": board}, status=403)
    anonymous = not request.user.is_authenticated
    similar = None
    if request.method == "POST":
        if confirm.rate_limited(request, "submit"):
            return _too_many(request)
        form = PetitionForm(request.POST, request.FILES, board=board, anonymous=anonymous)
        if "find_similar" in request.POST:
            # Without JavaScript: the form comes back as typed, with the similar answers.
            q = f"{request.POST.get('title', '')} {request.POST.get('body', '')[:300]}"
            similar = _similar_hits(request.user, q, organization=board.organization_id)
            form = PetitionForm(
                initial={k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"},
                board=board,
                anonymous=anonymous,
            )
            return render(
                request,
                "petitions/public/form.html",
                _form_context(request, board, form, similar=similar, files_dropped=True),
            )
        if form.is_valid():
            response = _handle_valid_form(request, board, form, anonymous=anonymous)
            if response is not None:
                return response
    else:
        form = PetitionForm(board=board, anonymous=anonymous)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "petitions/public/form.html",
        _form_context(request, board, form, similar=similar),
        status=status,
    )


def _handle_valid_form(request, board: Board, form: PetitionForm, *, anonymous: bool):
    data = form.cleaned_data
    arguments = form.service_arguments()
    if anonymous:
        contact = {
            "method": data["contact_method"],
            "phone": data.get("contact_phone", ""),
            "email": data.get("contact_email", ""),
            "name": data.get("petitioner_name", "").strip(),
        }
        pending = confirm.pending_start(
            request,
            board=board,
            arguments=arguments,
            contact=contact,
            uploads=data.get("attachments") or [],
            form_key=data["idempotency_key"],
        )
        try:
            confirm.send_confirmation(request, pending, organization=board.organization)
        except ValidationError as error:
            messages.warning(request, " ".join(error.messages))
        return redirect("petitions:confirm")
    try:
        petition = _submit(
            request,
            actor=request.user,
            board=board,
            arguments=arguments,
            attachments=data.get("attachments") or [],
            idempotency_key=f"web:{data['idempotency_key']}",
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    except PermissionDenied as error:
        form.add_error(None, str(error) or _("이 게시판에 민원을 쓸 수 없습니다."))
        return None
    _remember_receipt(request, petition, anonymous=False)
    return redirect("petitions:receipt")


@require_safe
def similar(request: HttpRequest) -> HttpResponse:
    """Similar answered petitions and FAQ entries for what the resident is typing: a partial
    for htmx, or a whole page when opened without JavaScript."""
    org = request.GET.get("org", "")
    organization = Organization.objects.filter(code=org).first() if org else None
    result = _similar_hits(request.user, request.GET.get("q", ""), organization=organization)
    template = (
        "petitions/public/_similar.html"
        if request.headers.get("HX-Request")
        else "petitions/public/similar.html"
    )
    return render(request, template, {"similar": result, "organization": organization})


@never_cache
@require_safe
def receipt(request: HttpRequest) -> HttpResponse:
    data = request.session.get(RECEIPT_SESSION_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return render(request, "petitions/public/receipt.html", {"nothing": True})
    petition = (
        Petition.objects.select_related("organization", "board", "department")
        .filter(pk=data["id"])
        .first()
    )
    if petition is None:
        return render(request, "petitions/public/receipt.html", {"nothing": True})
    token_url = ""
    if data.get("token") and data["token"] == petition.token:
        token_url = request.build_absolute_uri(reverse("petitions:token", args=[petition.token]))
    context = {"petition": petition, "token_url": token_url}
    return render(request, "petitions/public/receipt.html", context)


_ORG = r"(?P<org_code>(?!(?:{})/)[-a-zA-Z0-9_]+)".format("|".join(RESERVED))

urlpatterns = [
    path("", board_index, name="boards"),
    path("similar", similar, name="similar"),
    path("receipt", receipt, name="receipt"),
    re_path(rf"^{_ORG}/(?P<board_code>[a-z0-9][a-z0-9_-]{{0,39}})/new$", petition_new, name="new"),
]

__all__ = ["urlpatterns"]
