"""The log of staff reads of residents' personal data: the service, reveal(), the append-only
model, the query for residents and the read-only admin for auditors."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from sotong.accounts.models import User
from sotong.core.privacy.models import AppendOnlyError, PersonalDataAccess
from sotong.core.privacy.permissions import may_view_access_log
from sotong.core.privacy.queries import accesses_by_actor, accesses_for_subject
from sotong.core.privacy.services import personal_data_access_record, reveal

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:privacy_personaldataaccess_changelist")


def a_request(path="/petitions/7/", ip="203.0.113.9"):
    return RequestFactory().get(path, REMOTE_ADDR=ip)


# --- recording ----------------------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2024, 5, 1, 9, 30, tzinfo=datetime.UTC), tick=False)
def test_record_keeps_who_whose_what_why_where_when_and_ip(officer, resident, department):
    record = personal_data_access_record(
        actor=officer,
        subject=resident,
        fields=["phone", "address", "phone"],
        purpose="  민원 회신을   위한 연락 ",
        obj=department,
        request=a_request(),
    )
    record = PersonalDataAccess.objects.get(pk=record.pk)
    assert record.actor == officer
    assert record.subject == resident
    assert record.fields == ["phone", "address"]
    assert record.purpose == "민원 회신을 위한 연락"
    assert record.object_type == "org.department"
    assert record.object_id == str(department.pk)
    assert record.view_name == "/petitions/7/"
    assert record.where == f"/petitions/7/ · org.department #{department.pk}"
    assert record.accessed_at == datetime.datetime(2024, 5, 1, 9, 30, tzinfo=datetime.UTC)
    assert record.ip_address == "203.0.113.9"


def test_record_uses_the_view_name_when_the_request_was_resolved(officer, resident):
    request = a_request(path="/org/testgu/")
    request.resolver_match = type("Match", (), {"view_name": "org:organization"})()
    record = personal_data_access_record(
        actor=officer, subject=resident, fields="phone", purpose="확인", request=request
    )
    assert record.view_name == "org:organization"
    assert record.fields == ["phone"]


@pytest.mark.parametrize(
    ("address", "stored"),
    [
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("2001:db8::1", "2001:db8::1"),
        ("garbage", None),
        ("", None),
    ],
)
def test_record_stores_only_valid_ip_addresses(officer, resident, address, stored):
    record = personal_data_access_record(
        actor=officer,
        subject=resident,
        fields=["phone"],
        purpose="확인",
        request=a_request(ip=address),
    )
    assert PersonalDataAccess.objects.get(pk=record.pk).ip_address == stored


def test_purpose_that_quotes_personal_data_is_kept_masked(officer, resident):
    record = personal_data_access_record(
        actor=officer, subject=resident, fields=["phone"], purpose="010-1234-5678 본인 확인"
    )
    assert record.purpose == "010-****-5678 본인 확인"


def test_request_path_with_personal_data_is_kept_masked(officer, resident):
    record = personal_data_access_record(
        actor=officer,
        subject=resident,
        fields=["phone"],
        purpose="확인",
        request=a_request(path="/search/010-1234-5678/"),
    )
    assert record.view_name == "/search/010-****-5678/"


@pytest.mark.parametrize(
    ("fields", "purpose", "field"),
    [
        ([], "민원 회신", "fields"),
        (["", "  "], "민원 회신", "fields"),
        ([f"f{i}" for i in range(51)], "민원 회신", "fields"),
        (["phone"], "", "purpose"),
        (["phone"], "   ", "purpose"),
        (["phone"], "가" * 201, "purpose"),
    ],
)
def test_record_refuses_bad_input_with_a_korean_message(officer, resident, fields, purpose, field):
    with pytest.raises(ValidationError) as error:
        personal_data_access_record(actor=officer, subject=resident, fields=fields, purpose=purpose)
    assert field in error.value.message_dict
    assert any("\uac00" <= ch <= "\ud7a3" for ch in error.value.message_dict[field][0])
    assert PersonalDataAccess.objects.count() == 0


def test_a_resident_may_not_read_another_residents_data(resident, other_resident):
    with pytest.raises(PermissionDenied):
        personal_data_access_record(
            actor=other_resident, subject=resident, fields=["phone"], purpose="궁금해서"
        )
    assert PersonalDataAccess.objects.count() == 0


def test_inactive_staff_and_anonymous_users_may_not_read(officer, resident):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        personal_data_access_record(
            actor=AnonymousUser(), subject=resident, fields=["phone"], purpose="확인"
        )
    officer.staff.active = False
    officer.staff.save(update_fields=["active"])
    with pytest.raises(PermissionDenied):
        personal_data_access_record(
            actor=officer, subject=resident, fields=["phone"], purpose="확인"
        )


def test_admin_site_users_may_read_and_are_recorded(admin_user, resident):
    record = personal_data_access_record(
        actor=admin_user, subject=resident, fields=["phone"], purpose="오류 조사"
    )
    assert record.actor == admin_user


def test_reading_ones_own_data_is_not_recorded(resident):
    assert (
        personal_data_access_record(
            actor=resident, subject=resident, fields=["phone"], purpose="내 정보"
        )
        is None
    )
    assert PersonalDataAccess.objects.count() == 0


def test_record_needs_a_saved_object(officer, resident, district):
    from sotong.org.models import Department

    with pytest.raises(ValueError, match="saved"):
        personal_data_access_record(
            actor=officer,
            subject=resident,
            fields=["phone"],
            purpose="확인",
            obj=Department(organization=district, name="임시"),
        )


# --- reveal -------------------------------------------------------------------------------------


def test_reveal_records_and_returns_the_values(officer, resident):
    values = {"phone": "010-1234-5678", "address": "서대문구 연희로 1"}
    shown = reveal(actor=officer, subject=resident, purpose="민원 회신", values=values)
    assert shown is values
    record = PersonalDataAccess.objects.get()
    assert record.fields == ["phone", "address"]
    # The log keeps which fields, never their values (checked on every text column of the row,
    # not on a repr, whose memory addresses and microseconds may contain any digits).
    stored = [
        str(getattr(record, field.attname))
        for field in record._meta.concrete_fields
        if field.get_internal_type() in ("CharField", "TextField", "JSONField")
    ]
    assert not any("010" in value for value in stored)


def test_reveal_of_a_single_value_names_its_field(officer, resident):
    assert (
        reveal(
            actor=officer,
            subject=resident,
            purpose="회신",
            values="010-1234-5678",
            fields=["phone"],
        )
        == "010-1234-5678"
    )
    assert PersonalDataAccess.objects.get().fields == ["phone"]
    with pytest.raises(ValueError, match="fields"):
        reveal(actor=officer, subject=resident, purpose="회신", values="010-1234-5678")


def test_reveal_gives_nothing_when_the_read_is_not_allowed(other_resident, resident):
    with pytest.raises(PermissionDenied):
        reveal(actor=other_resident, subject=resident, purpose="x", values={"phone": "010"})


# --- append-only ----------------------------------------------------------------------------------


@pytest.fixture
def record(officer, resident):
    return personal_data_access_record(
        actor=officer, subject=resident, fields=["phone"], purpose="민원 회신"
    )


def test_records_cannot_be_changed_or_deleted(record):
    record.purpose = "다른 목적"
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    with pytest.raises(AppendOnlyError):
        PersonalDataAccess.objects.filter(pk=record.pk).update(purpose="다른 목적")
    with pytest.raises(AppendOnlyError):
        PersonalDataAccess.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        PersonalDataAccess.objects.bulk_update([record], ["purpose"])
    with pytest.raises(AppendOnlyError):
        PersonalDataAccess.objects.update_or_create(pk=record.pk, defaults={"purpose": "x"})
    assert PersonalDataAccess.objects.get(pk=record.pk).purpose == "민원 회신"


def test_users_with_records_cannot_be_deleted(record, officer, resident):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        resident.delete()
    with pytest.raises(ProtectedError):
        officer.delete()


# --- queries ------------------------------------------------------------------------------------


def test_accesses_for_subject_newest_first_in_one_query(
    officer, head, resident, other_resident, django_assert_num_queries
):
    with time_machine.travel(datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC), tick=False):
        first = personal_data_access_record(
            actor=officer, subject=resident, fields=["phone"], purpose="a"
        )
    with time_machine.travel(datetime.datetime(2024, 5, 2, tzinfo=datetime.UTC), tick=False):
        second = personal_data_access_record(
            actor=head, subject=resident, fields=["address"], purpose="b"
        )
        personal_data_access_record(
            actor=head, subject=other_resident, fields=["phone"], purpose="c"
        )
    with django_assert_num_queries(1):
        rows = list(accesses_for_subject(resident))
        readers = [row.actor.email for row in rows]
    assert rows == [second, first]
    assert readers == [head.email, officer.email]
    assert list(accesses_by_actor(officer)) == [first]


# --- admin ----------------------------------------------------------------------------------------


@pytest.fixture
def records(officer, head, resident, other_resident):
    made = []
    # Late evening in UTC is already the next day in Seoul, whose dates the admin filters by.
    with time_machine.travel(datetime.datetime(2024, 5, 1, 23, 30, tzinfo=datetime.UTC)):
        for i in range(20):
            made.append(
                personal_data_access_record(
                    actor=officer, subject=resident, fields=["phone"], purpose=f"민원 회신 {i}"
                )
            )
        made.append(
            personal_data_access_record(
                actor=head, subject=other_resident, fields=["address"], purpose="감사"
            )
        )
    return made


def test_admin_list_shows_records_in_few_queries(
    admin_client, records, officer, resident, django_assert_num_queries
):
    with django_assert_num_queries(9):
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 21
    assert "delete_selected" not in response.content.decode()
    # Twenty more rows (still one page) cost no query more: no actor or subject read per row.
    with time_machine.travel(datetime.datetime(2024, 5, 2, 9, 0, tzinfo=datetime.UTC)):
        for i in range(20):
            personal_data_access_record(
                actor=officer, subject=resident, fields=["phone"], purpose=f"추가 {i}"
            )
    with django_assert_num_queries(9):
        response = admin_client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 41


def test_admin_filters_by_who_whose_and_when(admin_client, records, head, other_resident, officer):
    day = timezone.localdate(records[-1].accessed_at)
    cases = {
        f"actor__id__exact={head.pk}": 1,
        f"subject__id__exact={other_resident.pk}": 1,
        f"actor__id__exact={officer.pk}": 20,
        f"accessed_at__year={day.year}&accessed_at__month={day.month}&accessed_at__day={day.day}": 21,
        "accessed_at__year=2001": 0,
        "q=감사": 1,
        f"q={officer.email}": 20,
    }
    for query, count in cases.items():
        response = admin_client.get(f"{CHANGELIST}?{query}")
        assert response.status_code == 200, query
        assert len(response.context["cl"].result_list) == count, query


def test_admin_is_read_only(admin_client, records):
    record = records[0]
    response = admin_client.get(
        reverse("admin:privacy_personaldataaccess_change", args=[record.pk])
    )
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    for view, args in [("add", []), ("change", [record.pk]), ("delete", [record.pk])]:
        response = admin_client.post(
            reverse(f"admin:privacy_personaldataaccess_{view}", args=args),
            {"post": "yes", "purpose": "고침"},
        )
        assert response.status_code == 403, view
    assert PersonalDataAccess.objects.get(pk=record.pk).purpose == "민원 회신 0"
    assert PersonalDataAccess.objects.count() == 21


def test_residents_are_sent_to_the_admin_login(client, resident, records):
    client.force_login(resident)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_auditors_need_the_view_permission(client, staff_login, records):
    auditor = User.objects.create_user(
        email="auditor@testgu.go.kr", password="correct-horse-9", is_staff=True
    )
    assert not may_view_access_log(auditor)
    staff_login(client, auditor)
    assert client.get(CHANGELIST).status_code == 403

    auditor.user_permissions.add(Permission.objects.get(codename="view_personaldataaccess"))
    auditor = User.objects.get(pk=auditor.pk)  # permissions are cached on the instance
    assert may_view_access_log(auditor)
    assert client.get(CHANGELIST).status_code == 200
