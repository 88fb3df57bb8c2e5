"""The staff workspace of petitions (`/petitions/staff/`): who may see which page (residents,
officers of another department or organisation, visitors), every action's happy path and bad
input (missing reason, unticked checklist, a second extension), the logged contact view, grouping
and the group answer, and constant query counts on the lists."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sotong.petitions import events
from sotong.petitions.models import (
    Answer,
    Channel,
    KindPolicy,
    Petition,
    PetitionEvent,
    Stage,
    Status,
)
from sotong.petitions.views import staff as views_staff

pytestmark = pytest.mark.django_db

# The services notify through these events; PetitionsConfig.ready() registers them too.
assert events


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def foreign_org(city):
    from sotong.org.models import Organization

    return Organization.objects.create(
        code="othergu", name="다른구", kind="district", parent=city, head_title="구청장"
    )


@pytest.fixture
def foreign_officer(foreign_org):
    """An intake officer of another district: may do everything there, nothing here."""
    from sotong.accounts.models import User
    from sotong.org.models import Department, Staff

    department = Department.objects.create(organization=foreign_org, name="민원여권과")
    user = User.objects.create_user(
        email="officer@othergu.go.kr", password="correct-horse-9", display_name="한다른"
    )
    Staff.objects.create(
        user=user,
        organization=foreign_org,
        department=department,
        name="한다른",
        position="officer",
        grade=7,
    )
    user.user_permissions.add(Permission.objects.get(codename="intake_petition"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def assigned(petition_factory, department, resident, officer):
    """A public petition of `resident`, assigned to the officer's department (handler: officer)."""
    from sotong.org.models import Staff

    return petition_factory(
        department=department,
        handler=Staff.objects.get(user=officer),
        status=Status.ASSIGNED,
        user=resident,
        petitioner_name="김주민",
        contact_email="resident@example.kr",
        contact_phone="010-1234-5678",
    )


@pytest.fixture
def received(petition_factory):
    return petition_factory(title="보안등이 고장 났습니다")


def _staff(user):
    from sotong.org.models import Staff

    return Staff.objects.get(user=user)


def _case(petition) -> str:
    return reverse("petitions:staff_case", args=[petition.pk])


def _action(name: str, petition) -> str:
    return reverse(f"petitions:staff_{name}", args=[petition.pk])


ACTIONS = (
    "assign",
    "reassign",
    "transfer",
    "accept",
    "extend",
    "answer",
    "approve",
    "return",
    "contact",
    "group_create",
)


def _pages(petition) -> list[str]:
    return [
        reverse("petitions:staff_inbox"),
        reverse("petitions:staff_new"),
        reverse("petitions:staff_groups"),
        _case(petition),
    ]


# --- access --------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, assigned):
    login = reverse("account_login")
    for url in _pages(assigned):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(login), url
    for name in ACTIONS:
        response = client.post(_action(name, assigned), {})
        assert response.status_code == 302 and response.url.startswith(login), name


def test_resident_gets_403_even_for_their_own_petition(client, staff_login, resident, assigned):
    staff_login(client, resident)
    for url in _pages(assigned):
        assert client.get(url).status_code == 403, url
    for name in ACTIONS:
        assert client.post(_action(name, assigned), {}).status_code == 403, name


def test_officer_of_another_department_gets_404(client, staff_login, other_officer, assigned):
    staff_login(client, other_officer)
    # The workspace is theirs (their own department's work), this petition is not.
    assert client.get(reverse("petitions:staff_inbox")).status_code == 200
    assert client.get(_case(assigned)).status_code == 404
    missing = reverse("petitions:staff_case", args=[assigned.pk + 1000])
    assert client.get(missing).status_code == 404
    for name in ACTIONS:
        assert client.post(_action(name, assigned), {}).status_code == 404, name
    # Entering petitions is for the intake desk.
    assert client.get(reverse("petitions:staff_new")).status_code == 403
    body = client.get(reverse("petitions:staff_inbox")).content.decode()
    assert assigned.title not in body


