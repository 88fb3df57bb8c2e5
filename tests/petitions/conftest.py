"""Fixtures of the petitions tests: a board, categories, an intake officer, a team lead and a
chief for the approval paths, and `petition_factory` (rows made directly, for tests that are not
about intake; intake itself is tested through `services.petition_submit`)."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

_numbers = itertools.count(1)


def _fresh(user):
    from sotong.accounts.models import User

    return User.objects.get(pk=user.pk)


@pytest.fixture
def team(department):
    from sotong.org.models import Team

    return Team.objects.create(department=department, name="민원팀")


@pytest.fixture
def team_lead(district, department, team):
    from sotong.accounts.models import User
    from sotong.org.models import Staff

    user = User.objects.create_user(
        email="lead@testgu.go.kr", password="correct-horse-9", display_name="한팀장"
    )
    Staff.objects.create(
        user=user,
        organization=district,
        department=department,
        team=team,
        name="한팀장",
        position="team_lead",
        grade=6,
    )
    return user


@pytest.fixture
def chief(district):
    from sotong.accounts.models import User
    from sotong.org.models import Staff

    user = User.objects.create_user(
        email="chief@testgu.go.kr", password="correct-horse-9", display_name="구청장"
    )
    Staff.objects.create(user=user, organization=district, name="구청장", position="chief")
    return user


@pytest.fixture
def intake_officer(district, other_department):
    """An officer of the intake desk, holding petitions.intake_petition."""
    from sotong.accounts.models import User
    from sotong.org.models import Staff

    user = User.objects.create_user(
        email="intake@testgu.go.kr", password="correct-horse-9", display_name="접수담당"
    )
    Staff.objects.create(
        user=user,
        organization=district,
        department=other_department,
        name="접수담당",
        position="officer",
        grade=8,
    )
    user.user_permissions.add(Permission.objects.get(codename="intake_petition"))
    return _fresh(user)


@pytest.fixture
def category(district, department):
    from sotong.petitions.models import Category

    return Category.objects.create(
        organization=district,
        code="street-light",
        name="가로정비",
        keywords="가로등,보안등,신호등",
        department=department,
    )


@pytest.fixture
def board(district, department):
    from sotong.petitions.models import Board

    return Board.objects.create(
        organization=district,
        code="daily",
        name="생활불편신고",
        kinds=["report", "grievance", "inquiry", "suggestion"],
        department=None,
        checklist=["법령 근거 명시", "담당자 연락처 기재", "개인정보 미포함"],
    )


@pytest.fixture
def petition_factory(district, board, category):
    """`petition_factory(**fields)` inserts a received public petition of the test district
    directly (no services): for tests of reading, listing and counting."""
    from sotong.petitions.models import Petition

    def make(**fields):
        n = next(_numbers)
        received = fields.pop("received_at", timezone.now() - datetime.timedelta(days=1))
        values = {
            "organization": district,
            "board": board,
            "kind": "report",
            "category": category,
            "channel": "web",
            "title": f"가로등이 꺼져 있습니다 {n}",
            "body": "밤에 골목이 어둡습니다. 가로등을 고쳐 주세요.",
            "received_at": received,
            "due_at": received + datetime.timedelta(days=7),
            "period": "7일",
        }
        values.update(fields)
        return Petition.objects.create(**values)

    return make
