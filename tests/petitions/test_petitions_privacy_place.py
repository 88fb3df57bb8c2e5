"""Public pages, Open311 and the case page show a petition's place at street level — the road
without the building number, the map point to about 100 m — unless staff mark the exact place as
public (`services.petition_place_publish`, issue 11, leak 5). The location text is masked like any
user-written text."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from sotong.core.audit.models import AuditEvent
from sotong.petitions import services
from sotong.petitions.models import Petition

pytestmark = pytest.mark.django_db

ADDRESS = "서울특별시 서대문구 연희로 123-4 (연락 010-7777-8888)"


@pytest.fixture
def home(petition_factory, department):
    """A petition about a home's doorstep (집 앞), public, with an exact point."""
    return petition_factory(
        title="집 앞 쓰레기 무단 투기",
        address=ADDRESS,
        latitude=Decimal("37.566312"),
        longitude=Decimal("126.931278"),
        department=department,
        status="assigned",
    )


def _detail(client, petition) -> str:
    return client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()


def _open311(client, petition) -> dict:
    response = client.get(f"/open311/v2/requests/{petition.pk}.json")
    assert response.status_code == 200
    return json.loads(response.content)[0]


def test_the_public_page_shows_the_street_and_a_rounded_point(client, home):
    page = _detail(client, home)
    assert "서울특별시 서대문구 연희로" in page
    assert "123-4" not in page and "010-7777-8888" not in page
    assert "37.566312" not in page and "126.931278" not in page
    assert "37.566" in page and "126.931" in page


def test_open311_shows_the_street_and_a_rounded_point(client, home):
    document = _open311(client, home)
    assert document["address"] == "서울특별시 서대문구 연희로"
    assert document["lat"] == pytest.approx(37.566) and document["long"] == pytest.approx(126.931)


def test_staff_publish_the_exact_place_of_a_street_light(client, home, officer):
    services.petition_place_publish(actor=officer, petition=home, public=True)
    home.refresh_from_db()
    assert home.place_public
    page = _detail(client, home)
    assert "연희로 123-4" in page and "37.566312" in page
    assert "010-7777-8888" not in page  # the text is still masked
    document = _open311(client, home)
    assert "연희로 123-4" in document["address"]
    assert document["lat"] == pytest.approx(37.566312)
    audit = AuditEvent.objects.get(action="petitions.petition.place_publish")
    assert audit.after["place_public"] is True
    services.petition_place_publish(actor=officer, petition=home, public=False)
    assert "123-4" not in _detail(client, home)


def test_only_staff_who_handle_it_decide(home, other_officer, resident):
    for actor in (other_officer, resident):
        with pytest.raises(PermissionDenied):
            services.petition_place_publish(actor=actor, petition=home, public=True)
    assert not Petition.objects.get(pk=home.pk).place_public
    assert not AuditEvent.objects.filter(action="petitions.petition.place_publish").exists()


def test_the_case_page_control(client, staff_login, home, officer, other_officer):
    url = reverse("petitions:staff_place", args=[home.pk])
    staff_login(client, other_officer)
    assert client.post(url, {"place-public": "1"}).status_code == 404
    assert not Petition.objects.get(pk=home.pk).place_public
    staff_login(client, officer)
    case = client.get(reverse("petitions:staff_case", args=[home.pk])).content.decode()
    assert url in case
    assert "서울특별시 서대문구 연희로" in case  # what the public sees, next to the control
    response = client.post(url, {"place-public": "1"})
    assert response.status_code == 302
    assert Petition.objects.get(pk=home.pk).place_public
