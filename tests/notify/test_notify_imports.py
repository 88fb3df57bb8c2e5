"""Importing a consented list (the departments' lists of seed 002, the demo's sample)."""

import pytest
from django.core.exceptions import PermissionDenied

from sotong.core.audit.models import AuditEvent
from sotong.notify.imports import ImportRow, subscriber_import
from sotong.notify.models import Consent, Subscriber


@pytest.fixture
def dong(district):
    from sotong.org.models import Dong

    return Dong.objects.create(organization=district, name="신촌동")


ROWS = [
    ImportRow(email="a@example.kr", phone="010-1234-0001", dong="신촌동", interests=("welfare",)),
    ImportRow(phone="+82 10 1234 0002", target_groups=("single_parent",)),
    ImportRow(email="not-an-address", interests=("welfare",)),
    ImportRow(phone="+1 212 555 0100"),
    ImportRow(email="c@example.kr", dong="없는동"),
    ImportRow(email="d@example.kr", interests=("astrology",)),
    ImportRow(email="A@EXAMPLE.KR"),  # the first row again, as people type it
]


@pytest.mark.django_db
def test_import_creates_confirmed_subscribers_and_reports_bad_rows(notify_staff, district, dong):
    report = subscriber_import(actor=notify_staff, organization=district, rows=ROWS)
    assert report.created == 2
    assert report.existing == 1
    assert [error.split("행")[0] for error in report.errors] == ["3", "4", "5", "6"]
    assert all("행: " in error for error in report.errors)
    first = Subscriber.objects.get(dong=dong)
    assert first.status == Subscriber.Status.ACTIVE
    assert first.email == "a@example.kr" and first.phone == "01012340001"
    assert first.email_confirmed_at and first.phone_confirmed_at
    assert sorted(first.consents.values_list("channel", flat=True)) == ["email", "sms"]
    assert set(Consent.objects.values_list("source", flat=True)) == {"import"}
    event = AuditEvent.objects.get(action="notify.subscriber.import")
    assert event.after == {"created": 2, "existing": 1, "errors": 4}
    assert "example.kr" not in str(event.after)


@pytest.mark.django_db
def test_import_twice_changes_nothing(notify_staff, district, dong):
    subscriber_import(actor=notify_staff, organization=district, rows=ROWS)
    again = subscriber_import(actor=notify_staff, organization=district, rows=ROWS)
    assert again.created == 0
    assert again.existing == 3
    assert Subscriber.objects.count() == 2
    assert AuditEvent.objects.filter(action="notify.subscriber.import").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["resident", "other_officer", "officer"])
def test_import_needs_the_campaign_permission(request, who, district):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        subscriber_import(actor=actor, organization=district, rows=ROWS[:1])
    assert not Subscriber.objects.exists()


@pytest.mark.django_db
def test_staff_of_another_organisation_may_not_import(notify_staff, city):
    with pytest.raises(PermissionDenied):
        subscriber_import(actor=notify_staff, organization=city, rows=ROWS[:1])
