"""Resident pages of petitions (응답소): the boards, the web intake form (with the confirmation of
an anonymous petitioner's phone or e-mail), the receipt, the public timeline, the listing, the
rating and the reopen (재민원), "my petitions".

Thin views: parse a form, call one service (`services.petition_submit`, `petition_rate`,
`petition_reopen`) or a query (`queries.petition_for_user` …), render or redirect. A private
petition answers everyone but its petitioner and its handlers with the 404 of a missing one.
Public pages show user-written text only through `core.privacy.public.public_text` (personal data
masked; the petitioner reads their own text and answer as written), the place through
`queries.public_place_of` (street level unless staff published it) and the petitioner through
`queries.petitioner_label`. No input raises a server error."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Case, IntegerField, Max, Min, Q, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sotong.core.privacy.public import PublicPlace, public_text
from sotong.core.search_page import clean_query, page_window
from sotong.core.web import add_service_errors
from sotong.org.models import Organization

from . import confirm, permissions, queries
from .deadlines import DEFAULT_PERIODS
from .forms import CodeForm, ListFilterForm, PetitionForm, RatingForm, ReopenForm
from .models import (
    Answer,
    Board,
    Category,
    Kind,
    KindPolicy,
    Petition,
    Policy,
    Status,
)

RECEIPT_SESSION_KEY = "petitions_receipt"
PER_PAGE = 20
# Search hits read for the listing: the best this many, then filtered and paginated here.
SEARCH_HITS_MAX = 300
SIMILAR_MAX = 5
PETITION_TYPE = "petition"
FAQ_TYPE = "faq"
ANSWERED = (Status.ANSWERED, Status.CLOSED)
DEFAULT_RETENTION_DAYS = 1095
# Words of /petitions/… that other modules (and this one) use: never an organisation code.
RESERVED = ("staff", "stats", "t", "list", "my", "similar", "confirm", "receipt")


def _petitions_services():
    # Imported when used: the lifecycle module is P1's and loads notify events on import.
    from . import services

    return services


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", status=429)


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


def _board_or_404(org_code: str, board_code: str) -> Board:
    return get_object_or_404(
        Board.objects.select_related("organization"),
        organization__code=org_code,
        code=board_code,
        active=True,
    )


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


def _submit(request: HttpRequest, *, actor, board: Board, arguments: dict, **more) -> Petition:
    return _petitions_services().petition_submit(
        actor=actor, board=board, channel="web", consent=True, **arguments, **more
    )


def _remember_receipt(request: HttpRequest, petition: Petition, *, anonymous: bool) -> None:
    request.session[RECEIPT_SESSION_KEY] = {
        "id": petition.pk,
        "token": petition.token if anonymous else "",
    }


@never_cache
@require_http_methods(["GET", "POST"])
def petition_new(request: HttpRequest, org_code: str, board_code: str) -> HttpResponse:
    board = _board_or_404(org_code, board_code)
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


# --- confirmation of an anonymous petitioner ----------------------------------------------


def _finish_pending(request: HttpRequest, pending: dict) -> HttpResponse:
    board = Board.objects.select_related("organization").filter(pk=pending["board"]).first()
    if board is None:
        confirm.pending_clear(request)
        raise Http404
    files = confirm.pending_files(pending)
    try:
        petition = _submit(
            request,
            actor=None,
            board=board,
            arguments=confirm.pending_arguments(pending),
            attachments=files,
            idempotency_key=f"web:{pending['key']}",
            **confirm.confirmed_contact(pending),
        )
    except (ValidationError, PermissionDenied) as error:
        message = " ".join(getattr(error, "messages", None) or [str(error)])
        confirm.pending_clear(request)
        context = {"board": board, "message": message}
        return render(request, "petitions/public/confirm_failed.html", context, status=400)
    finally:
        for handle in files:
            handle.close()
    confirm.pending_clear(request)
    _remember_receipt(request, petition, anonymous=True)
    return redirect("petitions:receipt")


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_view(request: HttpRequest) -> HttpResponse:
    pending = confirm.pending_get(request)
    if pending is None:
        return render(request, "petitions/public/confirm.html", {"nothing": True})
    board = Board.objects.select_related("organization").filter(pk=pending["board"]).first()
    if board is None:
        confirm.pending_clear(request)
        return render(request, "petitions/public/confirm.html", {"nothing": True})
    form = CodeForm()
    status = 200
    if request.method == "POST":
        if confirm.rate_limited(request, "confirm"):
            return _too_many(request)
        if request.POST.get("action") == "resend":
            if confirm.rate_limited(request, "resend"):
                return _too_many(request)
            try:
                confirm.send_confirmation(request, pending, organization=board.organization)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("인증번호를 다시 보냈습니다.")
                    if pending["method"] == "sms"
                    else _("확인 메일을 다시 보냈습니다."),
                )
            return redirect("petitions:confirm")
        if request.POST.get("action") == "cancel":
            confirm.pending_clear(request)
            messages.success(request, _("민원 신청을 취소했습니다. 입력한 내용은 지웠습니다."))
            return redirect("petitions:boards")
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                confirm.check_code(request, pending, form.cleaned_data["code"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return _finish_pending(request, pending)
        status = 400
    from sotong.notify.addresses import masked_email, masked_phone

    context = {
        "pending": pending,
        "board": board,
        "organization": board.organization,
        "form": form,
        "phone_masked": masked_phone(pending.get("phone", "")),
        "email_masked": masked_email(pending.get("email", "")),
        "title": pending["arguments"].get("title", ""),
    }
    return render(request, "petitions/public/confirm.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and POST submits: mail scanners open links, and must not file a
    petition its writer has not confirmed."""
    pending = confirm.pending_get(request)
    if request.method == "GET":
        return render(
            request,
            "petitions/public/confirm_email.html",
            {"token": token, "title": pending["arguments"].get("title", "") if pending else ""},
        )
    if confirm.rate_limited(request, "confirm"):
        return _too_many(request)
    try:
        confirm.check_email_token(pending, token)
    except ValidationError as error:
        context = {"message": " ".join(error.messages), "expired": error.code == "expired"}
        return render(request, "petitions/public/invalid_link.html", context, status=404)
    return _finish_pending(request, pending)


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


