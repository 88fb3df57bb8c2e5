"""Near-duplicate clusters proposed as groups on `/petitions/staff/groups/proposals`."""

import pytest
from django.urls import reverse

from sotong.petitions.models import Petition, PetitionGroup

pytestmark = pytest.mark.django_db

TEXT = "시장 앞 골목 가로등 세 개가 며칠째 꺼져 있어 밤길이 어둡습니다 고쳐 주세요"


@pytest.fixture
def twins(petition_factory, department):
    from sotong.core.search.analyzer import analyze

    tokens = " ".join(analyze(TEXT))
    return [
        petition_factory(body=TEXT, tokens=tokens, status="assigned", department=department)
        for _ in range(3)
    ]


def test_intake_sees_and_groups_a_proposal(client, staff_login, intake_officer, twins):
    staff_login(client, intake_officer)
    url = reverse("petitions:staff_group_proposals")
    page = client.get(url)
    assert page.status_code == 200
    assert f"#{twins[0].pk}" in page.content.decode()
    response = client.post(
        url, {"petitions": [p.pk for p in twins], "title": "시장 앞 가로등 고장"}
    )
    assert response.status_code == 302
    group = PetitionGroup.objects.get()
    assert set(group.petitions.values_list("pk", flat=True)) == {p.pk for p in twins}


def test_a_changed_or_forged_selection_is_refused(client, staff_login, intake_officer, twins):
    staff_login(client, intake_officer)
    url = reverse("petitions:staff_group_proposals")
    response = client.post(url, {"petitions": [twins[0].pk, 999999], "title": "x"})
    assert response.status_code == 400
    response = client.post(url, {"petitions": [p.pk for p in twins], "title": "  "})
    assert response.status_code == 400
    assert not PetitionGroup.objects.exists()


def test_officer_sees_proposals_but_may_not_group(client, staff_login, officer, twins):
    staff_login(client, officer)
    url = reverse("petitions:staff_group_proposals")
    page = client.get(url)
    assert page.status_code == 200
    assert "이 민원들 묶기" not in page.content.decode()
    response = client.post(url, {"petitions": [p.pk for p in twins], "title": "묶음"})
    assert response.status_code == 403
    assert not Petition.objects.filter(group__isnull=False).exists()


def test_residents_and_visitors_are_refused(client, staff_login, resident, twins):
    url = reverse("petitions:staff_group_proposals")
    assert client.get(url).status_code == 302  # to the login page
    staff_login(client, resident)
    assert client.get(url).status_code == 403
