"""The lookup probe of notify: a database restored from a dump older than the key check row is
still refused with another SOTONG_FIELD_LOOKUP_KEY, because its subscribers' stored hashes no
longer match (issue 11: an SMS "수신거부" reply then changed 0 subscriptions)."""

import pytest

from sotong.core.privacy import checks
from sotong.core.privacy.models import KeyCheck
from sotong.notify import subscriptions


@pytest.fixture
def without_key_check_row(db):
    KeyCheck.objects.all().delete()


def test_subscribers_hashed_with_this_key_pass(without_key_check_row, subscriber_factory):
    subscriber_factory(phone="01055556666", email="hong@example.kr")
    assert checks.key_errors() == []


def test_another_lookup_key_is_refused_by_the_stored_hashes(
    without_key_check_row, subscriber_factory, settings
):
    subscriber_factory(phone="01055556666", email="hong@example.kr")
    settings.FIELD_LOOKUP_KEY = "a-key-from-somewhere-else"

    # What the drill saw: the opt-out reply finds nobody.
    assert subscriptions.subscriber_withdraw_phone(phone="01055556666", source="sms_reply") == 0
    errors = checks.key_errors()

    assert [error.id for error in errors] == ["privacy.E101"]
    assert "2 of 2 stored hashes checked differ" in errors[0].msg


def test_no_subscribers_nothing_to_lose(without_key_check_row, settings):
    settings.FIELD_LOOKUP_KEY = "a-key-from-somewhere-else"
    assert checks.key_errors() == []
