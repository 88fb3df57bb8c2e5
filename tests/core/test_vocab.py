"""Shared vocabularies and their bit masks."""

import pytest

from sotong.core.vocab import (
    Interest,
    LifeStage,
    TargetGroup,
    bit,
    filter_all,
    filter_any,
    from_mask,
    to_mask,
)


def test_masks_round_trip_in_enumeration_order():
    mask = to_mask(Interest, [Interest.WELFARE, Interest.DISASTER_SAFETY])
    assert mask == 0b11
    assert from_mask(Interest, mask) == ["disaster_safety", "welfare"]
    assert from_mask(LifeStage, 0) == []


def test_bits_are_positions_and_fit_a_positive_integer_field():
    # Stored masks depend on positions: the first members must keep their bits forever.
    assert bit(Interest, "disaster_safety") == 1
    assert bit(Interest, "welfare") == 2
    assert bit(TargetGroup, "single_parent") == 1 << 6
    for choices in (Interest, LifeStage, TargetGroup):
        assert len(choices.values) <= 31


def test_unknown_member_is_a_programming_error():
    with pytest.raises(ValueError):
        to_mask(Interest, ["astrology"])


@pytest.mark.django_db
def test_filters_any_and_all_on_the_database(district):
    from sotong.notify.models import Subscriber

    def make(*interests):
        return Subscriber.objects.create(
            organization=district, interests=to_mask(Interest, interests)
        )

    welfare = make(Interest.WELFARE)
    both = make(Interest.WELFARE, Interest.CULTURE)
    culture = make(Interest.CULTURE)

    qs = Subscriber.objects.all()
    mask = to_mask(Interest, [Interest.WELFARE, Interest.CULTURE])
    assert set(filter_any(qs, "interests", mask)) == {welfare, both, culture}
    assert set(filter_all(qs, "interests", mask)) == {both}
    assert set(filter_any(qs, "interests", to_mask(Interest, ["welfare"]))) == {welfare, both}
    assert filter_any(qs, "interests", 0).count() == 3
