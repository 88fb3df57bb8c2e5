"""Fixtures of the notify tests: subscribers, staff holding the notify permissions, and (through
`sotong.notify.testing`) a real SMTP server and the fake SMS/KakaoTalk provider."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

_numbers = itertools.count(1)


def _grant(user, codename: str) -> None:
    user.user_permissions.add(
        Permission.objects.get(codename=codename, content_type__app_label="notify")
    )
    # Django caches permissions on the instance.
    for attr in ("_perm_cache", "_user_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


@pytest.fixture
def notify_staff(officer):
    """The officer of the test district, allowed to compose and send campaigns (not emergencies)."""
    _grant(officer, "send_campaign")
    return officer


@pytest.fixture
def emergency_staff(head):
    """The head of the officer's department, granted emergency alerts (and campaigns)."""
    _grant(head, "send_campaign")
    _grant(head, "send_emergency")
    return head


@pytest.fixture
def subscriber_factory(district):
    """`subscriber_factory(**fields)` makes an ACTIVE, confirmed subscriber of the test district
    directly (no confirmation round trip). Defaults: a unique e-mail and phone, all channels
    e-mail + SMS, interest 재난·안전 and 복지, immediate delivery."""
    from sotong.core.privacy.crypto import lookup_hash
    from sotong.core.vocab import Interest, to_mask
    from sotong.notify.models import Subscriber, channel_mask

    def make(**fields):
        n = next(_numbers)
        email = fields.pop("email", f"sub{n}@example.kr")
        phone = fields.pop("phone", f"0109{n:07d}")
        now = timezone.now()
        channels = fields.pop("channels", ("email", "sms"))
        interests = fields.pop("interests", (Interest.DISASTER_SAFETY, Interest.WELFARE))
        values = {
            "organization": district,
            "status": Subscriber.Status.ACTIVE,
            "email": email,
            "email_hash": lookup_hash(email, purpose="notify.email") if email else None,
            "email_confirmed_at": now if email else None,
            "phone": phone,
            "phone_hash": lookup_hash(phone, purpose="notify.phone") if phone else None,
            "phone_confirmed_at": now if phone else None,
            "channels": channel_mask(channels),
            "interests": to_mask(Interest, interests),
        }
        values.update(fields)
        return Subscriber.objects.create(**values)

    return make