# --- the public timeline --------------------------------------------------------------------


def _answer_of(petition: Petition) -> Answer | None:
    if petition.status not in ANSWERED:
        return None
    try:
        answer = petition.answer
    except ObjectDoesNotExist:
        return None
    return answer if answer.state == Answer.State.APPROVED else None


def _reopen_until(petition: Petition) -> datetime.datetime | None:
    if petition.status not in ANSWERED or petition.answered_at is None:
        return None
    return petition.answered_at + datetime.timedelta(days=petition.board.reopen_days)


def _own_place(petition: Petition) -> PublicPlace:
    return PublicPlace(
        address=petition.address,
        latitude=petition.latitude,
        longitude=petition.longitude,
        exact=True,
    )


def _detail_context(request, petition: Petition, *, owner: bool, token: str = "", **forms):
    answer = _answer_of(petition)
    attachments = petition.attachments.select_related("file")
    if not owner:
        attachments = attachments.filter(is_public=True)
    else:
        attachments = attachments.filter(Q(is_public=True) | Q(uploaded_by_staff=False))
    follow_ups = petition.follow_ups.filter(permissions.visible_filter(request.user)).only(
        "pk", "title", "received_at"
    )
    events = [
        {"event": event, "note": public_text(event.note)}
        for event in queries.public_timeline(petition)
    ]
    reopen_until = _reopen_until(petition)
    public_place = queries.public_place_of(petition)
    may_act = owner and permissions.can_rate(request.user, petition, token=token)
    context = {
        "petition": petition,
        "owner": owner,
        "token": token,
        "title": public_text(petition.title),
        "body": petition.body if owner else public_text(petition.body),
        "petitioner": queries.petitioner_label(petition),
        # The petitioner sees the place as they wrote it, and what the public sees of it.
        "place": _own_place(petition) if owner else public_place,
        "public_place": public_place,
        "events": events,
        "answer": answer,
        # The answer is addressed to the petitioner; everyone else reads it masked.
        "answer_body": "" if answer is None else answer.body if owner else public_text(answer.body),
        "attachments": list(attachments),
        "follow_ups": list(follow_ups),
        "follow_up_of": petition.follow_up_of
        if petition.follow_up_of_id and permissions.can_view(request.user, petition.follow_up_of)
        else None,
        "may_rate": may_act and petition.status in ANSWERED and petition.rated_at is None,
        "may_reopen": may_act
        and reopen_until is not None
        and timezone.now() <= reopen_until
        and permissions.can_reopen(request.user, petition, token=token),
        "reopen_until": reopen_until,
        "rating_form": forms.get("rating_form") or RatingForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
    }
    return context


