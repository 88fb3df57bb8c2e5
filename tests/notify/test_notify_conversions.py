"""The registry of conversion actions and `conversion_record`."""

import pytest

from sotong.notify.conversions import (
    action_label,
    conversion_record,
    register_action,
    registered_actions,
)
from sotong.notify.models import ConversionEvent


def test_subscribed_is_registered():
    keys = [action.key for action in registered_actions()]
    assert "notify.subscribed" in keys
    assert action_label("notify.subscribed") == "알림 구독 신청"


def test_record_and_unknown_action(db, resident, subscriber_factory):
    register_action("tests.h4_applied", "시험 신청")
    subscriber = subscriber_factory()
    event = conversion_record(
        action="tests.h4_applied", user=resident, subscriber=subscriber, ref="x:1"
    )
    assert ConversionEvent.objects.get(pk=event.pk).user == resident
    with pytest.raises(ValueError):
        conversion_record(action="tests.never", user=resident)


def test_anonymous_user_is_not_stored(db):
    from django.contrib.auth.models import AnonymousUser

    event = conversion_record(action="notify.subscribed", user=AnonymousUser())
    assert event.user_id is None
