"""An organisation's own closing days (org.ClosingDay) in petition deadlines: at receipt, at the
extension, and through the per-process memo of `deadlines.closed_days`."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sotong.org import services as org_services
from sotong.org.models import ClosingDay, Organization
from sotong.petitions import deadlines, services

pytestmark = pytest.mark.django_db

KST = datetime.timezone(datetime.timedelta(hours=9))
MONDAY = datetime.datetime(2025, 11, 3, 10, tzinfo=KST)  # no public holiday for weeks around
WEDNESDAY = datetime.date(2025, 11, 5)


def at(*args):
    return datetime.datetime(*args, tzinfo=KST)


def close(organization, day, reason="임시휴무"):
    """A closing day as another worker's admin would leave it (the table only)."""
    ClosingDay.objects.create(organization=organization, day=day, reason=reason)
    deadlines.closed_days_clear()


def submit(resident, board, received_at=MONDAY):
    return services.petition_submit(
        actor=resident,
        board=board,
        kind="report",  # "7일"
        title="가로등",
        body="가로등이 꺼졌습니다.",
        received_at=received_at,
    )


def due(petition):
    return timezone.localtime(petition.due_at, KST)


def test_without_closing_days_seven_days_from_monday(resident, board):
    # Mon 11-03 is day 1: 03, 04, 05, 06, 07, 10, 11 → Tue 11-11 18:00.
    assert due(submit(resident, board)) == at(2025, 11, 11, 18)


def test_a_closing_day_pushes_the_deadline_by_one_working_day(resident, board, district):
    close(district, WEDNESDAY)
    assert deadlines.closed_days(district.pk) == {WEDNESDAY}
    # 03, 04, (05 closed), 06, 07, 10, 11, 12 → Wed 11-12 18:00.
    assert due(submit(resident, board)) == at(2025, 11, 12, 18)


def test_closing_days_of_another_organisation_do_not_count(resident, board, city):
    close(city, WEDNESDAY)  # the city closes; the district does not
    assert due(submit(resident, board)) == at(2025, 11, 11, 18)


def test_a_closing_day_on_a_weekend_changes_nothing(resident, board, district):
    close(district, datetime.date(2025, 11, 8))  # a Saturday
    assert due(submit(resident, board)) == at(2025, 11, 11, 18)


def test_the_extension_skips_closing_days(
    resident, board, district, department, intake_officer, officer
):
    close(district, WEDNESDAY)
    petition = submit(resident, board)
    assert due(petition) == at(2025, 11, 12, 18)
    # From the old deadline: 13, 14, 17, 18, 19, 20, 21 → Fri 11-21; closed Mon 11-17 → Mon 11-24.
    assert deadlines.extended_due(petition.due_at, "7일") == at(2025, 11, 21, 18)
    close(district, datetime.date(2025, 11, 17))
    services.petition_assign(actor=intake_officer, petition=petition, department=department)
    petition = services.petition_extend(actor=officer, petition=petition, reason="현장 확인")
    assert due(petition) == at(2025, 11, 24, 18)


def test_a_day_added_in_this_process_is_seen_at_once(resident, board, district, admin_user):
    with time_machine.travel(at(2025, 11, 3, 12), tick=False):
        assert deadlines.closed_days(district.pk) == frozenset()  # kept for a minute now
        org_services.closing_day_add(
            actor=admin_user, organization=district, day=WEDNESDAY, reason="구민의 날"
        )
        assert due(submit(resident, board)) == at(2025, 11, 12, 18)
        closing = ClosingDay.objects.get(organization=district, day=WEDNESDAY)
        org_services.closing_day_remove(actor=admin_user, closing_day=closing)
        later = submit(resident, board, received_at=at(2025, 11, 3, 11))
        assert due(later) == at(2025, 11, 11, 18)


def test_intake_reads_the_closing_days_once_a_minute(resident, board, district):
    close(district, WEDNESDAY)
    submit(resident, board)
    with CaptureQueriesContext(connection) as queries:
        petition = submit(resident, board, received_at=at(2025, 11, 3, 11))
    assert due(petition) == at(2025, 11, 12, 18)
    table = ClosingDay._meta.db_table
    assert not [q for q in queries.captured_queries if table in q["sql"]]


def test_the_memo_is_per_organisation(district, city):
    close(district, WEDNESDAY)
    assert deadlines.closed_days(district.pk) == {WEDNESDAY}
    assert deadlines.closed_days(city.pk) == frozenset()
    assert deadlines.closed_days(Organization.objects.order_by("-pk").first().pk + 1) == set()