def test_officer_of_another_organisation_gets_404(
    client, staff_login, foreign_officer, assigned, received
):
    staff_login(client, foreign_officer)
    for petition in (assigned, received):
        assert client.get(_case(petition)).status_code == 404
        for name in ACTIONS:
            assert client.post(_action(name, petition), {}).status_code == 404, name
    body = client.get(reverse("petitions:staff_inbox")).content.decode()
    assert received.title not in body and assigned.title not in body
    url = reverse("petitions:staff_attachment", args=[assigned.pk, 1])
    assert client.get(url).status_code == 404


def test_department_officer_sees_the_case_but_may_not_reassign(
    client, staff_login, officer, assigned, other_department
):
    staff_login(client, officer)
    response = client.get(_case(assigned))
    assert response.status_code == 200
    body = response.content.decode()
    assert assigned.body in body
    assert _action("accept", assigned) in body
    assert _action("reassign", assigned) not in body
    # The contact is never on the page itself, only through the logged view.
    assert "resident@example.kr" not in body and "010-1234-5678" not in body
    response = client.post(
        _action("reassign", assigned),
        {"reassign-department": other_department.pk, "reassign-reason": "업무 분장"},
    )
    assert response.status_code == 403
    assigned.refresh_from_db()
    assert assigned.department_id != other_department.pk


def test_case_page_warns_about_flagged_personal_data(client, staff_login, officer, assigned):
    Petition.objects.filter(pk=assigned.pk).update(
        personal_data_flagged=True, body="제 번호는 900101-1234567 입니다"
    )
    staff_login(client, officer)
    body = client.get(_case(assigned)).content.decode()
    assert "개인정보 주의" in body
    # Staff read the text as typed.
    assert "900101-1234567" in body


# --- my work -------------------------------------------------------------------------------------


def test_inbox_boxes_and_traffic_light(
    client, staff_login, intake_officer, officer, petition_factory, department
):
    now = timezone.now()
    fresh = petition_factory(title="새 민원", received_at=now - datetime.timedelta(hours=1))
    late = petition_factory(
        title="늦은 민원",
        received_at=now - datetime.timedelta(days=10),
        due_at=now - datetime.timedelta(days=1),
    )
    mine = petition_factory(
        title="내 민원", department=department, handler=_staff(officer), status=Status.IN_PROGRESS
    )
    staff_login(client, intake_officer)
    response = client.get(reverse("petitions:staff_inbox"))
    assert response.status_code == 200
    body = response.content.decode()
    assert fresh.title in body and late.title in body and mine.title not in body
    # The light is a word, not a colour alone.
    assert "지연" in body and "정상" in body
    response = client.get(reverse("petitions:staff_inbox"), {"light": "overdue"})
    body = response.content.decode()
    assert late.title in body and fresh.title not in body

    staff_login(client, officer)
    body = client.get(reverse("petitions:staff_inbox")).content.decode()
    assert "미배정 접수함" not in body  # not intake staff
    assert mine.title in body and fresh.title not in body
    body = client.get(reverse("petitions:staff_inbox"), {"box": "mine"}).content.decode()
    assert mine.title in body
    body = client.get(reverse("petitions:staff_inbox"), {"box": "approval"}).content.decode()
    assert mine.title not in body


