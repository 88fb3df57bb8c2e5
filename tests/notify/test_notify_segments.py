"""Segments: validation of the stored form, every facet, the rules of content (status,
frequency, emergency looks at the region only) and the per-channel count, exact and in one
query."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sotong.core.vocab import Interest, LifeStage, TargetGroup, to_mask
from sotong.notify.models import Subscriber
from sotong.notify.segments import Segment, channel_conditions, segment_count, segment_queryset

pytestmark = pytest.mark.django_db


@pytest.fixture
def dongs(district):
    from sotong.org.models import Dong

    return [Dong.objects.create(organization=district, name=name) for name in ("충현동", "연희동")]


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


# --- the stored form ------------------------------------------------------------------------


def test_round_trip_orders_and_deduplicates():
    segment = Segment.from_json(
        {
            "interests": ["welfare", "disaster_safety", "welfare"],
            "life_stages": ["senior"],
            "target_groups": ["single_parent", "women"],
            "channels": ["sms"],
            "dongs": [3, 1, 3],
            "birth_year_min": 1950,
            "birth_year_max": 1960,
            "include_children": True,
        }
    )
    assert segment.to_json() == {
        "include_children": True,
        "dongs": [1, 3],
        "interests": ["disaster_safety", "welfare"],
        "life_stages": ["senior"],
        "target_groups": ["women", "single_parent"],
        "channels": ["sms"],
        "birth_year_min": 1950,
        "birth_year_max": 1960,
    }
    assert Segment.from_json(segment.to_json()) == Segment.from_json(segment.to_json())
    assert Segment.from_json({}) == Segment() == Segment.from_json(None)
    assert Segment().is_empty() and not segment.is_empty()


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"interests": ["welfare", "astrology"]}, "interests", "알 수 없는 항목"),
        ({"life_stages": "senior"}, "life_stages", "형식"),
        ({"target_groups": [1]}, "target_groups", "형식"),
        ({"channels": ["fax"]}, "channels", "알 수 없는 항목"),
        ({"dongs": ["1"]}, "dongs", "행정동"),
        ({"dongs": [True]}, "dongs", "행정동"),
        ({"birth_year_min": "1950"}, "birth_year_min", "숫자"),
        ({"birth_year_max": 1800}, "birth_year_max", "사이"),
        ({"birth_year_min": 1990, "birth_year_max": 1980}, "birth_year_max", "빠를 수 없"),
        ({"include_children": "yes"}, "include_children", "참 또는 거짓"),
        ({"age": 3}, "__all__", "알 수 없는 대상 조건"),
    ],
)
def test_bad_values_are_refused_in_korean_per_field(data, field, fragment):
    with pytest.raises(ValidationError) as caught:
        Segment.from_json(data)
    assert fragment in " ".join(caught.value.message_dict[field])


def test_not_a_mapping_is_refused():
    with pytest.raises(ValidationError, match="형식"):
        Segment.from_json(["welfare"])


def test_dongs_must_belong_to_the_organisation(district, city, dongs):
    from sotong.org.models import Dong, Organization

    other = Organization.objects.create(
        code="othergu", name="다른구", kind=Organization.Kind.DISTRICT, parent=city
    )
    foreign = Dong.objects.create(organization=other, name="남의동")
    Segment.from_json({"dongs": [dongs[0].pk]}, organization=district)
    with pytest.raises(ValidationError) as caught:
        Segment.from_json({"dongs": [dongs[0].pk, foreign.pk]}, organization=district)
    assert str(foreign.pk) in caught.value.message_dict["dongs"][0]
    # A city taking in its districts may name their 동.
    Segment.from_json({"dongs": [foreign.pk], "include_children": True}, organization=city)
    with pytest.raises(ValidationError):
        Segment.from_json({"dongs": [foreign.pk]}, organization=city)


# --- who is selected ------------------------------------------------------------------------


def test_only_active_subscribers_of_the_right_frequency(subscriber_factory, district):
    active = subscriber_factory()
    subscriber_factory(status=Subscriber.Status.PENDING)
    subscriber_factory(status=Subscriber.Status.UNSUBSCRIBED)
    weekly = subscriber_factory(frequency=Subscriber.Frequency.WEEKLY)
    assert ids(segment_queryset(district, Segment(), kind="targeted")) == {active.pk}
    assert ids(segment_queryset(district, Segment(), kind="newsletter")) == {weekly.pk}
    # An alert cannot wait for the weekly digest.
    assert ids(segment_queryset(district, Segment(), kind="emergency")) == {active.pk, weekly.pk}


def test_promotional_campaigns_reach_only_those_who_consented(subscriber_factory, district):
    consented = subscriber_factory(promo_consent=True)
    subscriber_factory(promo_consent=False)
    assert ids(segment_queryset(district, Segment(), kind="targeted", promotional=True)) == {
        consented.pk
    }
    assert segment_count(district, Segment(), kind="targeted", promotional=True)["subscribers"] == 1
    assert len(ids(segment_queryset(district, Segment(), kind="targeted"))) == 2


def test_organisation_scope_and_include_children(subscriber_factory, district, city):
    in_district = subscriber_factory()
    in_city = subscriber_factory(organization=city)
    assert ids(segment_queryset(district, Segment(), kind="targeted")) == {in_district.pk}
    assert ids(segment_queryset(city, Segment(), kind="targeted")) == {in_city.pk}
    both = Segment(include_children=True)
    assert ids(segment_queryset(city, both, kind="targeted")) == {in_city.pk, in_district.pk}
    # A district has no districts: the flag changes nothing there.
    assert ids(segment_queryset(district, both, kind="targeted")) == {in_district.pk}


def test_interests_match_any(subscriber_factory, district):
    welfare = subscriber_factory(interests=[Interest.WELFARE])
    culture = subscriber_factory(interests=[Interest.CULTURE, Interest.JOBS])
    subscriber_factory(interests=[Interest.HEALTH])
    nothing = subscriber_factory(interests=[])
    segment = Segment(interests=["welfare", "culture"])
    assert ids(segment_queryset(district, segment, kind="targeted")) == {welfare.pk, culture.pk}
    everyone = ids(segment_queryset(district, Segment(), kind="targeted"))
    assert nothing.pk in everyone and len(everyone) == 4


def test_facets_combine_with_and(subscriber_factory, district):
    senior = to_mask(LifeStage, ["senior"])
    single = to_mask(TargetGroup, ["single_parent"])
    match = subscriber_factory(
        interests=[Interest.WELFARE], life_stages=senior, target_groups=single
    )
    subscriber_factory(interests=[Interest.WELFARE], life_stages=senior)
    subscriber_factory(interests=[Interest.CULTURE], life_stages=senior, target_groups=single)
    subscriber_factory(interests=[Interest.WELFARE], target_groups=single)
    segment = Segment(
        interests=["welfare"], life_stages=["senior", "youth"], target_groups=["single_parent"]
    )
    assert ids(segment_queryset(district, segment, kind="targeted")) == {match.pk}


def test_life_stages_and_target_groups_alone(subscriber_factory, district):
    youth = subscriber_factory(life_stages=to_mask(LifeStage, ["youth", "young_adult"]))
    veteran = subscriber_factory(target_groups=to_mask(TargetGroup, ["veteran"]))
    subscriber_factory()
    by_stage = Segment(life_stages=["young_adult"])
    assert ids(segment_queryset(district, by_stage, kind="targeted")) == {youth.pk}
    by_group = Segment(target_groups=["veteran", "disabled"])
    assert ids(segment_queryset(district, by_group, kind="targeted")) == {veteran.pk}


def test_subscriber_channels_facet(subscriber_factory, district):
    kakao = subscriber_factory(channels=("kakao",))
    email = subscriber_factory(channels=("email",))
    subscriber_factory(channels=("sms",))
    segment = Segment(channels=["kakao", "email"])
    assert ids(segment_queryset(district, segment, kind="targeted")) == {kakao.pk, email.pk}


def test_dongs_and_birth_years(subscriber_factory, district, dongs):
    first = subscriber_factory(dong=dongs[0], birth_year=1950)
    second = subscriber_factory(dong=dongs[1], birth_year=1980)
    unknown = subscriber_factory(dong=None, birth_year=None)
    assert ids(segment_queryset(district, Segment(dongs=[dongs[0].pk]), kind="targeted")) == {
        first.pk
    }
    older = Segment(birth_year_max=1960)
    assert ids(segment_queryset(district, older, kind="targeted")) == {first.pk}
    younger = Segment(birth_year_min=1960)
    assert ids(segment_queryset(district, younger, kind="targeted")) == {second.pk}
    between = Segment(birth_year_min=1950, birth_year_max=1980)
    assert ids(segment_queryset(district, between, kind="targeted")) == {first.pk, second.pk}
    assert unknown.pk in ids(segment_queryset(district, Segment(), kind="targeted"))


def test_emergency_looks_at_the_region_only(subscriber_factory, district, dongs):
    here = subscriber_factory(
        dong=dongs[0], interests=[Interest.CULTURE], channels=(), birth_year=2001
    )
    subscriber_factory(dong=dongs[1], interests=[Interest.DISASTER_SAFETY])
    segment = Segment(
        dongs=[dongs[0].pk],
        interests=["disaster_safety"],
        life_stages=["senior"],
        target_groups=["veteran"],
        channels=["email"],
        birth_year_max=1950,
    )
    assert ids(segment_queryset(district, segment, kind="targeted")) == set()
    assert ids(segment_queryset(district, segment, kind="emergency")) == {here.pk}


def test_segment_queryset_accepts_the_stored_form(subscriber_factory, district):
    welfare = subscriber_factory(interests=[Interest.WELFARE])
    subscriber_factory(interests=[Interest.CULTURE])
    assert ids(segment_queryset(district, {"interests": ["welfare"]}, kind="targeted")) == {
        welfare.pk
    }
    with pytest.raises(ValidationError):
        segment_queryset(district, {"interests": ["nope"]}, kind="targeted")


# --- channels and counts --------------------------------------------------------------------


def channel_of(district, kind, channels=None) -> dict[str, set[int]]:
    queryset = segment_queryset(district, Segment(), kind=kind)
    return {
        name: ids(queryset.filter(condition))
        for name, condition in channel_conditions(kind=kind, channels=channels).items()
    }


def test_channel_selection_for_a_targeted_campaign(subscriber_factory, district):
    both = subscriber_factory(channels=("email", "sms"))
    kakao = subscriber_factory(channels=("kakao", "sms"))
    kakao_only = subscriber_factory(channels=("kakao",))
    unconfirmed = subscriber_factory(
        channels=("email", "sms"), email_confirmed_at=None, phone_confirmed_at=None
    )
    no_choice = subscriber_factory(channels=())
    chosen = channel_of(district, "targeted")
    assert chosen == {
        "email": {both.pk},
        "kakao": {kakao.pk, kakao_only.pk},
        "sms": {both.pk},
    }
    # Without KakaoTalk among the campaign's channels, its choosers who also chose SMS get SMS.
    sms_only = channel_of(district, "targeted", channels=["sms"])
    assert sms_only == {"sms": {both.pk, kakao.pk}}
    kakao_campaign = channel_of(district, "targeted", channels=["kakao"])
    assert kakao_campaign == {"kakao": {kakao.pk, kakao_only.pk}}
    for name in ("email", "kakao", "sms"):
        assert unconfirmed.pk not in chosen[name] and no_choice.pk not in chosen[name]


def test_channel_selection_for_an_emergency(subscriber_factory, district):
    # Confirmed addresses count, whatever the subscriber or the campaign chose.
    email_only_choice = subscriber_factory(channels=("email",))
    kakao = subscriber_factory(channels=("kakao",))
    nothing_chosen = subscriber_factory(channels=())
    no_phone = subscriber_factory(phone="", phone_confirmed_at=None)
    unconfirmed = subscriber_factory(email_confirmed_at=None, phone_confirmed_at=None)
    chosen = channel_of(district, "emergency", channels=["email"])
    assert chosen == {
        "email": {email_only_choice.pk, kakao.pk, nothing_chosen.pk, no_phone.pk},
        "kakao": {kakao.pk},
        "sms": {email_only_choice.pk, nothing_chosen.pk},
    }
    assert all(unconfirmed.pk not in members for members in chosen.values())


def test_count_is_exact_and_one_query(subscriber_factory, district, django_assert_num_queries):
    subscriber_factory(channels=("email", "sms"))  # email + sms
    subscriber_factory(channels=("email", "kakao", "sms"))  # email + kakao
    subscriber_factory(channels=("kakao",), email="")  # kakao
    subscriber_factory(channels=("sms",), phone_confirmed_at=None)  # nothing: matched only
    subscriber_factory(interests=[Interest.CULTURE])  # outside the segment
    segment = Segment(interests=["welfare"])
    with django_assert_num_queries(1):
        counts = segment_count(district, segment, kind="targeted")
    assert counts == {
        "subscribers": 3,
        "email": 2,
        "kakao": 2,
        "sms": 1,
        "deliveries": 5,
        "matched": 4,
    }
    assert segment_count(district, segment, kind="targeted", channels=["sms"]) == {
        "subscribers": 2,
        "email": 0,
        "kakao": 0,
        "sms": 2,
        "deliveries": 2,
        "matched": 4,
    }
    # An emergency: every confirmed address of everyone in the region, interests or not.
    assert segment_count(district, segment, kind="emergency", channels=["sms"]) == {
        "subscribers": 5,
        "email": 4,
        "kakao": 2,
        "sms": 2,
        "deliveries": 8,
        "matched": 5,
    }


def test_count_of_an_empty_segment_is_zero(district):
    assert segment_count(district, Segment(), kind="newsletter") == {
        "subscribers": 0,
        "email": 0,
        "kakao": 0,
        "sms": 0,
        "deliveries": 0,
        "matched": 0,
    }
