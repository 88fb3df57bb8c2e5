"""Petitioners without an account rate and reopen their petition with its follow-up token."""

import pytest
from django.urls import reverse
from django.utils import timezone

from sotong.petitions.models import Petition, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(petition_factory):
    return petition_factory(
        status=Status.ANSWERED, answered_at=timezone.now(), contact_phone="01012345678"
    )


def test_rate_by_token(client, answered):
    url = reverse("petitions:token_rate", args=[answered.token])
    response = client.post(url, {"speed": "4", "completeness": "5", "comment": "고맙습니다"})
    assert response.status_code == 302
    assert response.url == reverse("petitions:token", args=[answered.token])
    answered.refresh_from_db()
    assert (answered.speed_rating, answered.completeness_rating) == (4, 5)
    assert answered.status == Status.CLOSED


def test_token_page_offers_the_forms(client, answered):
    page = client.get(reverse("petitions:token", args=[answered.token])).content.decode()
    assert reverse("petitions:token_rate", args=[answered.token]) in page
    assert reverse("petitions:token_reopen", args=[answered.token]) in page


def test_reopen_by_token(client, answered):
    url = reverse("petitions:token_reopen", args=[answered.token])
    response = client.post(url, {"body": "아직 가로등이 꺼져 있습니다. 다시 봐 주세요."})
    assert response.status_code == 302
    follow_up = Petition.objects.get(follow_up_of=answered)
    assert follow_up.user is None
    assert follow_up.contact_phone == "01012345678"


def test_a_wrong_token_is_not_found(client, answered):
    response = client.post(
        reverse("petitions:token_rate", args=["x" * 22]), {"speed": "1", "completeness": "1"}
    )
    assert response.status_code == 404
    answered.refresh_from_db()
    assert answered.rated_at is None


def test_an_account_petition_is_rated_by_logging_in_not_by_token(
    client, petition_factory, resident
):
    petition = petition_factory(status=Status.ANSWERED, answered_at=timezone.now(), user=resident)
    response = client.post(
        reverse("petitions:token_rate", args=[petition.token]), {"speed": "1", "completeness": "1"}
    )
    assert response.status_code == 400
    petition.refresh_from_db()
    assert petition.rated_at is None


def test_rating_by_token_validates(client, answered):
    response = client.post(
        reverse("petitions:token_rate", args=[answered.token]), {"speed": "9", "completeness": ""}
    )
    assert response.status_code == 400
    answered.refresh_from_db()
    assert answered.rated_at is None