def test_inbox_filters_and_bad_filter_values(client, staff_login, intake_officer, petition_factory):
    petition_factory(title="가로등 고장", kind="report")
    petition_factory(title="불법 주차", kind="grievance")
    staff_login(client, intake_officer)
    body = client.get(reverse("petitions:staff_inbox"), {"q": "주차"}).content.decode()
    assert "불법 주차" in body and "가로등 고장" not in body
    body = client.get(reverse("petitions:staff_inbox"), {"kind": "report"}).content.decode()
    assert "가로등 고장" in body and "불법 주차" not in body
    for bad in ({"light": "purple"}, {"page": "x"}, {"box": "nope"}, {"category": "abc"}):
        assert client.get(reverse("petitions:staff_inbox"), bad).status_code == 200, bad


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_inbox_query_count_does_not_grow(
    client, staff_login, intake_officer, officer, petition_factory, department
):
    staff = _staff(officer)
    for _ in range(2):
        petition_factory()
        petition_factory(department=department, handler=staff, status=Status.IN_PROGRESS)
    staff_login(client, intake_officer)
    url = reverse("petitions:staff_inbox")
    few = _count_queries(client, url)
    for _ in range(12):
        petition_factory()
    assert _count_queries(client, url) == few

    staff_login(client, officer)
    few = _count_queries(client, url)
    for _ in range(12):
        petition_factory(department=department, handler=staff, status=Status.IN_PROGRESS)
    assert _count_queries(client, url) == few


def test_group_list_query_count_does_not_grow(
    client, staff_login, intake_officer, petition_factory
):
    from sotong.petitions.models import PetitionGroup

    def group():
        g = PetitionGroup.objects.create(
            organization=petition_factory().organization,
            title="같은 민원",
            created_by=intake_officer,
        )
        for _ in range(2):
            petition_factory(group=g)

    group()
    staff_login(client, intake_officer)
    url = reverse("petitions:staff_groups")
    few = _count_queries(client, url)
    for _ in range(5):
        group()
    assert _count_queries(client, url) == few


# --- staff entry ---------------------------------------------------------------------------------


def _entry(board, category, **extra):
    data = {
        "channel": "phone",
        "board": board.pk,
        "kind": "report",
        "category": category.pk,
        "petitioner_name": "홍길동",
        "contact_phone": "010-2222-3333",
        "contact_email": "",
        "title": "횡단보도 신호등이 꺼졌습니다",
        "body": "시장 앞 횡단보도 신호등이 어제부터 꺼져 있습니다.",
        "address": "시험구 시장로 1",
        "publicity": "private",
        "consent": "on",
    }
    data.update(extra)
    return data


def test_staff_entry_records_channel_and_officer(
    client, staff_login, intake_officer, board, category
):
    staff_login(client, intake_officer)
    assert client.get(reverse("petitions:staff_new")).status_code == 200
    response = client.post(reverse("petitions:staff_new"), _entry(board, category))
    assert response.status_code == 302, response.content.decode()[:3000]
    petition = Petition.objects.get()
    assert response.url == _case(petition)
    assert petition.channel == Channel.PHONE
    assert petition.entered_by == _staff(intake_officer)
    assert petition.is_public is False
    assert petition.consent_at is not None
    assert petition.contact_phone == "010-2222-3333"
    assert PetitionEvent.objects.filter(petition=petition, stage=Stage.RECEIVED).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"consent": ""}, "consent"),
        ({"contact_phone": "", "contact_email": ""}, "contact_phone"),
        ({"body": ""}, "body"),
        ({"body": "가" * 20_001}, "body"),
        ({"channel": "web"}, "channel"),
        ({"kind": "consultation"}, "kind"),  # not a kind of this board: the service says so
    ],
)
def test_staff_entry_bad_input(client, staff_login, intake_officer, board, category, change, field):
    staff_login(client, intake_officer)
    response = client.post(reverse("petitions:staff_new"), _entry(board, category, **change))
    assert response.status_code == 400
    assert field in response.context["form"].errors, response.context["form"].errors
    assert "입력한 내용을 확인해 주세요" in response.content.decode()
    assert not Petition.objects.exists()


def test_staff_entry_script_is_text(client, staff_login, intake_officer, board, category):
    staff_login(client, intake_officer)
    response = client.post(
        reverse("petitions:staff_new"),
        _entry(board, category, body="<script>alert(1)</script> 신호등"),
    )
    assert response.status_code == 302
    body = client.get(response.url).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


# --- routing ------------------------------------------------------------------------------------


