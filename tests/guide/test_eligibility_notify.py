"""notify on fit: a new or changed service that fits a saved profile notifies the resident once,
through the real notify outbox."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

import sotong.guide.catalogue.events  # noqa: F401  (registers "services.matched")
from sotong.accounts.models import User
from sotong.core.vocab import Interest, to_mask
from sotong.guide.catalogue import notify_fit
from sotong.guide.catalogue.services import service_create, service_update
from sotong.guide.models import SavedProfile
from sotong.notify.models import Delivery, Notification, Subscriber

from .eligibility_data import pension_parameters, seoul_and_seodaemun

ELIGIBLE = {
    "age": 70,
    "organization": "seodaemun",
    "monthly_income": 1_000_000,
    "household_type": "single",
}
PENSION_RULES = [
    {"kind": "age", "params": {"min": 65}, "text": ""},
    {
        "kind": "income",
        "params": {"parameter": "basic_pension_threshold", "by": "household"},
        "text": "",
    },
]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def seodaemun(db):
    pension_parameters()
    return seoul_and_seodaemun()[1]


def person(
    email, organization, *, answers=ELIGIBLE, notify=True, status="active", interests=("welfare",)
):
    user = User.objects.create_user(email=email, password="correct-horse-9", display_name="주민")
    if answers is not None:
        SavedProfile.objects.create(user=user, answers=answers, notify_on_match=notify)
    Subscriber.objects.create(
        organization=organization,
        user=user,
        status=status,
        email=email,
        email_confirmed_at=timezone.now() if status == "active" else None,
        interests=to_mask(Interest, interests),
        channels=1,
    )
    return user


def create_pension(organization, **extra):
    return service_create(
        actor=None,
        organization=organization,
        name="기초연금",
        summary="어르신의 안정된 노후를 위한 연금",
        field="livelihood",
        provider_name="보건복지부",
        provider_kind="central",
        rules=PENSION_RULES,
        **extra,
    )


def test_fitting_residents_are_notified_once(
    seodaemun, district, django_capture_on_commit_callbacks
):
    fits = person("fits@example.kr", seodaemun)
    person("pending@example.kr", seodaemun, status="pending")
    person("culture@example.kr", seodaemun, interests=("culture",))
    person("quiet@example.kr", seodaemun, notify=False)
    person("young@example.kr", seodaemun, answers={**ELIGIBLE, "age": 40})
    person("noprofile@example.kr", seodaemun, answers=None)
    person("elsewhere@example.kr", district)  # subscribed to another district only

    with django_capture_on_commit_callbacks(execute=True):
        service = create_pension(seodaemun)

    notification = Notification.objects.get(event="services.matched")
    assert notification.user == fits
    assert notification.context["service"] == "기초연금"
    assert notification.context["url"].endswith(service.get_absolute_url())
    assert notification.idempotency_key == (
        f"services:fit:{service.pk}:{fits.pk}:{service.updated_at:%Y%m%d%H%M%S}"
    )
    assert "1000000" not in str(notification.context)  # no answers in the message
    assert Delivery.objects.filter(notification=notification, channel="email").exists()

    # The same version again: nothing new.
    assert notify_fit.notify_matches(service.pk) == 1
    assert Notification.objects.filter(event="services.matched").count() == 1


def test_a_change_notifies_again(seodaemun, django_capture_on_commit_callbacks):
    person("fits@example.kr", seodaemun)
    with django_capture_on_commit_callbacks(execute=True):
        service = create_pension(seodaemun)
    later = datetime.datetime(2026, 6, 2, 9, tzinfo=datetime.UTC)
    with (
        time_machine.travel(later, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        service_update(actor=None, service=service, summary="바뀐 안내")
    assert Notification.objects.filter(event="services.matched").count() == 2


def test_nationwide_service_reaches_any_organisation(
    seodaemun, district, django_capture_on_commit_callbacks
):
    person("a@example.kr", seodaemun)
    person("b@example.kr", district, answers={**ELIGIBLE, "organization": "testgu"})
    with django_capture_on_commit_callbacks(execute=True):
        create_pension(None)
    assert Notification.objects.filter(event="services.matched").count() == 2


def test_unpublished_or_rolled_back_sends_nothing(seodaemun, django_capture_on_commit_callbacks):
    person("fits@example.kr", seodaemun)
    with django_capture_on_commit_callbacks(execute=True):
        hidden = create_pension(seodaemun, published=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify_fit.service_changed(service=hidden)
    assert not callbacks  # nothing queued for an unpublished service
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                create_pension(seodaemun)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert not Notification.objects.filter(event="services.matched").exists()
    assert notify_fit.notify_matches(hidden.pk) == 0
    assert notify_fit.notify_matches(999999) == 0


def test_invalid_saved_answers_are_skipped(seodaemun, django_capture_on_commit_callbacks):
    person("stale@example.kr", seodaemun, answers={**ELIGIBLE, "organization": "gone"})
    fits = person("fits@example.kr", seodaemun)
    with django_capture_on_commit_callbacks(execute=True):
        create_pension(seodaemun)
    assert list(Notification.objects.values_list("user", flat=True)) == [fits.pk]
