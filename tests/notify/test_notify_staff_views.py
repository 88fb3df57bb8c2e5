"""The staff pages of notify (`/notify/staff/`): who may see them, that each organisation sees
only its own campaigns, bad input ending in form errors (never a 500), constant query counts on
the lists, the report and its CSV."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sotong.core.vocab import Interest
from sotong.notify.models import Campaign, Channel, Delivery, Template, channel_mask

pytestmark = pytest.mark.django_db


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def other_org_staff(city):
    """An officer of another district holding both notify permissions there."""
    from sotong.accounts.models import User
    from sotong.org.models import Department, Organization, Staff

    other = Organization.objects.create(
        code="othergu", name="다른구", kind="district", parent=city, head_title="구청장"
    )
    department = Department.objects.create(organization=other, name="홍보과")
    user = User.objects.create_user(
        email="officer@othergu.go.kr", password="correct-horse-9", display_name="한다른"
    )
    Staff.objects.create(
        user=user,
        organization=other,
        department=department,
        name="한다른",
        position="officer",
        grade=7,
    )
    for codename in ("send_campaign", "send_emergency"):
        user.user_permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label="notify")
        )
    return user


@pytest.fixture
def campaign_factory(district, officer):
    def make(**fields):
        values = {
            "organization": district,
            "kind": Campaign.Kind.TARGETED,
            "title": "한부모 가정 저축 계좌 안내",
            "segment": {"interests": [Interest.WELFARE]},
            "channels": channel_mask([Channel.EMAIL, Channel.SMS]),
            "subject": "저축 계좌 안내",
            "body": "{{ organization }}에서 알려 드립니다. 저축 계좌를 신청하세요.",
            "sms_body": "저축 계좌를 신청하세요.",
            "created_by": officer,
        }
        values.update(fields)
        return Campaign.objects.create(**values)

    return make


@pytest.fixture
def campaign(campaign_factory):
    return campaign_factory()


@pytest.fixture
def template(district):
    return Template.objects.create(
        organization=district,
        key="welfare-notice",
        kind=Template.Kind.CAMPAIGN,
        channel=Channel.SMS,
        name="복지 안내",
        body="{{ name }}님, 복지 안내입니다.",
        sample_context={"name": "김주민"},
    )


def _object_urls(campaign: Campaign, template: Template) -> list[str]:
    return [
        reverse("notify:staff_campaign", args=[campaign.pk]),
        reverse("notify:staff_campaign_edit", args=[campaign.pk]),
        reverse("notify:staff_campaign_preview", args=[campaign.pk]),
        reverse("notify:staff_campaign_send", args=[campaign.pk]),
        reverse("notify:staff_campaign_cancel", args=[campaign.pk]),
        reverse("notify:staff_campaign_report", args=[campaign.pk]),
        reverse("notify:staff_campaign_report_csv", args=[campaign.pk]),
        reverse("notify:staff_template_edit", args=[template.pk]),
        reverse("notify:staff_template_preview", args=[template.pk]),
        reverse("notify:staff_template_delete", args=[template.pk]),
    ]


def _page_urls(campaign: Campaign, template: Template) -> list[str]:
    return [
        reverse("notify:staff_dashboard"),
        reverse("notify:staff_templates"),
        reverse("notify:staff_template_create"),
        reverse("notify:staff_campaign_create", args=["targeted"]),
        reverse("notify:staff_campaign_create", args=["newsletter"]),
        *_object_urls(campaign, template),
    ]


# --- access --------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, campaign, template):
    login = reverse("account_login")
    for url in _page_urls(campaign, template):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(login), url
    response = client.post(reverse("notify:staff_campaign_send", args=[campaign.pk]))
    assert response.status_code == 302 and response.url.startswith(login)


@pytest.mark.parametrize("who", ["resident", "other_officer", "officer"])
def test_people_without_notify_permission_get_403(
    request, client, staff_login, campaign, template, who
):
    # `officer` here lacks the permission (notify_staff is not requested).
    staff_login(client, request.getfixturevalue(who))
    for url in _page_urls(campaign, template):
        assert client.get(url).status_code == 403, url
    send = reverse("notify:staff_campaign_send", args=[campaign.pk])
    assert client.post(send, {"confirm": "on"}).status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_staff_with_permission_sees_every_page(
    client, staff_login, notify_staff, campaign, template
):
    staff_login(client, notify_staff)
    for url in _page_urls(campaign, template):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content.decode()[:3000])


def test_other_organisation_gets_404_like_a_missing_campaign(
    client, staff_login, other_org_staff, campaign, template
):
    staff_login(client, other_org_staff)
    for url in _object_urls(campaign, template):
        assert client.get(url).status_code == 404, url
    missing = reverse("notify:staff_campaign", args=[campaign.pk + 1000])
    assert client.get(missing).status_code == 404
    post = client.post(
        reverse("notify:staff_campaign_cancel", args=[campaign.pk]), {"reason": "잘못 만듦"}
    )
    assert post.status_code == 404
    body = client.get(reverse("notify:staff_dashboard")).content.decode()
    assert campaign.title not in body
    assert "다른구" in body


def test_emergency_needs_its_own_permission(client, staff_login, notify_staff, campaign_factory):
    staff_login(client, notify_staff)
    dashboard = client.get(reverse("notify:staff_dashboard")).content.decode()
    assert reverse("notify:staff_campaign_create", args=["targeted"]) in dashboard
    assert reverse("notify:staff_campaign_create", args=["emergency"]) not in dashboard
    assert (
        client.get(reverse("notify:staff_campaign_create", args=["emergency"])).status_code == 403
    )
    response = client.post(
        reverse("notify:staff_campaign_create", args=["emergency"]),
        {"title": "호우 경보", "sms_body": "대피하세요"},
    )
    assert response.status_code == 403
    alert = campaign_factory(kind=Campaign.Kind.EMERGENCY, title="호우 경보", segment={})
    for name in ("staff_campaign_send", "staff_campaign_edit", "staff_campaign_cancel"):
        assert client.get(reverse(f"notify:{name}", args=[alert.pk])).status_code == 403, name
    response = client.post(
        reverse("notify:staff_campaign_send", args=[alert.pk]), {"confirm": "on"}
    )
    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.status == Campaign.Status.DRAFT
    # Seeing it (and its report) is allowed: it is the organisation's campaign.
    assert client.get(reverse("notify:staff_campaign", args=[alert.pk])).status_code == 200


def test_emergency_staff_may_compose_an_alert(client, staff_login, emergency_staff):
    staff_login(client, emergency_staff)
    dashboard = client.get(reverse("notify:staff_dashboard")).content.decode()
    assert reverse("notify:staff_campaign_create", args=["emergency"]) in dashboard
    response = client.get(reverse("notify:staff_campaign_create", args=["emergency"]))
    assert response.status_code == 200
    assert "긴급 알림입니다." in response.content.decode()


def test_unknown_kind_is_404(client, staff_login, notify_staff):
    staff_login(client, notify_staff)
    assert client.get(reverse("notify:staff_campaign_create", args=["spam"])).status_code == 404


# --- dashboard -----------------------------------------------------------------------------------


def test_dashboard_lists_filters_and_paginates(client, staff_login, notify_staff, campaign_factory):
    for n in range(23):
        campaign_factory(title=f"맞춤 {n:02d}")
    campaign_factory(title="금요 소식지", kind=Campaign.Kind.NEWSLETTER, status="sent")
    staff_login(client, notify_staff)
    url = reverse("notify:staff_dashboard")
    first = client.get(url).content.decode()
    assert "발송 24건 (1/2쪽)" in first
    assert "page=2" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert "(2/2쪽)" in second
    newsletters = client.get(url, {"kind": "newsletter"}).content.decode()
    assert "금요 소식지" in newsletters and "맞춤 01" not in newsletters
    sent = client.get(url, {"status": "sent", "kind": "targeted"}).content.decode()
    assert "조건에 맞는 발송이 없습니다." in sent
    # Garbage filters are ignored, not a 500.
    assert client.get(url, {"kind": "<script>", "page": "x"}).status_code == 200


def test_dashboard_query_count_is_constant(
    client,
    staff_login,
    notify_staff,
    campaign_factory,
    subscriber_factory,
    django_assert_num_queries,
):
    staff_login(client, notify_staff)
    url = reverse("notify:staff_dashboard")
    campaign_factory()
    subscriber_factory()
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(30):
        campaign_factory(title=f"발송 {n}")
    for _ in range(5):
        subscriber_factory()
    with django_assert_num_queries(len(few)):
        assert client.get(url).status_code == 200


def test_template_list_query_count_is_constant(
    client, staff_login, notify_staff, district, template, django_assert_num_queries
):
    staff_login(client, notify_staff)
    url = reverse("notify:staff_templates")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(10):
        Template.objects.create(
            organization=district,
            key=f"t{n}",
            kind=Template.Kind.CAMPAIGN,
            channel=Channel.EMAIL,
            name=f"틀 {n}",
            body="본문",
        )
    with django_assert_num_queries(len(few)):
        body = client.get(url).content.decode()
    assert "틀 9" in body


def test_subscriber_overview_is_aggregates_only(
    client, staff_login, notify_staff, district, subscriber_factory
):
    from sotong.org.models import Dong

    sinchon = Dong.objects.create(organization=district, name="신촌동")
    subscriber_factory(dong=sinchon, email="secret.person@example.kr", phone="01055556666")
    subscriber_factory(dong=sinchon, channels=("sms", "kakao"), interests=(Interest.CULTURE,))
    subscriber_factory(status="unsubscribed")
    staff_login(client, notify_staff)
    response = client.get(reverse("notify:staff_dashboard"))
    body = response.content.decode()
    assert "구독 중인 사람은 모두 2명입니다." in body
    assert "secret.person" not in body and "01055556666" not in body and "5555" not in body
    overview = response.context["overview"]
    assert dict((str(label), n) for label, n in overview["channels"]) == {
        "이메일": 1,
        "문자(SMS·LMS)": 2,
        "카카오 알림톡": 1,
    }
    interests = {str(label): n for label, n in overview["interests"]}
    assert interests["복지"] == 1 and interests["문화"] == 1 and interests["재난·안전"] == 1
    assert [(str(label), n) for label, n in overview["dongs"]] == [("신촌동", 2)]


def test_inbox_link_only_in_demo_and_development(client, staff_login, notify_staff, settings):
    staff_login(client, notify_staff)
    settings.SOLAPI_URL = "http://127.0.0.1:18090"
    settings.SOTONG_ENV = "demo"
    assert (
        "http://127.0.0.1:18090" in client.get(reverse("notify:staff_dashboard")).content.decode()
    )
    settings.SOTONG_ENV = "test"
    assert (
        "http://127.0.0.1:18090"
        not in client.get(reverse("notify:staff_dashboard")).content.decode()
    )


# --- templates -----------------------------------------------------------------------------------


def test_template_create_preview_edit_delete(client, staff_login, notify_staff, district):
    staff_login(client, notify_staff)
    response = client.post(
        reverse("notify:staff_template_create"),
        {
            "name": "복지 안내 문자",
            "key": "welfare-sms",
            "kind": "campaign",
            "channel": "sms",
            "body": "{{ name }}님, {{ amount }}원을 지원합니다.",
            "sample_context": "name=김주민",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    template = Template.objects.get(organization=district, key="welfare-sms")
    assert template.sample_context == {"name": "김주민"}
    assert response.url == reverse("notify:staff_template_preview", args=[template.pk])
    preview = client.get(response.url).content.decode()
    assert "김주민님" in preview
    assert "값이 없는 자리가 있어 이대로는 보내지 않습니다" in preview
    assert "<code>amount</code>" in preview
    assert "바이트 · SMS" in preview
    # Other sample values (JSON) fill the hole.
    filled = client.post(
        reverse("notify:staff_template_preview", args=[template.pk]),
        {"sample_context": '{"name": "이이웃", "amount": 50000}'},
    ).content.decode()
    assert "이이웃님, 50000원" in filled and "<code>amount</code>" not in filled

    edit_url = reverse("notify:staff_template_edit", args=[template.pk])
    assert client.get(edit_url).status_code == 200
    response = client.post(
        edit_url,
        {
            "name": "복지 안내",
            "key": "changed-key",  # disabled: ignored
            "kind": "campaign",
            "channel": "email",  # disabled: ignored
            "body": "{{ name }}님, 안내입니다.",
            "sample_context": "name=김주민\namount=1",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    template.refresh_from_db()
    assert (template.name, template.key, template.channel) == ("복지 안내", "welfare-sms", "sms")

    delete_url = reverse("notify:staff_template_delete", args=[template.pk])
    assert client.get(delete_url).status_code == 200
    assert client.post(delete_url).status_code == 302
    assert not Template.objects.filter(pk=template.pk).exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"key": "Bad Key!", "channel": "sms", "body": "안내"}, "key"),
        ({"key": "ok", "channel": "fax", "body": "안내"}, "channel"),
        ({"key": "ok", "channel": "kakao", "body": "안내"}, "kakao_template_code"),
        ({"key": "ok", "channel": "sms", "body": "{% for x in y %}{% endfor %}"}, "body"),
        (
            {"key": "ok", "channel": "sms", "body": "안내", "sample_context": "이름 값"},
            "sample_context",
        ),
        (
            {"key": "ok", "channel": "sms", "body": "안내", "sample_context": "{broken"},
            "sample_context",
        ),
        ({"key": "ok", "channel": "email", "body": "안내"}, "subject"),
    ],
)
def test_template_bad_input_is_form_errors(client, staff_login, notify_staff, data, field):
    staff_login(client, notify_staff)
    response = client.post(
        reverse("notify:staff_template_create"), {"name": "틀", "kind": "campaign", **data}
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    body = response.content.decode()
    assert 'id="form-errors"' in body
    assert not Template.objects.exists()


def test_template_in_use_is_not_deleted(
    client, staff_login, notify_staff, district, campaign_factory
):
    kakao = Template.objects.create(
        organization=district,
        key="kakao-welfare",
        kind=Template.Kind.CAMPAIGN,
        channel=Channel.KAKAO,
        name="알림톡 복지",
        body="복지 안내입니다.",
        kakao_template_code="KA01TP0001",
    )
    campaign_factory(kakao_template=kakao)
    staff_login(client, notify_staff)
    response = client.post(reverse("notify:staff_template_delete", args=[kakao.pk]))
    assert response.status_code == 400
    assert "발송에 쓰인 틀은 지울 수 없습니다" in response.content.decode()
    assert Template.objects.filter(pk=kakao.pk).exists()


# --- campaigns -----------------------------------------------------------------------------------


def _compose(**overrides):
    data = {
        "title": "한부모 가정 저축 계좌",
        "interests": [Interest.WELFARE],
        "channels": ["sms", "email"],
        "subject": "저축 계좌 안내",
        "body": "{{ organization }}에서 알려 드립니다.",
        "sms_body": "저축 계좌를 신청하세요.",
        "conversion_action": "",
        "conversion_days": "30",
    }
    data.update(overrides)
    return data


def test_compose_targeted_campaign(client, staff_login, notify_staff, district):
    from sotong.org.models import Dong

    sinchon = Dong.objects.create(organization=district, name="신촌동")
    staff_login(client, notify_staff)
    url = reverse("notify:staff_campaign_create", args=["targeted"])
    page = client.get(url).content.decode()
    assert "<legend" in page and "관심 분야" in page and "대상 수 확인" in page
    response = client.post(
        url,
        _compose(
            dongs=[str(sinchon.pk)],
            birth_year_min="1970",
            birth_year_max="1990",
            conversion_action="notify.subscribed",
            conversion_days="14",
            kakao_variables="",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:4000]
    campaign = Campaign.objects.get(title="한부모 가정 저축 계좌")
    assert campaign.status == Campaign.Status.DRAFT and campaign.kind == "targeted"
    assert campaign.segment["interests"] == [Interest.WELFARE]
    assert campaign.segment["dongs"] == [sinchon.pk]
    assert campaign.segment["birth_year_min"] == 1970
    assert campaign.channels == channel_mask(["sms", "email"])
    assert (campaign.conversion_action, campaign.conversion_days) == ("notify.subscribed", 14)
    detail = client.get(response.url).content.decode()
    assert "신촌동" in detail and "복지" in detail and "1970–1990" in detail
    # Editing keeps what was saved and changes it.
    edit_url = reverse("notify:staff_campaign_edit", args=[campaign.pk])
    form = client.get(edit_url).context["form"]
    assert form.initial["interests"] == [Interest.WELFARE]
    response = client.post(edit_url, _compose(title="바뀐 제목"))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.title == "바뀐 제목"
    assert not campaign.segment.get("dongs")  # unticked: the 동 filter is gone


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"interests": ["bogus"]}, "interests"),
        ({"life_stages": ["<script>"]}, "life_stages"),
        ({"dongs": ["abc"]}, "dongs"),
        ({"dongs": ["999999"]}, "dongs"),
        ({"birth_year_min": "x"}, "birth_year_min"),
        ({"birth_year_min": "1990", "birth_year_max": "1980"}, "birth_year_max"),
        ({"birth_year_min": "2099"}, "birth_year_min"),
        ({"channels": ["fax"]}, "channels"),
        ({"channels": []}, "channels"),
        ({"conversion_action": "nope.never"}, "conversion_action"),
        ({"conversion_days": "0"}, "conversion_days"),
        ({"title": ""}, "title"),
        ({"sms_body": "{{ unknown_var }}"}, "sms_body"),
        ({"sms_body": "이모지 😀"}, "sms_body"),
        ({"kakao_variables": "이름 값"}, "kakao_variables"),
    ],
)
def test_compose_bad_input_is_form_errors(
    client, staff_login, notify_staff, district, city, overrides, field
):
    staff_login(client, notify_staff)
    response = client.post(
        reverse("notify:staff_campaign_create", args=["targeted"]), _compose(**overrides)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert 'id="form-errors"' in response.content.decode()
    assert not Campaign.objects.exists()


def test_compose_other_districts_dong_is_refused(client, staff_login, notify_staff, city):
    from sotong.org.models import Dong

    foreign = Dong.objects.create(organization=city, name="시청동")
    staff_login(client, notify_staff)
    response = client.post(
        reverse("notify:staff_campaign_create", args=["targeted"]),
        _compose(dongs=[str(foreign.pk)]),
    )
    assert response.status_code == 200 and "dongs" in response.context["form"].errors


def test_count_partial_and_no_js_fallback(
    client, staff_login, notify_staff, subscriber_factory, campaign
):
    from sotong.core.vocab import Interest as I

    subscriber_factory()
    subscriber_factory(channels=("sms",))
    subscriber_factory(interests=(I.CULTURE,))
    subscriber_factory(status="unsubscribed")
    staff_login(client, notify_staff)
    url = reverse("notify:staff_campaign_count", args=[campaign.pk])
    partial = client.post(url, _compose(), HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert partial.status_code == 200
    assert "<html" not in body
    assert "받는 사람 2명" in body
    count = partial.context["count"]
    assert (count["subscribers"], count["deliveries"]) == (2, 3)
    assert dict((str(label), n) for label, n in count["rows"]) == {
        "이메일": 1,
        "문자(SMS·LMS)": 2,
    }
    # Without JavaScript the whole form comes back as typed, with the count in it.
    full = client.post(url, _compose(title="입력한 제목"))
    body = full.content.decode()
    assert "<html" in body and "받는 사람 2명" in body and 'value="입력한 제목"' in body
    # Nothing was saved by counting.
    campaign.refresh_from_db()
    assert campaign.title != "입력한 제목"
    # Counting a new (unsaved) campaign works too; bad input shows errors in the partial.
    new_url = reverse("notify:staff_campaign_new_count", args=["targeted"])
    assert "받는 사람 2명" in client.post(new_url, _compose()).content.decode()
    bad = client.post(new_url, _compose(interests=["bogus"]), HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and "대상 조건을 확인해 주세요" in bad.content.decode()
    empty = client.post(new_url, _compose(channels=[]), HTTP_HX_REQUEST="true")
    assert "보낼 채널을 하나 이상 고르세요" in empty.content.decode()


def test_sms_counter(client, staff_login, notify_staff):
    staff_login(client, notify_staff)
    url = reverse("notify:staff_sms_counter")
    assert client.post(url, {"sms_body": "가" * 41 + "a"}).content.decode().strip() == (
        "83/90바이트 · SMS"
    )
    assert "100/2000바이트 · LMS" in client.post(url, {"sms_body": "가" * 50}).content.decode()
    too_long = client.post(url, {"sms_body": "가" * 1001}).content.decode()
    assert "2000바이트" in too_long and "LMS" not in too_long.split("지금")[0][-5:]


def test_campaign_preview_shows_each_channel(client, staff_login, notify_staff, campaign_factory):
    campaign = campaign_factory(sms_body="{{ organization }} 저축 계좌를 신청하세요.")
    staff_login(client, notify_staff)
    response = client.get(reverse("notify:staff_campaign_preview", args=[campaign.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "시험구 저축 계좌를 신청하세요." in body
    assert "바이트 · SMS" in body
    assert "저축 계좌 안내" in body  # the e-mail subject


def test_schedule_refuses_past_time(
    client, staff_login, notify_staff, campaign, subscriber_factory
):
    subscriber_factory()
    staff_login(client, notify_staff)
    url = reverse("notify:staff_campaign_schedule", args=[campaign.pk])
    past = timezone.localtime() - datetime.timedelta(hours=1)
    response = client.post(url, {"scheduled_at": past.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 400
    assert "예약 시각은 지금보다 뒤여야 합니다" in response.content.decode()
    assert client.post(url, {"scheduled_at": "어제"}).status_code == 400
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    future = timezone.localtime() + datetime.timedelta(days=1)
    response = client.post(url, {"scheduled_at": future.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SCHEDULED
    assert campaign.scheduled_at is not None


@pytest.fixture
def no_workers(settings):
    """Keep planned deliveries queued: no worker runs in these tests."""
    settings.TASKS = {
        name: {**value, "BACKEND": "django_tasks.backends.dummy.DummyBackend"}
        for name, value in settings.TASKS.items()
    }


def test_send_now_with_confirmation(
    client, staff_login, notify_staff, campaign, subscriber_factory, no_workers
):
    subscriber_factory()
    subscriber_factory(channels=("sms",))
    staff_login(client, notify_staff)
    url = reverse("notify:staff_campaign_send", args=[campaign.pk])
    page = client.get(url).content.decode()
    assert "<strong>2명</strong>에게 메시지 <strong>3건</strong>을 보냅니다." in page
    # Without ticking the confirmation nothing happens.
    response = client.post(url, {})
    assert response.status_code == 400
    assert "보내려면 확인란을 선택하세요." in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING
    assert Delivery.objects.filter(campaign=campaign).count() == 3
    # A second send is refused as a form error, not a crash.
    again = client.post(url, {"confirm": "on"})
    assert again.status_code == 400 and "이미 보냈거나 취소한 발송입니다" in again.content.decode()


def test_send_with_empty_segment_is_an_error(
    client, staff_login, notify_staff, campaign, no_workers
):
    staff_login(client, notify_staff)
    url = reverse("notify:staff_campaign_send", args=[campaign.pk])
    assert "받는 사람 0명" in client.get(url).content.decode()
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 400
    assert "받는 사람이 없습니다." in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    assert not Delivery.objects.exists()


def test_emergency_send_by_permitted_staff(
    client, staff_login, emergency_staff, district, subscriber_factory, no_workers
):
    from sotong.org.models import Dong

    sinchon = Dong.objects.create(organization=district, name="신촌동")
    subscriber_factory(dong=sinchon, interests=(Interest.CULTURE,))
    subscriber_factory()
    staff_login(client, emergency_staff)
    response = client.post(
        reverse("notify:staff_campaign_create", args=["emergency"]),
        {"title": "호우 경보", "dongs": [str(sinchon.pk)], "sms_body": "신촌동 대피하세요."},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    alert = Campaign.objects.get(kind="emergency")
    page = client.get(reverse("notify:staff_campaign_send", args=[alert.pk])).content.decode()
    assert "긴급 알림을 보냅니다" in page and "notify-emergency-big" in page
    assert "<strong>1명</strong>" in page
    response = client.post(
        reverse("notify:staff_campaign_send", args=[alert.pk]), {"confirm": "on"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == Campaign.Status.SENDING
    assert set(Delivery.objects.values_list("channel", flat=True)) == {"email", "sms"}


def test_cancel_needs_a_reason(client, staff_login, notify_staff, campaign):
    staff_login(client, notify_staff)
    url = reverse("notify:staff_campaign_cancel", args=[campaign.pk])
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 400
    assert "취소 사유를 적어 주세요." in response.content.decode()
    response = client.post(url, {"reason": "내용 오류"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CANCELLED
    again = client.post(url, {"reason": "두 번"})
    assert again.status_code == 400


def test_newsletter_compose(client, staff_login, notify_staff):
    staff_login(client, notify_staff)
    url = reverse("notify:staff_campaign_create", args=["newsletter"])
    page = client.get(url)
    assert page.status_code == 200
    assert "소식 모음" in page.content.decode()
    response = client.post(
        url,
        {
            "title": "금요 소식지",
            "channels": ["email"],
            "subject": "이번 주 소식",
            "body": "{{ digest }}",
            "digest_since": "2026-01-01",
            "digest_until": "2026-01-07",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    newsletter = Campaign.objects.get(kind="newsletter")
    assert timezone.localtime(newsletter.digest_since).date() == datetime.date(2026, 1, 1)
    bad = client.post(
        url,
        {
            "title": "소식지",
            "channels": ["email"],
            "body": "x",
            "digest_since": "2026-01-07",
            "digest_until": "2026-01-01",
        },
    )
    assert bad.status_code == 200 and "digest_until" in bad.context["form"].errors


# --- report --------------------------------------------------------------------------------------


@pytest.fixture
def sent_campaign(campaign_factory, subscriber_factory, resident):
    from sotong.notify.models import Click, ConversionEvent

    campaign = campaign_factory(
        status=Campaign.Status.SENT,
        conversion_action="notify.subscribed",
        conversion_days=30,
        planned_at=timezone.now(),
        finished_at=timezone.now(),
    )
    now = timezone.now()
    people = [
        subscriber_factory(email=f"person{n}@example.kr", phone=f"0107777000{n}") for n in range(4)
    ]
    rows = [
        (people[0], "email", "delivered", ""),
        (people[0], "sms", "delivered", ""),
        (people[1], "email", "sent", ""),
        (people[2], "sms", "failed", "invalid_number"),
        (people[3], "sms", "failed", "http_503"),
    ]
    deliveries = []
    for subscriber, channel, status, code in rows:
        deliveries.append(
            Delivery.objects.create(
                campaign=campaign,
                subscriber=subscriber,
                channel=channel,
                priority=20,
                status=status,
                failure_code=code,
                sent_at=now if status in ("sent", "delivered") else None,
            )
        )
    Click.objects.create(delivery=deliveries[0], url="https://example.kr/apply")
    ConversionEvent.objects.create(
        action="notify.subscribed", subscriber=people[0], at=now + datetime.timedelta(days=1)
    )
    return campaign


def test_report_page(client, staff_login, notify_staff, sent_campaign, django_assert_num_queries):
    staff_login(client, notify_staff)
    with django_assert_num_queries(18):
        response = client.get(reverse("notify:staff_campaign_report", args=[sent_campaign.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "알림 2명 · 알림 구독 신청 1명 (50%)" in body
    assert 'role="img"' in body and '<title id="chart-svg-title">' in body and "<desc" in body
    assert "잘못된 번호" in body and "발송 업체 응답 오류 (503)" in body
    numbers = response.context["numbers"]
    assert (numbers["recipients"], numbers["sent"], numbers["delivered"], numbers["failed"]) == (
        4,
        3,
        2,
        2,
    )
    assert numbers["clicks"] == 1
    for person in ("person0@example.kr", "01077770000"):
        assert person not in body


def test_report_csv(client, staff_login, notify_staff, sent_campaign):
    staff_login(client, notify_staff)
    response = client.get(reverse("notify:staff_campaign_report_csv", args=[sent_campaign.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"campaign-{sent_campaign.pk}-report.csv" in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["채널", "상태", "실패 사유", "건수"]
    assert ["문자(SMS·LMS)", "실패", "잘못된 번호", "1"] in rows
    assert ["합계", "받는 사람", "", "4"] in rows
    assert "person0@example.kr" not in text and "0107777" not in text


def test_superuser_picks_an_organisation(admin_client, district, city, campaign):
    url = reverse("notify:staff_dashboard")
    body = admin_client.get(url, {"org": district.code}).content.decode()
    assert campaign.title in body
    other = admin_client.get(url, {"org": city.code}).content.decode()
    assert campaign.title not in other
    assert admin_client.get(url, {"org": "nowhere"}).status_code == 404
    assert admin_client.get(reverse("notify:staff_campaign", args=[campaign.pk])).status_code == 200


def test_city_segment_may_take_in_its_districts(city, district):
    from sotong.notify.forms_staff import CampaignForm
    from sotong.org.models import Dong

    Dong.objects.create(organization=district, name="신촌동")
    form = CampaignForm(organization=city, kind="targeted")
    assert "include_children" in form.fields
    assert [str(label) for _value, label in form.fields["dongs"].choices] == ["시험구 신촌동"]
    district_form = CampaignForm(organization=district, kind="emergency")
    assert "include_children" not in district_form.fields
    assert "interests" not in district_form.fields and "channels" not in district_form.fields


# --- the fetches behind the pages (notify.queries) --------------------------------------------


def test_campaign_for_user(campaign_factory, notify_staff, resident):
    from django.http import Http404

    from sotong.notify import queries

    campaign = campaign_factory()
    assert queries.campaign_for_user(notify_staff, campaign.pk) == campaign
    for user, pk in ((resident, campaign.pk), (notify_staff, 999_999)):
        with pytest.raises(Http404):
            queries.campaign_for_user(user, pk)


def test_template_for_user(template, notify_staff, resident):
    from django.http import Http404

    from sotong.notify import queries

    assert queries.template_for_user(notify_staff, template.pk) == template
    for user, pk in ((resident, template.pk), (notify_staff, 999_999)):
        with pytest.raises(Http404):
            queries.template_for_user(user, pk)
    # A platform template (no organisation) is not edited from an organisation's pages.
    Template.objects.filter(pk=template.pk).update(organization=None)
    with pytest.raises(Http404):
        queries.template_for_user(notify_staff, template.pk)


def test_can_create_campaign_by_kind(district, notify_staff, emergency_staff, resident):
    from sotong.notify import permissions

    emergency, targeted = Campaign.Kind.EMERGENCY, Campaign.Kind.TARGETED
    assert permissions.can_create_campaign(notify_staff, district, targeted)
    assert not permissions.can_create_campaign(notify_staff, district, emergency)
    assert permissions.can_create_campaign(emergency_staff, district, emergency)
    assert not permissions.can_create_campaign(resident, district, targeted)