def test_suggestions_shown_with_confidence(
    client, staff_login, intake_officer, received, department, category, monkeypatch
):
    suggestion = SimpleNamespace(department=department, category=category, confidence=0.82)
    monkeypatch.setattr(views_staff, "_suggestions", lambda petition: [suggestion])
    staff_login(client, intake_officer)
    body = client.get(_case(received)).content.decode()
    assert "배정 추천" in body and department.name in body and "82%" in body
    monkeypatch.setattr(views_staff, "_suggestions", lambda petition: None)
    body = client.get(_case(received)).content.decode()
    assert "추천 없음" in body


def test_assign_happy_path_and_bad_input(
    client, staff_login, intake_officer, received, department, other_department, officer
):
    staff_login(client, intake_officer)
    response = client.post(_action("assign", received), {"assign-department": ""})
    assert response.status_code == 400
    assert response.context["assign_form"].errors["department"]
    # A handler of another department than the one chosen.
    response = client.post(
        _action("assign", received),
        {"assign-department": other_department.pk, "assign-handler": _staff(officer).pk},
    )
    assert response.status_code == 400
    received.refresh_from_db()
    assert received.status == Status.RECEIVED
    response = client.post(
        _action("assign", received),
        {"assign-department": department.pk, "assign-handler": _staff(officer).pk},
    )
    assert response.status_code == 302
    received.refresh_from_db()
    assert received.status == Status.ASSIGNED
    assert received.department == department and received.handler == _staff(officer)


def test_reassign_needs_a_reason(client, staff_login, intake_officer, assigned, other_department):
    staff_login(client, intake_officer)
    response = client.post(
        _action("reassign", assigned),
        {"reassign-department": other_department.pk, "reassign-reason": ""},
    )
    assert response.status_code == 400
    assert "사유를 입력하세요." in response.content.decode()
    response = client.post(
        _action("reassign", assigned),
        {"reassign-department": other_department.pk, "reassign-reason": "청소 업무입니다"},
    )
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert assigned.department == other_department


def test_head_may_reassign_own_department(client, staff_login, head, assigned, other_department):
    staff_login(client, head)
    response = client.post(
        _action("reassign", assigned),
        {"reassign-department": other_department.pk, "reassign-reason": "업무 분장"},
    )
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert assigned.department == other_department