@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    petition = queries.petition_for_user(request.user, pk)
    owner = permissions.is_petitioner(request.user, petition)
    return render(
        request, "petitions/public/detail.html", _detail_context(request, petition, owner=owner)
    )


def _by_token(token: str) -> Petition:
    if not token or len(token) > 60:
        raise Http404
    return get_object_or_404(
        Petition.objects.select_related("organization", "board", "category", "department"),
        token=token,
    )


@never_cache
@require_safe
def detail_by_token(request: HttpRequest, token: str) -> HttpResponse:
    """The petitioner without an account follows their petition (public or private) here."""
    petition = _by_token(token)
    context = _detail_context(request, petition, owner=True, token=token)
    response = render(request, "petitions/public/detail.html", context)
    # The token is a key: never sent on to other sites in a Referer.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _attachment_response(petition: Petition, attachment_id: int, *, owner: bool):
    from sotong.core.files import file_response

    rows = petition.attachments.select_related("file").filter(pk=attachment_id)
    rows = (
        rows.filter(Q(is_public=True) | Q(uploaded_by_staff=False))
        if owner
        else rows.filter(is_public=True)
    )
    attachment = rows.first()
    if attachment is None:
        raise Http404
    response = file_response(attachment.file, as_attachment=True)
    if not owner:
        # The name was typed by whoever uploaded the file: masked like any public text.
        from sotong.core.files.responses import content_disposition

        response["Content-Disposition"] = content_disposition(
            public_text(attachment.file.original_name), as_attachment=True
        )
    return response


@require_safe
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    petition = queries.petition_for_user(request.user, pk)
    owner = permissions.is_petitioner(request.user, petition) or permissions.can_handle(
        request.user, petition
    )
    return _attachment_response(petition, attachment_id, owner=owner)


@require_safe
def token_attachment(request: HttpRequest, token: str, attachment_id: int) -> HttpResponse:
    return _attachment_response(_by_token(token), attachment_id, owner=True)


# --- rating and reopening ---------------------------------------------------------------------


def _own_petition(request: HttpRequest, pk: int) -> Petition:
    petition = queries.petition_for_user(request.user, pk)
    if not permissions.is_petitioner(request.user, petition):
        raise Http404
    return petition


def _after_action(petition: Petition, token: str):
    if token:
        return redirect("petitions:token", token=token)
    return redirect("petitions:detail", pk=petition.pk)


@login_required
@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    return _rate(request, _own_petition(request, pk))


@require_POST
def rate_by_token(request: HttpRequest, token: str) -> HttpResponse:
    return _rate(request, _by_token(token), token=token)


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _reopen(request, _own_petition(request, pk))


@require_POST
def reopen_by_token(request: HttpRequest, token: str) -> HttpResponse:
    return _reopen(request, _by_token(token), token=token)


def _actor(request: HttpRequest):
    return request.user if request.user.is_authenticated else None


def _rate(request: HttpRequest, petition: Petition, *, token: str = "") -> HttpResponse:
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            _petitions_services().petition_rate(
                actor=_actor(request),
                petition=petition,
                speed=form.cleaned_data["speed"],
                completeness=form.cleaned_data["completeness"],
                comment=form.cleaned_data["comment"],
                token=token,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("이 민원은 평가할 수 없습니다."))
        else:
            messages.success(request, _("만족도 평가를 보내 주셔서 고맙습니다."))
            return _after_action(petition, token)
    context = _detail_context(request, petition, owner=True, token=token, rating_form=form)
    context["may_rate"] = True
    return render(request, "petitions/public/detail.html", context, status=400)


def _reopen(request: HttpRequest, petition: Petition, *, token: str = "") -> HttpResponse:
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            follow_up = _petitions_services().petition_reopen(
                actor=_actor(request),
                petition=petition,
                body=form.cleaned_data["body"],
                token=token,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("이 민원은 재민원을 신청할 수 없습니다."))
        else:
            _remember_receipt(request, follow_up, anonymous=follow_up.user_id is None)
            return redirect("petitions:receipt")
    context = _detail_context(request, petition, owner=True, token=token, reopen_form=form)
    context["may_reopen"] = True
    return render(request, "petitions/public/detail.html", context, status=400)


# --- the public listing -----------------------------------------------------------------------


def _years() -> list[int]:
    bounds = Petition.objects.filter(is_public=True).aggregate(
        first=Min("received_at"), last=Max("received_at")
    )
    if bounds["first"] is None:
        return [timezone.localdate().year]
    first = timezone.localtime(bounds["first"]).year
    last = max(timezone.localtime(bounds["last"]).year, timezone.localdate().year)
    return list(range(last, first - 1, -1))


