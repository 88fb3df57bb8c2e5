"""Numbers too large for the database and characters it cannot hold, in the parameters of
notify's staff campaign pages (compose, count) and its public forms: a Korean form error, never
a 500 (issue 11). SQLite's driver refuses integers beyond 64 bits (OverflowError) and PostgreSQL
refuses text holding NUL; both reached the database from these pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sotong.core.vocab import Interest
from sotong.notify.models import Campaign
from sotong.notify.segments import Segment

pytestmark = pytest.mark.django_db

HUGE = "9999999999999999999999999"


def _compose(**overrides):
    """A valid targeted campaign by e-mail, with `overrides`."""
    data = {"title": "저축 계좌", "channels": ["email"], "subject": "안내", "body": "신청하세요."}
    return {**data, "interests": [Interest.WELFARE], **overrides}


@pytest.fixture
def staff_client(staff_login, notify_staff):
    client = Client(raise_request_exception=False)
    return staff_login(client, notify_staff)


@pytest.fixture
def draft(district, notify_staff):
    return Campaign.objects.create(
        organization=district, kind=Campaign.Kind.TARGETED, title="초안", created_by=notify_staff
    )


def _assert_form_error(response, field: str) -> None:
    assert response.status_code == 200, response.content.decode()[:2000]
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any("가" <= ch <= "힣" for ch in " ".join(errors[field]))


# --- the named case: dongs=9999999999999999999999999 ------------------------------------------


@pytest.mark.parametrize("value", [HUGE, "9223372036854775808", "-9223372036854775809"])
def test_a_huge_dong_on_a_targeted_campaign_is_a_korean_form_error(staff_client, value):
    response = staff_client.post(
        reverse("notify:staff_campaign_create", args=["targeted"]), _compose(dongs=[value])
    )
    _assert_form_error(response, "dongs")
    assert not Campaign.objects.exists()


def test_a_huge_dong_on_the_count_of_a_new_campaign_is_a_form_error(staff_client):
    url = reverse("notify:staff_campaign_new_count", args=["targeted"])
    _assert_form_error(staff_client.post(url, _compose(dongs=[HUGE])), "dongs")
    partial = staff_client.post(url, _compose(dongs=[HUGE]), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "대상 조건을 확인해 주세요" in partial.content.decode()


def test_a_huge_dong_on_the_count_and_edit_of_a_draft_is_a_form_error(staff_client, draft):
    count = reverse("notify:staff_campaign_count", args=[draft.pk])
    _assert_form_error(staff_client.post(count, _compose(dongs=[HUGE])), "dongs")
    edit = reverse("notify:staff_campaign_edit", args=[draft.pk])
    _assert_form_error(staff_client.post(edit, _compose(dongs=[HUGE])), "dongs")
    draft.refresh_from_db()
    assert draft.title == "초안"


def test_an_emergency_with_a_huge_dong_is_a_form_error(staff_login, emergency_staff):
    client = staff_login(Client(raise_request_exception=False), emergency_staff)
    url = reverse("notify:staff_campaign_new_count", args=["emergency"])
    _assert_form_error(client.post(url, _compose(dongs=[HUGE])), "dongs")


@pytest.mark.parametrize("dong", [2**63, 10**40])
def test_a_stored_segment_with_a_huge_dong_is_refused_per_field(district, dong):
    with pytest.raises(ValidationError) as refused:
        Segment.from_json({"dongs": [dong]}, organization=district)
    assert "dongs" in refused.value.message_dict


# --- property-based: the compose and count parameters ------------------------------------------
SEGMENT_FIELDS = ("interests", "life_stages", "target_groups", "channels")
SCALAR_FIELDS = ("birth_year_min", "birth_year_max", "conversion_days", "kakao_template", "title")
numbers = st.one_of(
    st.sampled_from([HUGE, "9223372036854775808", "-9223372036854775809", "9223372036854775807"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["-1", "0", "1e9", "\x00", "１２", "²", "welfare", "sms", "\ufffd"]),
    numbers,
)
HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@HYPOTHESIS
@given(
    dongs=st.lists(st.one_of(numbers, text), max_size=3),
    lists=st.dictionaries(st.sampled_from(SEGMENT_FIELDS), st.lists(text, max_size=3), max_size=3),
    scalars=st.dictionaries(st.sampled_from(SCALAR_FIELDS), text, max_size=3),
    count=st.booleans(),
)
def test_compose_and_count_never_fail(staff_client, dongs, lists, scalars, count):
    name = "notify:staff_campaign_new_count" if count else "notify:staff_campaign_create"
    data = _compose(dongs=dongs, **lists, **scalars)
    response = staff_client.post(reverse(name, args=["targeted"]), data)
    assert response.status_code in (200, 302, 400), (data, response.status_code)
    # A 302 is a saved draft, never the login page: the session held.
    assert response.status_code != 302 or "/notify/staff/" in response["Location"]
