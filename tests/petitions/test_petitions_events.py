"""The notification events of petitions: registered, renderable with their sample context, SMS
within one message, 알림톡 template codes, and no personal data in what services pass."""

from __future__ import annotations

import pytest

from sotong.notify.models import Channel
from sotong.notify.sms import SMS_MAX_BYTES, byte_length
from sotong.notify.templating import template_missing, template_render
from sotong.notify.transactional import event_for
from sotong.petitions import events

KEYS = [
    "petitions.received",
    "petitions.transferred",
    "petitions.extended",
    "petitions.answered",
    "petitions.assigned",
    "petitions.approval_requested",
    "petitions.returned",
]


@pytest.mark.parametrize("key", KEYS)
def test_registered_and_renders(key):
    event = event_for(key)
    assert event.label
    for channel in event.channels:
        subject, body = event.templates[channel]
        for text in (subject, body):
            assert template_missing(text, event.sample_context) == []
            template_render(text, event.sample_context)


@pytest.mark.parametrize("event", events.EVENTS, ids=lambda e: e.key)
def test_sms_fits_one_message_with_a_long_name(event):
    if Channel.SMS not in event.channels:
        return
    context = {**event.sample_context, "organization": "가나다라마바사아자차"}  # 10 syllables
    text = template_render(event.templates[Channel.SMS][1], context)
    assert byte_length(text) <= SMS_MAX_BYTES, text


@pytest.mark.parametrize("event", events.EVENTS, ids=lambda e: e.key)
def test_kakao_has_template_code(event):
    if Channel.KAKAO in event.channels:
        assert event.kakao_template_code.startswith("SOTONG_PETITION_")


@pytest.mark.django_db
def test_answer_notice_carries_no_text(resident, board):
    from sotong.notify.models import Delivery, Notification
    from sotong.petitions import services

    petition = services.petition_submit(
        actor=resident,
        board=board,
        kind="report",
        title="가로등",
        body="제 전화는 010-1234-5678, 집은 ○○아파트 101동입니다.",
    )
    note = Notification.objects.get(event="petitions.received")
    assert note.ref == f"petitions.Petition:{petition.pk}"
    assert note.idempotency_key == f"petitions:{petition.pk}:received"
    assert "010-1234-5678" not in str(note.context)
    assert "아파트" not in str(note.context)
    assert set(note.context) >= {"organization", "number", "title", "due", "url"}
    assert Delivery.objects.filter(notification=note, channel=Channel.EMAIL).exists()
