"""The approved answer on the public petition page goes through `core.privacy.public` like the
petition's own text (issue 11, leak 2); the petitioner reads it as it was sent."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sotong.petitions.models import Answer

pytestmark = pytest.mark.django_db

ANSWER = "처리했습니다. 문의는 담당자 010-1357-2468, clerk.kim@example.kr 로 하세요."


@pytest.fixture
def answered(petition_factory, officer, resident, department):
    now = timezone.now()
    petition = petition_factory(
        status="answered",
        answered_at=now - datetime.timedelta(hours=1),
        department=department,
        user=resident,
    )
    Answer.objects.create(
        petition=petition,
        body=ANSWER,
        state=Answer.State.APPROVED,
        drafted_by=officer.staff,
        decided_at=now,
    )
    return petition


def test_visitors_read_the_answer_masked(client, answered):
    page = client.get(reverse("petitions:detail", args=[answered.pk])).content.decode()
    assert "처리했습니다" in page
    assert "010-1357-2468" not in page and "clerk.kim@example.kr" not in page
    assert "010-****-2468" in page and "c***@example.kr" in page


def test_the_petitioner_reads_the_answer_as_sent(client, answered, resident):
    client.force_login(resident)
    page = client.get(reverse("petitions:detail", args=[answered.pk])).content.decode()
    assert "010-1357-2468" in page and "clerk.kim@example.kr" in page
