"""No public surface shows personal data (issue 11, "make it impossible").

A government is built through the services with personal data planted in every field people
write — petition title, body, place and point, answer, public and staff notes (assignment memo,
reassignment, transfer and extension reasons, return comment), rating comment, group title,
petitioner name, attachment names, a follow-up, a help request — and then every URL pattern of
the project is requested as a visitor and as an unrelated resident: the pages, Open311 in JSON
and XML, the JSON API, search and the similar-petition suggestions, the statistics and their CSV.
No response (body or headers) may hold a planted item as it was written, and no message the
petitions sent (to staff, to the petitioner, to an address not yet confirmed) either.

The URL patterns come from the resolver: a pattern with parameters must be filled here
(`FILL`) or skipped with a reason (`SKIP`), so that a new app's URL cannot be forgotten; the
test fails on a pattern it does not know."""

from __future__ import annotations

import contextlib
import html
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

# --- what is planted -------------------------------------------------------------------------


@dataclass(frozen=True)
class Plants:
    """Personal data written in one way; `secrets` must never be shown as written."""

    name: str
    secrets: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.secrets)


STANDARD = Plants(
    "standard",
    (
        "010-2345-6789",
        "02-3456-7890",
        "plant.person@example.org",
        "850315-1234567",
    ),
)
VARIANTS = Plants(
    "variants",
    (
        "010ㅡ2345ㅡ6789",
        "０１０-９８７６-５４３２",
        "hong.gildong＠example.com",
        "900101ㅡ1234567",
        "900101—1234567",
        "010−3456−7890",
        "plant@example。com",
    ),
)
NAMES = Plants("names", ("홍길동님", "성명: 홍길동", "홍길동 주무관"))
# A name is "shown" when the name itself is, whatever marks it.
NAME_SHOWN = ("홍길동",)
# The exact point and building number of the home the petitions are about.
PLACE = Plants("place", ("연희로 123-4", "37.566312", "126.931278"))


PLANT_SETS = [
    pytest.param(STANDARD, id="standard"),
    pytest.param(VARIANTS, id="variants"),
    pytest.param(NAMES, id="names"),
]


def _shown(plants: Plants) -> tuple[str, ...]:
    return NAME_SHOWN if plants is NAMES else plants.secrets


# --- the government ----------------------------------------------------------------------------


def _pdf() -> bytes:
    body = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    return body


@dataclass
class Government:
    district: Any
    board: Any
    category: Any
    answered: Any  # public, answered, rated, with a follow-up
    follow_up: Any
    grouped: Any  # public, reassigned, grouped
    transferred: Any
    private: Any
    group: Any
    attachment: Any
    faq: Any
    service: Any
    help_request: Any


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    from django.core.cache import cache

    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


def _intake(district, department):
    from sotong.accounts.models import User
    from sotong.org.models import Staff

    user = User.objects.create_user(
        email="intake@testgu.go.kr", password="correct-horse-9", display_name="접수담당"
    )
    Staff.objects.create(
        user=user,
        organization=district,
        department=department,
        name="접수담당",
        position="officer",
        grade=8,
    )
    user.user_permissions.add(Permission.objects.get(codename="intake_petition"))
    return User.objects.get(pk=user.pk)


def _submit(services, board, category, resident, plants: Plants, **extra):
    return services.petition_submit(
        actor=resident,
        board=board,
        kind="report",
        category=category,
        title=f"가로등 고장 {plants.text}"[:200],
        body=f"집 앞 가로등이 꺼졌습니다. {plants.text} 성명: 홍길동",
        address=f"서울특별시 서대문구 연희로 123-4 {plants.text}"[:200],
        latitude=Decimal("37.566312"),
        longitude=Decimal("126.931278"),
        petitioner_name="홍길동",
        **extra,
    )


