"""Groups of repeated petitions show, propose and bundle only the petitions the member of staff
may open (`permissions.can_handle`, the rule of the case page), with titles masked as everywhere
else (issue 11, leak 1)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from sotong.petitions import services
from sotong.petitions.models import Petition, PetitionGroup

pytestmark = pytest.mark.django_db

TEXT = "시장 앞 골목 가로등 세 개가 며칠째 꺼져 있어 밤길이 어둡습니다 고쳐 주세요"
SECRET_TITLE = "홍길동 010-2468-1357 가로등 고장"
PHONE = "010-2468-1357"


def _twins(petition_factory, department, *, n=3, **fields):
    from sotong.core.search.analyzer import analyze

    tokens = " ".join(analyze(TEXT))
    return [
        petition_factory(
            title=SECRET_TITLE,
            body=TEXT,
            tokens=tokens,
            status="assigned",
            department=department,
            **fields,
        )
        for _ in range(n)
    ]


@pytest.fixture
def foreign(petition_factory, other_department):
    """Private near-duplicates of another department (청소행정과)."""
    return _twins(petition_factory, other_department, is_public=False)


@pytest.fixture
def own(petition_factory, department):
    return _twins(petition_factory, department, is_public=True)


def test_proposals_leave_out_petitions_the_officer_may_not_open(
    client, staff_login, officer, foreign
):
    staff_login(client, officer)
    page = client.get(reverse("petitions:staff_group_proposals"))
    assert page.status_code == 200
    content = page.content.decode()
    assert PHONE not in content
    for petition in foreign:
        assert f"#{petition.pk}" not in content


def test_proposals_titles_and_the_prefilled_group_title_are_masked(
    client, staff_login, intake_officer, own
):
    staff_login(client, intake_officer)
    page = client.get(reverse("petitions:staff_group_proposals"))
    assert page.status_code == 200
    content = page.content.decode()
    assert f"#{own[0].pk}" in content
    assert PHONE not in content
    assert "010-****-1357" in content


def test_a_head_cannot_group_petitions_of_another_department(client, staff_login, head, foreign):
    staff_login(client, head)
    url = reverse("petitions:staff_group_proposals")
    response = client.post(url, {"petitions": [p.pk for p in foreign], "title": "묶음"})
    assert response.status_code in (400, 403)
    assert not PetitionGroup.objects.exists()
    assert not Petition.objects.filter(group__isnull=False).exists()


def test_the_service_checks_every_petition(head, foreign, own):
    with pytest.raises(PermissionDenied):
        services.group_create(actor=head, petitions=foreign[:2], title="묶음")
    with pytest.raises(PermissionDenied):
        services.group_create(actor=head, petitions=[own[0], foreign[0]], title="묶음")
    assert not PetitionGroup.objects.exists()
    group = services.group_create(actor=head, petitions=own[:2], title="가로등 묶음")
    assert group.petitions.count() == 2


def test_a_group_title_is_stored_without_personal_data(head, own):
    group = services.group_create(actor=head, petitions=own[:2], title=SECRET_TITLE)
    assert PHONE not in group.title


def test_the_group_list_shows_only_groups_with_a_petition_the_user_may_open(
    client, staff_login, intake_officer, officer, other_officer, foreign
):
    group = PetitionGroup.objects.create(
        organization=foreign[0].organization, title=SECRET_TITLE, created_by=intake_officer
    )
    Petition.objects.filter(pk__in=[p.pk for p in foreign]).update(group=group)
    staff_login(client, officer)
    content = client.get(reverse("petitions:staff_groups")).content.decode()
    assert "홍길동" not in content and PHONE not in content
    assert client.get(reverse("petitions:staff_group", args=[group.pk])).status_code == 404
    # Staff of the department that handles them see the group, its title masked.
    staff_login(client, other_officer)
    content = client.get(reverse("petitions:staff_groups")).content.decode()
    assert reverse("petitions:staff_group", args=[group.pk]) in content
    assert PHONE not in content and "010-****-1357" in content
    detail = client.get(reverse("petitions:staff_group", args=[group.pk]))
    assert detail.status_code == 200 and PHONE not in detail.content.decode()