def test_transfer_needs_a_reason(client, staff_login, intake_officer, received, foreign_org):
    staff_login(client, intake_officer)
    response = client.post(
        _action("transfer", received),
        {"transfer-to_organization": foreign_org.pk, "transfer-reason": ""},
    )
    assert response.status_code == 400
    response = client.post(
        _action("transfer", received),
        {"transfer-to_organization": foreign_org.pk, "transfer-reason": "다른 구 관할입니다"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    received.refresh_from_db()
    assert received.status == Status.TRANSFERRED
    assert received.transferred_to == foreign_org


# --- handling -----------------------------------------------------------------------------------


def test_accept_and_extend_once(client, staff_login, officer, assigned):
    staff_login(client, officer)
    assert client.post(_action("accept", assigned)).status_code == 302
    assigned.refresh_from_db()
    assert assigned.status == Status.IN_PROGRESS
    due = assigned.due_at

    response = client.post(_action("extend", assigned), {"extend-reason": ""})
    assert response.status_code == 400
    response = client.post(_action("extend", assigned), {"extend-reason": "현장 조사가 필요합니다"})
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert assigned.extended_at is not None and assigned.due_at > due
    # The form is gone once used; a forged second post is refused with a message.
    assert _action("extend", assigned) not in client.get(_case(assigned)).content.decode()
    response = client.post(_action("extend", assigned), {"extend-reason": "한 번 더"})
    assert response.status_code == 400
    assert "한 번만" in response.content.decode()


def _answer(client, petition, action, checklist=(), body="가로등을 고쳤습니다. 담당: 민원여권과"):
    return client.post(
        _action("answer", petition),
        {"answer-body": body, "answer-checklist": list(checklist), "answer-action": action},
    )


ALL_ITEMS = ("법령 근거 명시", "담당자 연락처 기재", "개인정보 미포함")


def test_answer_draft_submit_approve(client, staff_login, officer, head, assigned):
    staff_login(client, officer)
    assert _answer(client, assigned, "save").status_code == 302
    answer = Answer.objects.get(petition=assigned)
    assert answer.state == Answer.State.DRAFT
    assigned.refresh_from_db()
    assert assigned.status == Status.IN_PROGRESS  # a draft starts the handling

    # Unticked checklist: refused, nothing changes.
    response = _answer(client, assigned, "submit", checklist=ALL_ITEMS[:2])
    assert response.status_code == 400
    assert "모든 점검 항목을 확인해 주세요." in response.content.decode()
    answer.refresh_from_db()
    assert answer.state == Answer.State.DRAFT
    # Empty body.
    assert _answer(client, assigned, "submit", checklist=ALL_ITEMS, body="").status_code == 400

    assert _answer(client, assigned, "submit", checklist=ALL_ITEMS).status_code == 302
    answer.refresh_from_db()
    assert answer.state == Answer.State.SUBMITTED and answer.approver == _staff(head)
    # The drafter may not approve.
    assert client.post(_action("approve", assigned)).status_code == 403

    staff_login(client, head)
    body = client.get(reverse("petitions:staff_inbox"), {"box": "approval"}).content.decode()
    assert assigned.title in body
    assert _action("approve", assigned) in client.get(_case(assigned)).content.decode()
    assert client.post(_action("approve", assigned)).status_code == 302
    assigned.refresh_from_db()
    assert assigned.status == Status.ANSWERED


def test_return_needs_a_comment(client, staff_login, officer, head, assigned):
    staff_login(client, officer)
    _answer(client, assigned, "save")
    assert _answer(client, assigned, "submit", checklist=ALL_ITEMS).status_code == 302
    staff_login(client, head)
    assert client.post(_action("return", assigned), {"return-comment": ""}).status_code == 400
    response = client.post(
        _action("return", assigned), {"return-comment": "법령 근거를 더 적어 주세요"}
    )
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert assigned.status == Status.IN_PROGRESS
    staff_login(client, officer)
    body = client.get(_case(assigned)).content.decode()
    assert "법령 근거를 더 적어 주세요" in body  # the internal comment, for the handler


def test_self_approval_only_when_the_kind_allows(client, staff_login, officer, assigned, district):
    staff_login(client, officer)
    _answer(client, assigned, "save")
    assert "담당전결" not in client.get(_case(assigned)).content.decode()
    response = _answer(client, assigned, "self_approve", checklist=ALL_ITEMS)
    assert response.status_code == 403
    KindPolicy.objects.create(
        organization=district, kind="report", period="7일", self_approval=True
    )
    assert "담당전결로 답변 보내기" in client.get(_case(assigned)).content.decode()
    assert _answer(client, assigned, "self_approve", checklist=ALL_ITEMS[:1]).status_code == 400
    assert _answer(client, assigned, "self_approve", checklist=ALL_ITEMS).status_code == 302
    assigned.refresh_from_db()
    assert assigned.status == Status.ANSWERED
    assert Answer.objects.get(petition=assigned).self_approved


# --- contact -------------------------------------------------------------------------------------


def test_contact_view_is_logged_and_shown_once(client, staff_login, officer, assigned):
    from sotong.core.privacy.models import PersonalDataAccess

    staff_login(client, officer)
    assert client.get(_action("contact", assigned)).status_code == 405
    response = client.post(_action("contact", assigned), {"contact-reason": "회신 전화"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "resident@example.kr" in body and "010-1234-5678" in body
    assert "no-store" in response["Cache-Control"]
    log = PersonalDataAccess.objects.get()
    assert log.actor_id == officer.pk and log.object_id == str(assigned.pk)
    # Reading again is a second record; the case page itself never shows it.
    client.post(_action("contact", assigned), {"contact-reason": "회신 전화"})
    assert PersonalDataAccess.objects.count() == 2
    assert "resident@example.kr" not in client.get(_case(assigned)).content.decode()


# --- groups -------------------------------------------------------------------------------------


def test_group_create_and_answer_all(
    client, staff_login, intake_officer, head, officer, petition_factory, department, monkeypatch
):
    staff = _staff(officer)
    first, second, third = (
        petition_factory(
            title=f"공원 가로등 고장 {n}",
            department=department,
            handler=staff,
            status=Status.IN_PROGRESS,
        )
        for n in range(3)
    )
    monkeypatch.setattr(views_staff, "_candidates", lambda user, petition: [second, third])
    staff_login(client, head)
    body = client.get(_case(first)).content.decode()
    assert "묶기" in body and second.title in body
    response = client.post(
        _action("group_create", first), {"group-title": "", "group-petitions": [second.pk]}
    )
    assert response.status_code == 400
    response = client.post(
        _action("group_create", first),
        {"group-title": "공원 가로등", "group-petitions": [second.pk, third.pk]},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.group is not None and response.url == reverse(
        "petitions:staff_group", args=[first.group_id]
    )

    staff_login(client, officer)
    group_url = response.url
    response = client.get(group_url)
    assert response.status_code == 200
    assert all(p.title in response.content.decode() for p in (first, second, third))
    response = client.post(group_url, {"body": "모두 고쳤습니다", "checklist": ALL_ITEMS[:1]})
    assert response.status_code == 400
    response = client.post(group_url, {"body": "모두 고쳤습니다", "checklist": ALL_ITEMS})
    assert response.status_code == 302
    assert set(Petition.objects.filter(group=first.group).values_list("status", flat=True)) == {
        Status.APPROVAL
    }


def test_group_page_of_another_organisation_is_404(
    client, staff_login, foreign_officer, intake_officer, petition_factory
):
    from sotong.petitions.models import PetitionGroup

    petition = petition_factory()
    group = PetitionGroup.objects.create(
        organization=petition.organization, title="묶음", created_by=intake_officer
    )
    staff_login(client, foreign_officer)
    url = reverse("petitions:staff_group", args=[group.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "x"}).status_code == 404


def test_contracts_of_routing_and_duplicates_modules(
    client,
    staff_login,
    head,
    intake_officer,
    petition_factory,
    department,
    other_department,
    category,
    monkeypatch,
):
    """The case page calls `routing.suggest` and `duplicates.candidates` (P4) and keeps only
    candidates the viewer handles and that may still be grouped."""
    first = petition_factory(department=department, status=Status.ASSIGNED)
    same_department = petition_factory(
        title="같은 부서 비슷한 민원", department=department, status=Status.ASSIGNED
    )
    answered = petition_factory(title="이미 답변한 민원", department=department, status="answered")
    elsewhere = petition_factory(
        title="다른 부서 비공개 민원",
        department=other_department,
        status=Status.ASSIGNED,
        is_public=False,
    )
    monkeypatch.setattr(
        "sotong.petitions.duplicates.candidates",
        lambda p: [p, same_department, answered, elsewhere],
    )
    suggestion = SimpleNamespace(department=department, category=category, confidence=0.5)
    monkeypatch.setattr("sotong.petitions.routing.suggest", lambda p: [suggestion] * 5)
    staff_login(client, head)
    response = client.get(_case(first))
    body = response.content.decode()
    assert [p.pk for p in response.context["candidates"]] == [same_department.pk]
    assert answered.title not in body and elsewhere.title not in body
    assert len(response.context["suggestions"]) == 3
    assert "50%" in body

    def broken(p):
        raise RuntimeError("model missing")

    monkeypatch.setattr("sotong.petitions.routing.suggest", broken)
    response = client.get(_case(first))
    assert response.status_code == 200 and "추천 없음" in response.content.decode()