def _answer_and_rate(services, petition, officer, head, resident, plants):
    services.petition_extend(actor=officer, petition=petition, reason=f"현장 확인 {plants.text}")
    services.answer_save(actor=officer, petition=petition, body=f"답변 {plants.text}")
    services.answer_submit(actor=officer, petition=petition, checklist=[])
    services.answer_return(actor=head, petition=petition, comment=f"반려 {plants.text}")
    services.answer_save(actor=officer, petition=petition, body=f"고쳤습니다. {plants.text}")
    services.answer_submit(actor=officer, petition=petition, checklist=[])
    services.answer_approve(actor=head, petition=petition)
    follow_up = services.petition_reopen(
        actor=resident, petition=petition, body=f"다시 {plants.text}"
    )
    services.petition_rate(
        actor=resident, petition=petition, speed=1, completeness=2, comment=f"{plants.text}"
    )
    return follow_up


def _side_objects(district, resident, plants):
    from sotong.guide.models import FaqEntry, Service
    from sotong.helpdesk.models import HelpRequest

    faq = FaqEntry.objects.create(title="가로등 고장 신고", answer="구청에 신고하세요.")
    service = Service.objects.create(
        organization=district,
        name="가로등 수리",
        summary="가로등을 고칩니다.",
        field="admin_safety",
        provider_name="시험구",
        provider_kind="district",
    )
    help_request = HelpRequest.objects.create(
        organization=district,
        user=resident,
        message=f"도와주세요 {plants.text}",
        contact_method="phone",
        contact_phone="010-2345-6789",
    )
    return faq, service, help_request


def build(plants: Plants, *, district, department, other_department, resident, officer, head):
    """The planted government, made through the services (timeline, notices, search index)."""
    from sotong.core.files.services import file_store
    from sotong.core.search import index_objects
    from sotong.petitions import services
    from sotong.petitions.models import Attachment, Board, Category, Petition
    from sotong.petitions.search import PETITION_TYPE

    intake = _intake(district, department)
    board = Board.objects.create(
        organization=district,
        code="daily",
        name="생활불편신고",
        kinds=["report"],
        approver=Board.Approver.HEAD,
    )
    category = Category.objects.create(organization=district, code="light", name="가로정비")
    answered = _submit(services, board, category, resident, plants)
    services.petition_assign(
        actor=intake, petition=answered, department=department, note=f"메모 {plants.text}"
    )
    follow_up = _answer_and_rate(services, answered, officer, head, resident, plants)
    stored = file_store(
        actor=officer,
        upload=SimpleUploadedFile(f"현장 {plants.secrets[0]}.pdf", _pdf(), "application/pdf"),
        allowed="attachments",
        organization=district,
    )
    attachment = Attachment.objects.create(
        petition=answered, file=stored, is_public=True, uploaded_by_staff=True
    )
    grouped = _submit(services, board, category, resident, plants)
    twin = _submit(services, board, category, resident, plants)
    for petition in (grouped, twin):
        services.petition_assign(actor=intake, petition=petition, department=department)
        services.petition_reassign(
            actor=intake,
            petition=petition,
            department=other_department,
            reason=f"재배정 {plants.text}",
        )
    group = services.group_create(
        actor=intake, petitions=[grouped, twin], title=f"묶음 {plants.text}"
    )
    transferred = _submit(services, board, category, resident, plants)
    services.petition_transfer(
        actor=intake,
        petition=transferred,
        to_organization=district.parent,
        reason=f"이송 {plants.text}",
    )
    private = _submit(services, board, category, resident, plants, is_public=False)
    index_objects(PETITION_TYPE, list(Petition.objects.all()))
    faq, service, help_request = _side_objects(district, resident, plants)
    return Government(
        district=district,
        board=board,
        category=category,
        answered=answered,
        follow_up=follow_up,
        grouped=grouped,
        transferred=transferred,
        private=private,
        group=group,
        attachment=attachment,
        faq=faq,
        service=service,
        help_request=help_request,
    )


# --- the URL patterns --------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the route when the pattern has no name
    route: str
    params: frozenset[str]
    namespace: str = ""


