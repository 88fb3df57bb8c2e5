"""`core.privacy.public`: the one way public surfaces render user-written text and places."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template

from sotong.core.privacy.public import public_place, public_text, street_level


@pytest.mark.parametrize(
    ("address", "street"),
    [
        ("서울특별시 서대문구 연희로 123-4", "서울특별시 서대문구 연희로"),
        ("서울특별시 서대문구 연희로 123-4 (연희동)", "서울특별시 서대문구 연희로"),
        ("서대문구 연희로11길 5, 2층", "서대문구 연희로11길"),
        ("중구 을지로 100", "중구 을지로"),
        ("연희동 123-4", "연희동"),
        ("연희동 산12-3", "연희동"),
        ("연희동 123번지", "연희동"),
        ("연희동123-4", "연희동"),
        ("종로구 종로1가 24", "종로구 종로1가"),
        ("신림2동 주민센터 앞", "신림2동 주민센터 앞"),
        ("연희아파트 101동 1202호 앞", "연희아파트"),
        ("시장 앞 골목", "시장 앞 골목"),
        ("", ""),
    ],
)
def test_street_level(address, street):
    assert street_level(address) == street


def test_public_place_generalises_unless_exact():
    place = public_place("연희로 123-4 010-7777-8888", Decimal("37.566312"), "126.931278")
    assert place.address == "연희로"
    assert place.latitude == Decimal("37.566") and place.longitude == Decimal("126.931")
    assert not place.exact
    exact = public_place("연희로 123-4 010-7777-8888", "37.566312", "126.931278", exact=True)
    assert exact.address == "연희로 123-4 010-****-8888"
    assert exact.latitude == Decimal("37.566312")


def test_rounding_is_about_a_hundred_metres():
    assert public_place("", "37.5665", "126.9785").latitude == Decimal("37.567")
    assert public_place("", "37.5664999", "126.9785").latitude == Decimal("37.566")


@pytest.mark.parametrize(("lat", "lon"), [(None, "126.9"), ("37.5", None), ("north", "126.9")])
def test_a_half_or_broken_point_is_no_point(lat, lon):
    place = public_place("연희동", lat, lon)
    assert place.latitude is None and place.longitude is None and not place.has_point


def test_public_text_masks_and_never_fails():
    assert public_text(None) == ""
    assert public_text(12) == "12"
    assert public_text("연락 010-1234-5678") == "연락 010-****-5678"


def test_the_template_filter():
    template = Template("{% load sotong_tags %}{{ value|public }}")
    rendered = template.render(Context({"value": "메일 hong@example.kr <b>"}))
    assert rendered == "메일 h***@example.kr &lt;b&gt;"
