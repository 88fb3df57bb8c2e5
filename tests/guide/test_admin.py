"""FAQ admin: search and filters; saves go through the services (audited); a manager sees only
their own organisation's entries."""

import pytest
from django.urls import reverse

from sotong.core.audit.models import AuditEvent
from sotong.guide.models import FaqEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    # The admin screens are tested here, not the staff second factor (tests/accounts does that).
    settings.SOTONG_STAFF_MFA_REQUIRED = False


@pytest.fixture
def faq_manager(head):
    """The head of the test district's department, allowed to edit FAQ entries."""
    from django.contrib.auth.models import Permission

    from sotong.accounts.models import User

    head.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="services", codename__endswith="faqentry"
        )
    )
    head.is_staff = True
    head.save(update_fields=["is_staff"])
    return User.objects.get(pk=head.pk)


def form_data(**overrides):
    data = {
        "title": "주차 위반 과태료는 어디에 내나요?",
        "answer": "구청 주차관리과 또는 온라인으로 냅니다.",
        "category": "transport",
        "organization": "",
        "published": "on",
        "source": "local",
        "source_id": "",
        "attribution": "",
    }
    data.update(overrides)
    return data


def test_changelist_searches_and_filters(client, admin_user, make_entry, city):
    make_entry(title="여권 발급 수수료", category="administration", organization=city)
    make_entry(title="어린이집 입소 대기", category="welfare", source="local")
    client.force_login(admin_user)
    url = reverse("admin:services_faqentry_changelist")
    body = client.get(url, {"q": "여권"}).content.decode()
    assert "여권 발급 수수료" in body and "어린이집 입소 대기" not in body
    body = client.get(url, {"category__exact": "welfare"}).content.decode()
    assert "어린이집 입소 대기" in body and "여권 발급 수수료" not in body
    for name in ("published__exact", "category__exact", "?source=", "organization__id__exact"):
        assert name in client.get(url).content.decode()


def test_superuser_creates_changes_and_deletes_through_the_services(client, admin_user, city):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:services_faqentry_add"), form_data(organization=str(city.pk))
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = FaqEntry.objects.get()
    assert entry.organization == city
    response = client.post(
        reverse("admin:services_faqentry_change", args=[entry.pk]),
        form_data(organization=str(city.pk), title="바뀐 제목"),
    )
    assert response.status_code == 302
    assert FaqEntry.objects.get().title == "바뀐 제목"
    response = client.post(
        reverse("admin:services_faqentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not FaqEntry.objects.exists()
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", "after"))
    assert [a for a, _ in actions] == [
        "services.faq.create",
        "services.faq.update",
        "services.faq.delete",
    ]
    assert actions[1][1] == {"title": "바뀐 제목"}


def test_bad_form_input_gets_korean_messages_not_500(client, admin_user, make_entry):
    make_entry(source="seoul120", source_id="7")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:services_faqentry_add"),
        form_data(title="", source="Seoul 120", category="nope"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "출처 코드는 영문 소문자" in body
    response = client.post(
        reverse("admin:services_faqentry_add"), form_data(source="seoul120", source_id="7")
    )
    assert "같은 출처 번호가 이미 있습니다" in response.content.decode()
    assert FaqEntry.objects.count() == 1


def test_publish_and_unpublish_actions(client, admin_user, make_entry):
    entries = [make_entry(), make_entry()]
    client.force_login(admin_user)
    client.post(
        reverse("admin:services_faqentry_changelist"),
        {"action": "unpublish", "_selected_action": [e.pk for e in entries]},
    )
    assert not FaqEntry.objects.filter(published=True).exists()
    assert AuditEvent.objects.filter(action="services.faq.update").count() == 2


def test_manager_sees_and_changes_only_their_organisation(
    client, faq_manager, district, city, make_entry
):
    own = make_entry(title="우리 구 질문", organization=district)
    foreign = make_entry(title="시청 질문", organization=city)
    loose = make_entry(title="기관 없는 질문", organization=None)
    client.force_login(faq_manager)
    body = client.get(reverse("admin:services_faqentry_changelist")).content.decode()
    assert "우리 구 질문" in body
    assert "시청 질문" not in body and "기관 없는 질문" not in body
    for other in (foreign, loose):
        response = client.get(reverse("admin:services_faqentry_change", args=[other.pk]))
        assert response.status_code == 302  # "does not exist", as for a missing id
    response = client.post(
        reverse("admin:services_faqentry_change", args=[own.pk]),
        form_data(organization=str(district.pk), title="고친 질문"),
    )
    assert response.status_code == 302
    assert FaqEntry.objects.get(pk=own.pk).title == "고친 질문"
    # Moving an entry to an organisation they do not manage is not offered.
    response = client.post(
        reverse("admin:services_faqentry_change", args=[own.pk]),
        form_data(organization=str(city.pk)),
    )
    assert response.status_code == 200
    assert FaqEntry.objects.get(pk=own.pk).organization == district


def test_residents_and_staff_without_the_permission_are_kept_out(client, resident, officer):
    for user in (resident, officer):
        client.force_login(user)
        response = client.get(reverse("admin:services_faqentry_changelist"))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