def routes(resolver=None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from routes(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            regex = entry.pattern.regex
            params = frozenset(regex.groupindex)
            assert regex.groups == len(params), f"unnamed groups in {prefix}{entry.pattern}"
            route = prefix + str(entry.pattern)
            yield Route(name or route, route, params, namespace)


# Namespaces and patterns never requested, and why.
SKIP_NAMESPACES = {
    "admin": "the admin site: staff with a second factor only; every page sends visitors to its "
    "login (tests/core/test_pages.py), and admin lists are not public surfaces",
}
SKIP = {
    "account_confirm_email": "allauth's e-mail key, sent to the account holder only; the page "
    "shows the address being confirmed to its owner",
    "account_reset_password_from_key": "allauth's reset key, sent to the account holder only",
    **{
        f"{provider}_{step}": "an OAuth hand-off to the provider (Kakao, Naver, Google): it "
        "redirects away and shows nothing of ours; needs a configured SocialApp"
        for provider in ("kakao", "naver", "google")
        for step in ("login", "callback")
    },
    "google_login_by_token": "an OAuth hand-off (Google's token endpoint), POST only",
    "notify:confirm_email": "a signed link mailed to the subscriber: their own subscription",
    "notify:manage": "a signed link mailed to the subscriber: their own subscription page",
    "notify:unsubscribe": "a signed link mailed to the subscriber: their own subscription",
    "petitions:token": "the petitioner's follow-up token (a capability handed to them at "
    "receipt): their own petition, shown to them as they wrote it",
    "petitions:token_rate": "the petitioner's own petition (token), POST only",
    "petitions:token_reopen": "the petitioner's own petition (token), POST only",
    "petitions:token_attachment": "the petitioner's own uploads (token)",
}

Fill = Callable[[Government], list[dict[str, Any]]]


def _each(**values: Callable[[Government], Any]) -> Fill:
    """One request per combination of the given parameter values (lists or single values)."""

    def fill(gov: Government) -> list[dict[str, Any]]:
        combos: list[dict[str, Any]] = [{}]
        for name, value in values.items():
            found = value(gov)
            options = found if isinstance(found, list) else [found]
            combos = [{**combo, name: option} for combo in combos for option in options]
        return combos

    return fill


def _petitions(gov: Government) -> list[int]:
    return [gov.answered.pk, gov.follow_up.pk, gov.grouped.pk, gov.transferred.pk, gov.private.pk]


FMT = lambda gov: ["json", "xml"]  # noqa: E731
MISSING = lambda gov: 999_999  # noqa: E731  (a page for an object that does not exist)
FILL: dict[str, Fill] = {
    "org:organization": _each(code=lambda gov: gov.district.code),
    "services:faq_detail": _each(pk=lambda gov: gov.faq.pk),
    "services:service_detail": _each(pk=lambda gov: gov.service.pk),
    "services:service_print": _each(pk=lambda gov: gov.service.pk),
    "services:service_save": _each(pk=lambda gov: gov.service.pk),
    "services:service_review": _each(pk=lambda gov: gov.service.pk),
    "helpdesk:detail": _each(pk=lambda gov: gov.help_request.pk),
    "helpdesk:cancel": _each(pk=lambda gov: gov.help_request.pk),
    "helpdesk:survey": _each(pk=lambda gov: gov.help_request.pk),
    "helpdesk:helper_update": _each(pk=MISSING),
    "helpdesk:case": _each(pk=lambda gov: gov.help_request.pk),
    "helpdesk:assign": _each(pk=lambda gov: gov.help_request.pk),
    "helpdesk:contact_add": _each(pk=lambda gov: gov.help_request.pk),
    "helpdesk:complete": _each(pk=lambda gov: gov.help_request.pk),
    "helpdesk:phone": _each(pk=lambda gov: gov.help_request.pk),
    "services:import_status": _each(pk=MISSING),
    "services:export_file": _each(fmt=lambda gov: ["csv", "xlsx"]),
    "notify:staff_template_edit": _each(pk=MISSING),
    "notify:staff_template_preview": _each(pk=MISSING),
    "notify:staff_template_delete": _each(pk=MISSING),
    "notify:staff_campaign_create": _each(kind=lambda gov: "newsletter"),
    "notify:staff_campaign_new_count": _each(kind=lambda gov: "newsletter"),
    **{
        f"notify:staff_campaign{suffix}": _each(pk=MISSING)
        for suffix in (
            "",
            "_edit",
            "_count",
            "_preview",
            "_schedule",
            "_send",
            "_cancel",
            "_report",
            "_report_csv",
        )
    },
    "notify:link_follow": _each(token=lambda gov: "not-a-token"),
    "petitions:confirm_email": _each(token=lambda gov: "not-a-token"),
    "petitions:detail": _each(pk=_petitions),
    "petitions:rate": _each(pk=lambda gov: gov.answered.pk),
    "petitions:reopen": _each(pk=lambda gov: gov.answered.pk),
    "petitions:attachment": _each(
        pk=lambda gov: gov.answered.pk, attachment_id=lambda gov: gov.attachment.pk
    ),
    "petitions:new": _each(
        org_code=lambda gov: gov.district.code, board_code=lambda gov: gov.board.code
    ),
    "petitions:staff_group": _each(pk=lambda gov: gov.group.pk),
    "petitions:staff_attachment": _each(
        pk=lambda gov: gov.answered.pk, attachment_pk=lambda gov: gov.attachment.pk
    ),
    **{
        f"petitions:staff_{name}": _each(pk=_petitions)
        for name in (
            "case",
            "assign",
            "reassign",
            "transfer",
            "accept",
            "extend",
            "answer",
            "approve",
            "return",
            "contact",
            "place",
            "group_create",
        )
    },
    "open311:discovery": _each(fmt=FMT),
    "open311:services": _each(fmt=FMT),
    "open311:service": _each(code=lambda gov: gov.category.code, fmt=FMT),
    "open311:requests": _each(fmt=FMT),
    "open311:request": _each(request_id=_petitions, fmt=FMT),
    "open311:token": _each(token=lambda gov: gov.answered.token, fmt=FMT),
}

# Query strings asked of a pattern besides the bare URL (searches, filters, jurisdictions).
QUERIES: dict[str, Callable[[Government], list[dict[str, str]]]] = {
    "search": lambda gov: [{"q": "가로등 고장"}, {"q": "가로등", "type": "petition"}],
    "petitions:list": lambda gov: [{"q": "가로등 고장"}, {"org": gov.district.code}],
    "petitions:similar": lambda gov: [{"q": "가로등 고장 집 앞"}],
    "petitions:stats": lambda gov: [{"org": gov.district.code}],
    "petitions:stats_csv": lambda gov: [{"org": gov.district.code}],
    "petitions:stats_processing_csv": lambda gov: [{"org": gov.district.code}],
    "open311:services": lambda gov: [{"jurisdiction_id": gov.district.code}],
    "open311:service": lambda gov: [{"jurisdiction_id": gov.district.code}],
    "open311:requests": lambda gov: [
        {"jurisdiction_id": gov.district.code},
        {"jurisdiction_id": gov.district.code, "status": "closed"},
        {
            "jurisdiction_id": gov.district.code,
            "service_request_id": ",".join(str(pk) for pk in _petitions(gov)),
        },
    ],
}


def _skipped(route: Route) -> bool:
    top = route.namespace.split(":", 1)[0]
    return top in SKIP_NAMESPACES or route.key in SKIP


def unknown_routes() -> list[str]:
    """Patterns with parameters that are neither filled nor skipped with a reason."""
    return [
        f"{route.key} ({route.route})"
        for route in routes()
        if route.params and not _skipped(route) and route.key not in FILL
    ]


def requests_for(gov: Government) -> list[tuple[str, str, dict[str, str]]]:
    """(route key, path, query) of every request to make."""
    planned: list[tuple[str, str, dict[str, str]]] = []
    for route in routes():
        if _skipped(route) or (route.params and route.key not in FILL):
            continue
        for kwargs in FILL[route.key](gov) if route.key in FILL else [{}]:
            if route.key == route.route:  # unnamed and without parameters: the route is a path
                path = "/" + route.route.lstrip("^").rstrip("$")
            else:
                path = reverse(route.key, kwargs=kwargs)
            queries = [{}, *QUERIES.get(route.key, lambda gov: [])(gov)]
            planned.extend((route.key, path, query) for query in queries)
    return planned


def _readable(response) -> str:
    """Everything a response tells its reader: the body (JSON decoded, HTML entities and URL
    escapes undone) and the headers (a download's file name)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    if "json" in response.get("Content-Type", ""):
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), ensure_ascii=False)
    headers = " ".join(f"{key}: {value}" for key, value in response.items())
    return html.unescape(text) + "\n" + unquote(headers)


def _leaks(text: str, secrets: tuple[str, ...]) -> list[str]:
    return [secret for secret in secrets if secret in text]


# --- the walk ----------------------------------------------------------------------------------


@pytest.fixture
def government_for(district, department, other_department, resident, officer, head):
    def make(plants: Plants) -> Government:
        return build(
            plants,
            district=district,
            department=department,
            other_department=other_department,
            resident=resident,
            officer=officer,
            head=head,
        )

    return make


def _walk(client: Client, gov: Government, secrets: tuple[str, ...]) -> list[str]:
    unknown = unknown_routes()
    assert not unknown, (
        "URL patterns with parameters that this test neither fills (FILL) nor skips with a "
        f"reason (SKIP): {unknown}"
    )
    found = []
    for key, path, query in requests_for(gov):
        response = client.get(path, query)
        leaked = _leaks(_readable(response), secrets)
        if leaked:
            found.append(f"{key} {path}?{query} ({response.status_code}): {leaked}")
    api = client.post("/api/services/match", data="{}", content_type="application/json")
    leaked = _leaks(_readable(api), secrets)
    if leaked:
        found.append(f"POST /api/services/match: {leaked}")
    return found


@pytest.mark.parametrize("plants", PLANT_SETS)
def test_no_public_surface_shows_planted_personal_data(
    plants, government_for, other_resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        gov = government_for(plants)
    secrets = _shown(plants)
    found = _walk(Client(), gov, secrets)
    neighbour = Client()
    neighbour.force_login(other_resident)
    found += _walk(neighbour, gov, secrets)
    assert not found, "\n".join(found)


def test_the_exact_place_of_a_home_is_never_public(
    government_for, other_resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        gov = government_for(STANDARD)
    found = _walk(Client(), gov, PLACE.secrets)
    assert not found, "\n".join(found)
    # What staff publish is public, and only that.
    from sotong.petitions import services

    gov.answered.refresh_from_db()
    services.petition_place_publish(
        actor=gov.answered.handler.user, petition=gov.answered, public=True
    )
    page = Client().get(reverse("petitions:detail", args=[gov.answered.pk]))
    assert "연희로 123-4" in _readable(page)


@pytest.mark.parametrize("plants", PLANT_SETS)
def test_no_message_of_the_petitions_shows_planted_personal_data(
    plants, government_for, client, django_capture_on_commit_callbacks
):
    """Notices to staff and to the petitioner, and the confirmation mail to an address nobody
    has confirmed yet, carry the number and a masked title only."""
    from sotong.notify.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        gov = government_for(plants)
        response = client.post(
            reverse("petitions:new", args=[gov.district.code, gov.board.code]),
            {
                "kind": "report",
                "title": f"가로등 {plants.text}"[:200],
                "body": "가로등이 꺼졌습니다.",
                "is_public": "1",
                "contact_method": "email",
                "contact_email": "someone.else@example.kr",
                "consent": "on",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
    assert Notification.objects.filter(event="petitions.confirm_email").exists()
    assert Notification.objects.filter(event="petitions.answered").exists()
    found = []
    for notification in Notification.objects.all():
        leaked = _leaks(json.dumps(notification.context, ensure_ascii=False), _shown(plants))
        if leaked:
            found.append(f"{notification.event}: {leaked}")
    assert not found, "\n".join(found)


def test_every_pattern_is_requested_or_skipped_with_a_reason():
    """The table of this test is complete, and keeps no entry for a pattern that is gone."""
    keys = {route.key for route in routes()}
    assert not set(FILL) - keys, set(FILL) - keys
    assert not set(SKIP) - keys, set(SKIP) - keys
    assert not set(QUERIES) - keys, set(QUERIES) - keys
    assert all(reason.strip() for reason in [*SKIP.values(), *SKIP_NAMESPACES.values()])


def test_an_unknown_pattern_fails_the_walk(monkeypatch):
    import sys

    extra = Route("newapp:detail", "newapp/<int:pk>/", frozenset({"pk"}))
    original = list(routes())
    monkeypatch.setattr(sys.modules[__name__], "routes", lambda: iter([*original, extra]))
    assert unknown_routes() == ["newapp:detail (newapp/<int:pk>/)"]
