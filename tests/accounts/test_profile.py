"""The resident's profile page, its services and what they keep out of the audit log."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from sotong.accounts import services
from sotong.accounts.models import ResidentProfile, User
from sotong.core.audit.models import AuditEvent

from .conftest import PASSWORD


def _valid(dongs, **overrides):
    dong = dongs["충현동"]
    data = {
        "name": "김주민",
        "phone": "01012345678",
        "address": "서울특별시 시험구 소통로 12, 3층",
        "organization": dong.organization_id,
        "dong": dong.pk,
        "language": "ko",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.django_db
def test_a_resident_saves_their_profile(client, resident, dongs):
    client.force_login(resident)

    response = client.post(reverse("accounts:profile"), _valid(dongs))

    assert response.status_code == 302
    profile = ResidentProfile.objects.get(user=resident)
    assert profile.name == "김주민"
    assert profile.phone == "010-1234-5678"  # normalised
    assert profile.dong == dongs["충현동"]
    assert profile.organization == dongs["충현동"].organization
    assert profile.public_name == "김*민"
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "내 정보를 저장했습니다." in page
    assert 'value="010-1234-5678"' in page


@pytest.mark.django_db
def test_contact_data_is_encrypted_at_rest(client, resident, dongs):
    client.force_login(resident)
    client.post(reverse("accounts:profile"), _valid(dongs))

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone, address, name FROM accounts_residentprofile WHERE user_id = %s",
            [resident.pk],
        )
        phone, address, name = cursor.fetchone()

    assert "1234" not in phone
    assert "소통로" not in address
    assert name == "김주민"  # the name is not contact data: shown masked, stored plain


@pytest.mark.django_db
def test_the_audit_log_names_changed_fields_but_holds_no_values(client, resident, dongs):
    client.force_login(resident)
    client.post(reverse("accounts:profile"), _valid(dongs))
    client.post(reverse("accounts:profile"), _valid(dongs, phone="010-9999-8888"))

    created, updated = AuditEvent.objects.filter(action__startswith="accounts.profile_").order_by(
        "seq"
    )

    assert created.action == "accounts.profile_created"
    assert updated.action == "accounts.profile_updated"
    assert updated.after == {"changed_fields": ["phone"]}
    assert updated.actor_id == resident.pk
    for event in (created, updated):
        text = (
            f"{event.before} {event.after} {event.object_repr} {event.reason} {event.actor_label}"
        )
        for value in ["김주민", "010", "소통로", "resident@example.kr"]:
            assert value not in text


@pytest.mark.django_db
def test_saving_unchanged_values_writes_no_audit_event(client, resident, dongs):
    client.force_login(resident)
    client.post(reverse("accounts:profile"), _valid(dongs))
    client.post(reverse("accounts:profile"), _valid(dongs))

    assert AuditEvent.objects.filter(action__startswith="accounts.profile_").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "이름을 입력하세요."),
        ("name", "가" * 51, "이름은 50자 이내로 입력하세요."),
        ("name", "김😀민", "이름에는 글자, 공백, 가운뎃점(·), 하이픈(-)만 쓸 수 있습니다."),
        ("name", "1234", "이름에는 글자가 하나 이상 있어야 합니다."),
        ("name", "김\x07주민", "이름에는 글자, 공백, 가운뎃점(·), 하이픈(-)만 쓸 수 있습니다."),
        ("phone", "12345", "전화번호 형식이 올바르지 않습니다."),
        ("phone", "010-1234-567", "전화번호 형식이 올바르지 않습니다."),
        ("phone", "1588-1234", "전화번호 형식이 올바르지 않습니다."),
        ("phone", "9" * 40, "전화번호가 너무 깁니다."),
        ("address", "소통로 12 🏠", "주소에는 글자, 숫자, 공백과 기본 문장부호만 쓸 수 있습니다."),
        ("address", "가" * 201, "주소는 200자 이내로 입력하세요."),
        ("organization", "999999", "목록에 있는 자치단체를 고르세요."),
        ("organization", "abc", "목록에 있는 자치단체를 고르세요."),
        ("dong", "999999", "목록에 있는 행정동을 고르세요."),
        ("language", "fr", "목록에 있는 언어를 고르세요."),
        ("language", "", "사용 언어를 고르세요."),
    ],
)
def test_every_invalid_field_gets_a_clear_korean_message(
    client, resident, dongs, field, value, message
):
    client.force_login(resident)

    response = client.post(reverse("accounts:profile"), _valid(dongs, **{field: value}))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors.keys() == {field}
    assert not ResidentProfile.objects.exists()  # nothing half-written


@pytest.mark.django_db
def test_the_dong_must_belong_to_the_chosen_organisation(client, resident, dongs, city):
    client.force_login(resident)

    response = client.post(
        reverse("accounts:profile"), _valid(dongs, organization=city.pk, dong=dongs["충현동"].pk)
    )

    assert response.status_code == 200
    assert "충현동은(는) 시험특별시에 속한 행정동이 아닙니다." in response.content.decode()
    assert not ResidentProfile.objects.exists()


@pytest.mark.django_db
def test_a_dong_without_an_organisation_is_refused(client, resident, dongs):
    client.force_login(resident)

    response = client.post(reverse("accounts:profile"), _valid(dongs, organization=""))

    assert "행정동을 고르려면 자치단체도 고르세요." in response.content.decode()


@pytest.mark.django_db
def test_errors_are_tied_to_their_fields_for_screen_readers(client, resident, dongs):
    client.force_login(resident)

    body = client.post(reverse("accounts:profile"), _valid(dongs, phone="12")).content.decode()

    assert 'aria-invalid="true"' in body
    assert 'aria-describedby="id_phone-hint id_phone-error"' in body
    assert 'id="id_phone-error"' in body


@pytest.mark.django_db
def test_messages_are_english_when_english_is_chosen(client, resident, dongs, settings):
    client.force_login(resident)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    body = client.post(
        reverse("accounts:profile"), _valid(dongs, name="", phone="12")
    ).content.decode()

    assert '<html lang="en">' in body
    assert "Enter your name." in body
    assert "This phone number is not valid. Enter it like 010-1234-5678 or 02-123-4567." in body
    assert "이름을 입력하세요." not in body


@pytest.mark.django_db
def test_the_profile_page_reads_a_fixed_number_of_rows(
    client, resident, dongs, django_assert_num_queries
):
    client.force_login(resident)
    client.post(reverse("accounts:profile"), _valid(dongs))

    with django_assert_num_queries(8):
        response = client.get(reverse("accounts:profile"))

    assert response.status_code == 200


@pytest.mark.django_db
def test_the_dong_list_is_grouped_by_organisation(client, resident, dongs):
    client.force_login(resident)

    body = client.get(reverse("accounts:profile")).content.decode()

    assert '<optgroup label="시험구">' in body
    assert '<optgroup label="시험특별시">' in body


@pytest.mark.django_db
def test_nobody_else_may_update_a_profile(resident, other_resident, officer, dongs):
    for actor in (other_resident, officer):
        with pytest.raises(PermissionDenied):
            services.resident_profile_update(
                actor=actor,
                user=resident,
                name="남의이름",
                phone="",
                address="",
                organization=None,
                dong=None,
                language="ko",
            )
    assert not ResidentProfile.objects.exists()


@pytest.mark.django_db
def test_the_service_keeps_the_dong_rule_whatever_its_caller(resident, dongs, city):
    with pytest.raises(ValidationError):
        services.resident_profile_update(
            actor=resident,
            user=resident,
            name="김주민",
            phone="",
            address="",
            organization=city,
            dong=dongs["충현동"],
            language="ko",
        )
    assert not ResidentProfile.objects.exists()


# --- language -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_language_switch_is_kept_in_the_profile(client, resident):
    client.force_login(resident)

    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert ResidentProfile.objects.get(user=resident).language == "en"
    event = AuditEvent.objects.get(action="accounts.language_set")
    assert event.after == {"language": "en"}


@pytest.mark.django_db
def test_the_language_switch_of_a_visitor_or_an_invalid_language_keeps_nothing(client, resident):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.force_login(resident)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})

    assert not ResidentProfile.objects.exists()


@pytest.mark.django_db
def test_staff_switching_language_get_no_resident_profile(client, officer, staff_login):
    staff_login(client, officer)

    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    assert not ResidentProfile.objects.filter(user=officer).exists()


@pytest.mark.django_db
def test_login_switches_to_the_language_of_the_profile(client, resident, verified, settings):
    verified(resident)
    ResidentProfile.objects.create(user=resident, name="김주민", language="en")

    response = client.post(
        reverse("account_login"), {"login": resident.email, "password": PASSWORD}
    )

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in client.get("/").content.decode()


# --- admin ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_never_shows_contact_data(admin_client, resident, dongs):
    services.resident_profile_update(
        actor=resident,
        user=resident,
        name="김주민",
        phone="010-2468-1357",
        address="서울특별시 시험구 비밀로 99",
        organization=dongs["충현동"].organization,
        dong=dongs["충현동"],
        language="ko",
    )
    profile = ResidentProfile.objects.get(user=resident)

    listing = admin_client.get(reverse("admin:accounts_residentprofile_changelist"))
    detail = admin_client.get(reverse("admin:accounts_residentprofile_change", args=[profile.pk]))

    for response in (listing, detail):
        assert response.status_code == 200
        body = response.content.decode()
        assert "2468" not in body
        assert "비밀로" not in body
        assert "김주민" not in body
        assert "김*민" in body


@pytest.mark.django_db
def test_residents_cannot_open_the_admin(client, resident):
    client.force_login(resident)

    response = client.get(reverse("admin:accounts_residentprofile_changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response.url


@pytest.mark.django_db
def test_the_user_admin_lists_adds_and_edits_users(admin_client, resident):
    assert admin_client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:accounts_user_add")).status_code == 200
    change = admin_client.get(reverse("admin:accounts_user_change", args=[resident.pk]))
    assert change.status_code == 200

    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "clerk@testgu.go.kr",
            "usable_password": "true",
            "password1": "bright-river-42",
            "password2": "bright-river-42",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(email="clerk@testgu.go.kr").check_password("bright-river-42")
    # Deleting a user row would break kept records: accounts are closed by account_delete.
    delete = admin_client.get(reverse("admin:accounts_user_delete", args=[resident.pk]))
    assert delete.status_code == 403
