"""The notifications of helpers (민원도우미): `EVENTS`, registered with `notify` by the app's
manifest (`manifest.py`), so they exist in web and worker processes alike.

Resident events go by e-mail and KakaoTalk 알림톡 (SMS is the provider's fallback); staff events
by e-mail. Texts never hold the resident's message nor personal data: the request's number, the
organisation, the helper's name (a public official's name is public), the subject (a service's
name or "민원 #N") and a link.

Variables of every event: organization, number, subject, url; the assigned events add helper."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sotong.notify.models import Channel
from sotong.notify.services import Event

SAMPLE = {
    "organization": "시험구",
    "number": 123,
    "subject": "기초연금",
    "helper": "박주무",
    "url": "https://example.kr/services/help/123/",
}

RESIDENT_CHANNELS = (Channel.EMAIL, Channel.KAKAO, Channel.SMS)
STAFF_CHANNELS = (Channel.EMAIL,)


def _resident_event(key: str, label, subject: str, body: str, sms: str, code: str) -> Event:
    return Event(
        key=key,
        label=str(label),
        channels=RESIDENT_CHANNELS,
        templates={
            Channel.EMAIL: (
                subject,
                body + "\n\n{{ url }}\n\n이 메일은 발신 전용입니다.",
            ),
            Channel.SMS: ("", sms),
            Channel.KAKAO: ("", f"{subject}\n\n{body}\n\n{{{{ url }}}}"),
        },
        sample_context=SAMPLE,
        kakao_template_code=code,
    )


def _staff_event(key: str, label, subject: str, body: str) -> Event:
    return Event(
        key=key,
        label=str(label),
        channels=STAFF_CHANNELS,
        templates={Channel.EMAIL: (subject, body + "\n\n{{ url }}")},
        sample_context=SAMPLE,
    )


REQUESTED = _staff_event(
    "services.help.requested",
    _("민원도우미 신청 알림(코디네이터)"),
    "[도우미 신청] 제{{ number }}호 {{ subject }}",
    "{{ organization }}에 민원도우미 신청 제{{ number }}호({{ subject }})가 들어왔습니다. "
    "도우미를 배정해 주세요.",
)

ASSIGNED_HELPER = _staff_event(
    "services.help.assigned_helper",
    _("민원도우미 배정 알림(도우미)"),
    "[도우미 배정] 제{{ number }}호 {{ subject }}",
    "민원도우미 신청 제{{ number }}호({{ subject }})가 {{ helper }}님에게 배정되었습니다. "
    "신청인에게 연락하고 연락 기록을 남겨 주세요.",
)

ASSIGNED = _resident_event(
    "services.help.assigned",
    _("민원도우미 배정 안내"),
    "[{{ organization }}] 민원도우미가 정해졌습니다 (제{{ number }}호)",
    "신청하신 도움 요청(제{{ number }}호, {{ subject }})에 {{ helper }} 도우미가 "
    "배정되었습니다. 곧 연락드리겠습니다.",
    "[{{ organization }}] 도우미 신청 제{{ number }}호 담당 {{ helper }}",
    "SOTONG_HELP_ASSIGNED",
)

DONE = _resident_event(
    "services.help.done",
    _("민원도우미 도움 완료 안내"),
    "[{{ organization }}] 도움 요청을 마쳤습니다 (제{{ number }}호)",
    "도움 요청(제{{ number }}호, {{ subject }})을 마쳤습니다. 아래 주소에서 결과를 확인하고 "
    "만족도 조사에 참여해 주세요.",
    "[{{ organization }}] 도우미 신청 제{{ number }}호 완료. 만족도 조사 부탁드립니다",
    "SOTONG_HELP_DONE",
)

EVENTS = (REQUESTED, ASSIGNED_HELPER, ASSIGNED, DONE)