def _search_ids(user, q: str, organization) -> list[int]:
    """The ids of public petitions matching `q`, best first (core search)."""
    from sotong.core import search as index

    if PETITION_TYPE not in index.type_choices():
        return []
    ids: list[int] = []
    page_number = 1
    while len(ids) < SEARCH_HITS_MAX:
        page = index.search(
            user=user,
            q=q,
            types=[PETITION_TYPE],
            organization=organization,
            page=page_number,
            per_page=100,
        )
        for hit in page.hits:
            if str(hit.object_id).isdigit():
                ids.append(int(hit.object_id))
        if not page.has_next:
            break
        page_number += 1
    return ids[:SEARCH_HITS_MAX]


@require_safe
def petition_list(request: HttpRequest) -> HttpResponse:
    organizations = list(
        Organization.objects.filter(petition_boards__active=True)
        .distinct()
        .order_by("kind", "name")
    )
    boards = list(Board.objects.filter(active=True).select_related("organization"))
    categories = list(Category.objects.filter(active=True).select_related("organization"))
    form = ListFilterForm(
        request.GET or None,
        organizations=organizations,
        boards=boards,
        categories=categories,
        years=_years(),
    )
    values = form.valid_values() if request.GET else {}
    organization = next((o for o in organizations if o.code == values.get("org")), None)
    rows = queries.public_petitions(
        organization=organization,
        board=int(values["board"]) if values.get("board") else None,
        category=int(values["category"]) if values.get("category") else None,
    )
    if values.get("status"):
        rows = rows.filter(status=values["status"])
    if values.get("year"):
        rows = rows.filter(received_at__year=values["year"])
    q = ""
    if values.get("q"):
        q, _cut = clean_query(values["q"])
    if q:
        ids = _search_ids(request.user, q, organization)
        rank = Case(
            *[When(pk=pk, then=position) for position, pk in enumerate(ids)],
            output_field=IntegerField(),
        )
        rows = rows.filter(pk__in=ids).order_by(rank, "-received_at") if ids else rows.none()
    paginator = Paginator(rows, PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        page = paginator.page(1)
    except EmptyPage:
        page = paginator.page(paginator.num_pages)
    items = [
        {"petition": petition, "title": public_text(petition.title)}
        for petition in page.object_list
    ]
    kept = {key: value for key, value in values.items() if key != "page"}
    if q:
        kept["q"] = q
    context = {
        "form": form,
        "page": page,
        "items": items,
        "total": paginator.count,
        "q": q,
        "page_links": page_window(page.number, paginator.num_pages),
        "base_query": urlencode(kept),
    }
    return render(request, "petitions/public/list.html", context)


# --- my petitions -------------------------------------------------------------------------------


@login_required
@require_safe
def my_petitions(request: HttpRequest) -> HttpResponse:
    rows = queries.visible_petitions(request.user).filter(user_id=request.user.pk)
    paginator = Paginator(rows.order_by("-received_at", "-id"), PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        page = paginator.page(1)
    context = {
        "page": page,
        "page_links": page_window(page.number, paginator.num_pages),
        "total": paginator.count,
    }
    return render(request, "petitions/public/my.html", context)


_ORG = r"(?P<org_code>(?!(?:{})/)[-a-zA-Z0-9_]+)".format("|".join(RESERVED))

urlpatterns = [
    path("", board_index, name="boards"),
    path("list", petition_list, name="list"),
    path("my", my_petitions, name="my"),
    path("similar", similar, name="similar"),
    path("confirm", confirm_view, name="confirm"),
    path("confirm/email/<str:token>", confirm_email, name="confirm_email"),
    path("receipt", receipt, name="receipt"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/rate", rate, name="rate"),
    path("<int:pk>/reopen", reopen, name="reopen"),
    path("<int:pk>/files/<int:attachment_id>", attachment, name="attachment"),
    path("t/<str:token>", detail_by_token, name="token"),
    path("t/<str:token>/rate", rate_by_token, name="token_rate"),
    path("t/<str:token>/reopen", reopen_by_token, name="token_reopen"),
    path("t/<str:token>/files/<int:attachment_id>", token_attachment, name="token_attachment"),
    re_path(rf"^{_ORG}/(?P<board_code>[a-z0-9][a-z0-9_-]{{0,39}})/new$", petition_new, name="new"),
]

__all__ = ["urlpatterns"]
