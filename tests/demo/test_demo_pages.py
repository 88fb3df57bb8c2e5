"""The demo government's pages answer with its own data: every main page of notify and
petitions renders (no 500 on real demo rows), for visitors, residents and staff."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    from sotong.demo.loader import load_demo

    settings.SOTONG_STAFF_MFA_REQUIRED = False  # staff log in with force_login here
    return load_demo()


def _ok(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def test_public_pages_with_demo_data(client, demo):
    from sotong.petitions.models import Petition

    petition = Petition.objects.filter(is_public=True, status="answered").first()
    assert petition is not None
    for url in (
        "/",
        reverse("petitions:boards"),
        reverse("petitions:boards") + "?org=junggu",
        reverse("petitions:list"),
        reverse("petitions:list") + "?q=주차",
        reverse("petitions:detail", args=[petition.pk]),
        reverse("petitions:stats") + "?org=junggu",
        reverse("notify:subscribe"),
        "/open311/v2/discovery.json",
        "/open311/v2/services.xml?jurisdiction_id=junggu",
        "/open311/v2/requests.json?jurisdiction_id=junggu",
        f"/open311/v2/requests/{petition.pk}.xml",
    ):
        _ok(client, url)


def test_staff_pages_with_demo_data(client, demo):
    from sotong.accounts.models import User
    from sotong.notify.models import Campaign
    from sotong.petitions.models import Petition

    head = User.objects.get(email="junggu.head@demo.sotong.kr")
    client.force_login(head)
    _ok(client, reverse("notify:staff_dashboard"))
    campaign = Campaign.objects.filter(organization__code="junggu").first()
    _ok(client, reverse("notify:staff_campaign", args=[campaign.pk]))
    _ok(client, reverse("notify:staff_campaign_report", args=[campaign.pk]))
    _ok(client, reverse("notify:staff_roles"))
    _ok(client, reverse("petitions:stats_dashboard"))

    handled = Petition.objects.filter(
        organization__code="junggu", department__isnull=False, handler__isnull=False
    ).first()
    handler = handled.handler.user
    client.force_login(handler)
    _ok(client, reverse("petitions:staff_inbox"))
    _ok(client, reverse("petitions:staff_case", args=[handled.pk]))
