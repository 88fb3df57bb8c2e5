"""The petition lifecycle through `services`: intake and its validation, routing, the answer and
its approval paths, satisfaction and reopening, groups, contact reads — each with its timeline,
audit trail and notifications."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from sotong.core.audit.models import AuditEvent
from sotong.notify.models import Delivery, Notification
from sotong.petitions import services
from sotong.petitions.models import Answer, KindPolicy, Petition, Stage, Status

pytestmark = pytest.mark.django_db

BODY = "우리 동네 골목 가로등이 일주일째 꺼져 있어 밤길이 위험합니다. 고쳐 주세요."
CHECKLIST = ["법령 근거 명시", "담당자 연락처 기재", "개인정보 미포함"]


def staff(user):
    return user.staff


def submit(actor, board, **extra):
    values = {
        "actor": actor,
        "board": board,
        "kind": "report",
        "title": "가로등 고장",
        "body": BODY,
    }
    values.update(extra)
    return services.petition_submit(**values)


def stages(petition):
    return list(petition.events.order_by("at", "id").values_list("stage", flat=True))


def notified(event, petition=None):
    qs = Notification.objects.filter(event=event)
    if petition is not None:
        qs = qs.filter(ref=f"petitions.Petition:{petition.pk}")
    return qs


@pytest.fixture
def assigned(resident, board, department, intake_officer):
    petition = submit(resident, board)
    return services.petition_assign(actor=intake_officer, petition=petition, department=department)


@pytest.fixture
def in_progress(assigned, officer):
    return services.petition_accept(actor=officer, petition=assigned)


# --- intake --------------------------------------------------------------------------------------


def test_resident_submits_and_is_told(resident, board, category):
    petition = submit(resident, board, category=category, latitude="37.56", longitude="126.97")
    assert petition.status == Status.RECEIVED
    assert petition.user == resident
    assert petition.consent_at is not None
    assert petition.period == "7일"
    assert petition.due_at > petition.received_at
    assert petition.tokens  # kiwi tokens of title and body
    assert "가로등" in petition.tokens.split()
    assert stages(petition) == [Stage.RECEIVED]
    note = notified("petitions.received", petition).get()
    assert note.user == resident
    assert Delivery.objects.filter(notification=note).exists()
    assert "골목" not in str(note.context)  # never the body
    event = AuditEvent.objects.get(action="petitions.petition.submit")
    assert "resident@example.kr" not in str(event.after)


def test_board_department_auto_assigns_and_tells_the_department(
    resident, board, department, officer
):
    board.department = department
    board.save()
    petition = submit(resident, board)
    assert petition.status == Status.ASSIGNED
    assert petition.department == department
    assert stages(petition) == [Stage.RECEIVED, Stage.ASSIGNED]
    assert notified("petitions.assigned", petition).filter(user=officer).exists()


def test_anonymous_needs_contact_and_gets_it_by_address(board):
    with pytest.raises(ValidationError) as exc:
        submit(None, board)
    assert "contact_email" in exc.value.message_dict
    petition = submit(None, board, contact_email="anon@example.kr", petitioner_name="홍길동")
    assert petition.user is None
    note = notified("petitions.received", petition).get()
    assert note.to_email == "anon@example.kr"
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_email FROM petitions_petition WHERE id = %s", [petition.pk])
        raw = cursor.fetchone()[0]
    assert "anon@example.kr" not in raw  # encrypted at rest


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"body": "   "}, "body"),
        ({"body": "가" * 20_001}, "body"),
        ({"title": ""}, "title"),
        ({"kind": "consultation"}, "kind"),
        ({"kind": "nonsense"}, "kind"),
        ({"latitude": "51.5", "longitude": "-0.12"}, "latitude"),
        ({"latitude": "37.5", "longitude": "140"}, "longitude"),
        ({"latitude": "37.5"}, "latitude"),
        ({"latitude": "abc", "longitude": "127"}, "latitude"),
        ({"consent": False}, "consent"),
    ],
)
def test_bad_input_is_refused_per_field(resident, board, extra, field):
    with pytest.raises(ValidationError) as exc:
        submit(resident, board, **extra)
    assert field in exc.value.message_dict
    assert not Petition.objects.exists()


def test_html_is_stored_as_text_and_nul_removed(resident, board):
    petition = submit(resident, board, body="<script>alert(1)</script>\x00 가로등")
    assert petition.body == "<script>alert(1)</script> 가로등"


def test_body_of_exactly_20000_is_accepted(resident, board):
    assert len(submit(resident, board, body="가" * 20_000).body) == 20_000


def test_private_refused_where_board_forbids(resident, board):
    board.allow_private = False
    board.save()
    with pytest.raises(ValidationError) as exc:
        submit(resident, board, is_public=False)
    assert "is_public" in exc.value.message_dict
    assert submit(resident, board).is_public is True


def test_board_posting_rules(resident, board, intake_officer):
    board.posting = "members"
    board.save()
    with pytest.raises(PermissionDenied):
        submit(None, board, contact_phone="010-1234-5678")
    assert submit(resident, board).pk
    board.posting = "staff"
    board.save()
    with pytest.raises(PermissionDenied):
        submit(resident, board)
    board.active = False
    board.save()
    with pytest.raises(ValidationError):
        submit(resident, board)


def test_staff_entry_records_channel_and_officer(board, intake_officer, officer):
    with pytest.raises(PermissionDenied):
        submit(officer, board, channel="phone", contact_phone="010-2222-3333")
    petition = submit(
        intake_officer,
        board,
        channel="phone",
        petitioner_name="김전화",
        contact_phone="010-2222-3333",
    )
    assert petition.channel == "phone"
    assert petition.entered_by == intake_officer.staff
    assert petition.user is None


def test_idempotency_key_returns_the_first(resident, board):
    first = submit(resident, board, idempotency_key="form-1")
    again = submit(resident, board, idempotency_key="form-1", title="다른 제목")
    assert again.pk == first.pk
    assert Petition.objects.count() == 1


def test_rrn_never_stored_and_flagged(resident, board):
    petition = submit(
        resident, board, body="제 주민번호는 900101-1234567 이고 전화는 010-1234-5678 입니다."
    )
    petition.refresh_from_db()
    assert "900101-1234567" not in petition.body
    assert "900101-1******" in petition.body
    assert "010-1234-5678" in petition.body  # stored as typed, masked on display
    assert petition.personal_data_flagged
    assert not Petition.objects.filter(body__contains="1234567").exists()


def test_phone_in_text_flags_without_rrn(resident, board):
    petition = submit(resident, board, body="연락은 010-9876-5432 로 주세요.")
    assert petition.personal_data_flagged
    assert not submit(resident, board).personal_data_flagged


def test_kind_policy_period_is_used(resident, board, district):
    KindPolicy.objects.create(organization=district, kind="report", period="14일")
    received = datetime.datetime(2025, 9, 29, 10, tzinfo=datetime.UTC)
    petition = submit(resident, board, received_at=received)
    assert petition.period == "14일"
    assert petition.due_at > received + datetime.timedelta(days=14)


# --- routing ---------------------------------------------------------------------------------------


def test_assign_permissions_and_notice(resident, board, department, officer, intake_officer):
    petition = submit(resident, board)
    with pytest.raises(PermissionDenied):
        services.petition_assign(actor=officer, petition=petition, department=department)
    petition = services.petition_assign(
        actor=intake_officer, petition=petition, department=department, handler=staff(officer)
    )
    assert (petition.status, petition.handler) == (Status.ASSIGNED, staff(officer))
    assert notified("petitions.assigned", petition).filter(user=officer).exists()
    with pytest.raises(ValidationError):
        services.petition_assign(actor=intake_officer, petition=petition, department=department)


def test_assign_refuses_handler_of_other_department(
    resident, board, department, other_officer, intake_officer
):
    petition = submit(resident, board)
    with pytest.raises(ValidationError) as exc:
        services.petition_assign(
            actor=intake_officer,
            petition=petition,
            department=department,
            handler=staff(other_officer),
        )
    assert "handler" in exc.value.message_dict


def test_reassign_by_head_with_reason(assigned, head, other_department, other_officer, officer):
    with pytest.raises(PermissionDenied):
        services.petition_reassign(
            actor=officer, petition=assigned, department=other_department, reason="소관 아님"
        )
    with pytest.raises(ValidationError) as exc:
        services.petition_reassign(
            actor=head, petition=assigned, department=other_department, reason=" "
        )
    assert "reason" in exc.value.message_dict
    petition = services.petition_reassign(
        actor=head, petition=assigned, department=other_department, reason="청소 소관입니다."
    )
    assert petition.department == other_department
    assert petition.events.filter(stage=Stage.REASSIGNED, note="청소 소관입니다.").exists()
    assert notified("petitions.assigned", petition).filter(user=other_officer).exists()
    # The head of the old department no longer may move it.
    with pytest.raises(PermissionDenied):
        services.petition_reassign(
            actor=head, petition=petition, department=assigned.department, reason="되돌림"
        )


def test_transfer_is_terminal_and_received_elsewhere(assigned, intake_officer, city, resident):
    from sotong.petitions.models import Board

    Board.objects.create(organization=city, code="eungdapso", name="응답소", kinds=[])
    petition = services.petition_transfer(
        actor=intake_officer, petition=assigned, to_organization=city, reason="시 관할 도로"
    )
    assert petition.status == Status.TRANSFERRED
    assert petition.transferred_to == city
    assert notified("petitions.transferred", petition).filter(user=resident).exists()
    received = Petition.objects.get(organization=city)
    assert received.user == resident
    assert received.status == Status.RECEIVED
    with pytest.raises((ValidationError, PermissionDenied)):
        services.petition_accept(actor=intake_officer, petition=petition)


def test_transfer_to_self_refused(assigned, intake_officer, district):
    with pytest.raises(ValidationError):
        services.petition_transfer(
            actor=intake_officer, petition=assigned, to_organization=district, reason="x"
        )


# --- handling, extension ---------------------------------------------------------------------------


def test_accept_by_department_staff_only(assigned, officer, other_officer):
    with pytest.raises(PermissionDenied):
        services.petition_accept(actor=other_officer, petition=assigned)
    petition = services.petition_accept(actor=officer, petition=assigned)
    assert petition.status == Status.IN_PROGRESS
    assert petition.handler == staff(officer)


def test_extend_once(in_progress, officer, resident):
    old_due = in_progress.due_at
    petition = services.petition_extend(actor=officer, petition=in_progress, reason="현장 조사")
    assert petition.due_at > old_due
    assert petition.extension_reason == "현장 조사"
    assert notified("petitions.extended", petition).filter(user=resident).exists()
    with pytest.raises(ValidationError):
        services.petition_extend(actor=officer, petition=petition, reason="또")


# --- answer and approval ---------------------------------------------------------------------------


def test_checklist_must_be_complete(in_progress, officer, head):
    services.answer_save(actor=officer, petition=in_progress, body="고쳤습니다.")
    with pytest.raises(ValidationError) as exc:
        services.answer_submit(actor=officer, petition=in_progress, checklist=CHECKLIST[:2])
    assert "checklist" in exc.value.message_dict


def test_approval_by_team_lead_of_the_team(in_progress, officer, team, team_lead, head, resident):
    staff(officer).team = team
    staff(officer).save()
    services.answer_save(actor=officer, petition=in_progress, body="가로등을 교체했습니다.")
    answer = services.answer_submit(actor=officer, petition=in_progress, checklist=CHECKLIST)
    assert answer.approver == staff(team_lead)
    assert notified("petitions.approval_requested", in_progress).filter(user=team_lead).exists()
    with pytest.raises(PermissionDenied):
        services.answer_approve(actor=head, petition=in_progress)
    services.answer_approve(actor=team_lead, petition=in_progress)
    petition = Petition.objects.get(pk=in_progress.pk)
    assert petition.status == Status.ANSWERED
    assert petition.answered_at is not None
    assert notified("petitions.answered", petition).filter(user=resident).exists()
    assert stages(petition)[-2:] == [Stage.APPROVED, Stage.ANSWERED]


def test_no_team_lead_goes_to_head(in_progress, officer, head):
    services.answer_save(actor=officer, petition=in_progress, body="답변")
    answer = services.answer_submit(actor=officer, petition=in_progress, checklist=CHECKLIST)
    assert answer.approver == staff(head)


def test_head_rule_without_head_is_a_clear_error(in_progress, officer, board):
    board.approver = "head"
    board.save()
    services.answer_save(actor=officer, petition=in_progress, body="답변")
    with pytest.raises(ValidationError, match="결재권자"):
        services.answer_submit(actor=officer, petition=in_progress, checklist=CHECKLIST)
    assert Petition.objects.get(pk=in_progress.pk).status == Status.IN_PROGRESS


def test_chief_board(in_progress, officer, head, chief, board):
    board.chief_answers = True
    board.save()
    services.answer_save(actor=officer, petition=in_progress, body="답변")
    answer = services.answer_submit(actor=officer, petition=in_progress, checklist=CHECKLIST)
    assert answer.approver == staff(chief)


def test_head_drafting_goes_to_chief(assigned, head, chief, board):
    board.approver = "head"
    board.save()
    services.answer_save(actor=head, petition=assigned, body="답변")
    answer = services.answer_submit(actor=head, petition=assigned, checklist=CHECKLIST)
    assert answer.approver == staff(chief)


def test_return_then_resubmit(in_progress, officer, head):
    services.answer_save(actor=officer, petition=in_progress, body="초안")
    services.answer_submit(actor=officer, petition=in_progress, checklist=CHECKLIST)
    with pytest.raises(ValidationError):
        services.answer_save(actor=officer, petition=in_progress, body="결재 중 수정")
    with pytest.raises(ValidationError):
        services.answer_return(actor=head, petition=in_progress, comment="")
    answer = services.answer_return(actor=head, petition=in_progress, comment="근거 법령 추가")
    assert answer.state == Answer.State.RETURNED
    petition = Petition.objects.get(pk=in_progress.pk)
    assert petition.status == Status.IN_PROGRESS
    event = petition.events.get(stage=Stage.RETURNED)
    assert (event.note, event.internal_note) == ("", "근거 법령 추가")
    assert notified("petitions.returned", petition).filter(user=officer).exists()
    services.answer_save(actor=officer, petition=petition, body="고친 답변")
    services.answer_submit(actor=officer, petition=petition, checklist=CHECKLIST)
    services.answer_approve(actor=head, petition=petition)
    assert Petition.objects.get(pk=petition.pk).answer.body == "고친 답변"


def test_no_self_approval_without_policy(in_progress, officer, district):
    services.answer_save(actor=officer, petition=in_progress, body="답변")
    with pytest.raises(PermissionDenied):
        services.answer_self_approve(actor=officer, petition=in_progress, checklist=CHECKLIST)
    KindPolicy.objects.create(
        organization=district, kind="report", period="7일", self_approval=True
    )
    answer = services.answer_self_approve(actor=officer, petition=in_progress, checklist=CHECKLIST)
    assert answer.self_approved and answer.approver == staff(officer)
    petition = Petition.objects.get(pk=in_progress.pk)
    assert petition.status == Status.ANSWERED
    assert Stage.SELF_APPROVED in stages(petition)


def test_drafter_cannot_approve_own_answer(assigned, head, officer):
    services.answer_save(actor=head, petition=assigned, body="답변")
    answer = Answer.objects.get(petition=assigned)
    answer.state = Answer.State.SUBMITTED
    answer.approver = staff(head)
    answer.save()
    Petition.objects.filter(pk=assigned.pk).update(status=Status.APPROVAL)
    with pytest.raises(PermissionDenied):
        services.answer_approve(actor=head, petition=assigned)


def test_rrn_in_answer_not_stored(in_progress, officer):
    answer = services.answer_save(
        actor=officer, petition=in_progress, body="주민번호 900101-1234567"
    )
    assert "1234567" not in answer.body


# --- after the answer --------------------------------------------------------------------------


@pytest.fixture
def answered(in_progress, officer, head):
    services.answer_save(actor=officer, petition=in_progress, body="교체했습니다.")
    services.answer_submit(actor=officer, petition=in_progress, checklist=CHECKLIST)
    services.answer_approve(actor=head, petition=in_progress)
    return Petition.objects.get(pk=in_progress.pk)


def test_rate_closes(answered, resident, other_resident):
    with pytest.raises(PermissionDenied):
        services.petition_rate(actor=other_resident, petition=answered, speed=5, completeness=5)
    with pytest.raises(ValidationError) as exc:
        services.petition_rate(actor=resident, petition=answered, speed=6, completeness=0)
    assert set(exc.value.message_dict) == {"speed", "completeness"}
    petition = services.petition_rate(
        actor=resident, petition=answered, speed=4, completeness=5, comment="빨랐어요"
    )
    assert (petition.speed_rating, petition.completeness_rating) == (4, 5)
    assert petition.status == Status.CLOSED
    with pytest.raises(ValidationError):
        services.petition_rate(actor=resident, petition=petition, speed=1, completeness=1)


def test_reopen_within_period(answered, resident, department):
    follow_up = services.petition_reopen(actor=resident, petition=answered, body="또 꺼졌어요.")
    assert follow_up.follow_up_of == answered
    assert follow_up.department == department
    assert follow_up.status == Status.ASSIGNED
    assert Petition.objects.get(pk=answered.pk).status == Status.CLOSED
    with pytest.raises(ValidationError):
        services.petition_reopen(actor=resident, petition=answered, body="한 번 더")


def test_reopen_after_period_refused(answered, resident):
    Petition.objects.filter(pk=answered.pk).update(
        answered_at=timezone.now() - datetime.timedelta(days=15)
    )
    with pytest.raises(ValidationError):
        services.petition_reopen(
            actor=resident, petition=Petition.objects.get(pk=answered.pk), body="다시"
        )


def test_close(answered, officer, other_officer):
    with pytest.raises(PermissionDenied):
        services.petition_close(actor=other_officer, petition=answered)
    petition = services.petition_close(actor=None, petition=answered)
    assert petition.status == Status.CLOSED
    assert petition.events.filter(stage=Stage.CLOSED).exists()


# --- groups ------------------------------------------------------------------------------------


def test_group_answered_once(
    resident, other_resident, board, department, intake_officer, officer, head
):
    petitions = []
    for user in (resident, other_resident):
        p = submit(user, board)
        petitions.append(
            services.petition_assign(actor=intake_officer, petition=p, department=department)
        )
    with pytest.raises(PermissionDenied):
        services.group_create(actor=officer, petitions=petitions, title="가로등 고장")
    group = services.group_create(actor=intake_officer, petitions=petitions, title="가로등 고장")
    done = services.group_answer(
        actor=officer, group=group, body="모두 고쳤습니다.", checklist=CHECKLIST
    )
    assert {p.status for p in done} == {Status.APPROVAL}
    for petition in done:
        services.answer_approve(actor=head, petition=petition)
    for petition in Petition.objects.filter(group=group):
        assert petition.status == Status.ANSWERED
        assert petition.answer.body == "모두 고쳤습니다."
        assert notified("petitions.answered", petition).count() == 1


def test_group_needs_two(resident, board, intake_officer):
    with pytest.raises(ValidationError):
        services.group_create(actor=intake_officer, petitions=[submit(resident, board)], title="x")


# --- contact -----------------------------------------------------------------------------------


def test_contact_view_logged(assigned, officer, other_officer, resident):
    from sotong.core.privacy.models import PersonalDataAccess

    with pytest.raises(PermissionDenied):
        services.contact_view(actor=other_officer, petition=assigned)
    contact = services.contact_view(actor=officer, petition=assigned, reason="회신 전화")
    assert contact["email"] == "resident@example.kr"
    access = PersonalDataAccess.objects.get(subject=resident)
    assert access.actor == officer
    assert access.object_id == str(assigned.pk)
    assert AuditEvent.objects.filter(action="petitions.petition.contact_view").exists()


def test_contact_view_of_anonymous_is_audited(board, intake_officer):
    petition = submit(None, board, contact_phone="010-5555-6666", petitioner_name="박익명")
    contact = services.contact_view(actor=intake_officer, petition=petition)
    assert contact == {"name": "박익명", "email": "", "phone": "010-5555-6666"}
    event = AuditEvent.objects.get(action="petitions.petition.contact_view")
    assert "010-5555-6666" not in str(event.after)


# --- on PostgreSQL, outside a test transaction ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_services_outside_a_transaction(resident, board, department, intake_officer, officer, head):
    assert not transaction.get_connection().in_atomic_block
    petition = submit(resident, board, idempotency_key="tx-1")
    petition = services.petition_assign(
        actor=intake_officer, petition=petition, department=department
    )
    services.petition_accept(actor=officer, petition=petition)
    services.petition_extend(actor=officer, petition=petition, reason="현장 확인")
    services.answer_save(actor=officer, petition=petition, body="답변")
    services.answer_submit(actor=officer, petition=petition, checklist=CHECKLIST)
    services.answer_approve(actor=head, petition=petition)
    services.petition_rate(actor=resident, petition=petition, speed=5, completeness=5)
    assert Petition.objects.get(pk=petition.pk).status == Status.CLOSED


def test_contact_view_of_someone_without_an_account_is_logged_too(
    board, department, intake_officer, officer
):
    from sotong.core.privacy.models import PersonalDataAccess

    petition = submit(None, board, contact_phone="01055556666", petitioner_name="홍길동")
    petition = services.petition_assign(
        actor=intake_officer, petition=petition, department=department
    )
    contact = services.contact_view(actor=officer, petition=petition, reason="현장 확인 연락")
    assert contact["phone"] == "01055556666"
    access = PersonalDataAccess.objects.get(object_id=str(petition.pk))
    assert access.subject is None
    assert access.subject_label == f"민원 #{petition.pk} 민원인"
    assert access.actor == officer


def test_assign_may_set_the_category(resident, board, department, intake_officer, district):
    from sotong.org.models import Organization
    from sotong.petitions.models import Category

    petition = submit(resident, board)
    roads = Category.objects.create(organization=district, code="roads", name="도로")
    petition = services.petition_assign(
        actor=intake_officer, petition=petition, department=department, category=roads
    )
    assert petition.category == roads
    other = Organization.objects.create(
        code="o", name="다른구", kind="district", head_title="구청장"
    )
    foreign = Category.objects.create(organization=other, code="x", name="기타")
    second = submit(resident, board)
    with pytest.raises(ValidationError) as exc:
        services.petition_assign(
            actor=intake_officer, petition=second, department=department, category=foreign
        )
    assert "category" in exc.value.message_dict


def test_transferred_petition_links_back(assigned, intake_officer, city):
    from sotong.petitions.models import Board

    Board.objects.create(organization=city, code="eungdapso", name="응답소", kinds=[])
    services.petition_transfer(
        actor=intake_officer, petition=assigned, to_organization=city, reason="시 관할"
    )
    received = Petition.objects.get(organization=city)
    assert received.transferred_from == assigned
