"""The notifications of petitions, registered with `notify` (imported in PetitionsConfig.ready()).

Petitioner events go by e-mail and KakaoTalk 알림톡 (the provider falls back to SMS, so the SMS
text is also the fallback of the 알림톡); staff events by e-mail. Texts never hold the petition's
body nor anyone's personal data: the number, the title the petitioner wrote, dates and a link.
SMS texts stay within 90 bytes (one SMS) for an organisation name of up to 10 syllables;
`tests/petitions/test_petitions_events.py` checks them with the sample context.

Variables of every event: organization, number, title, due, url (see `services._common._context`);
transferred adds to_organization and reason."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sotong.notify.models import Channel
from sotong.notify.services import Event

SAMPLE = {
    "organization": "시험구",
    "number": 12345,
    "title": "보도블록이 깨져 있어요",
    "due": "2025-10-14 18:00",
    "url": "https://example.kr/petitions/12345/",
}

PETITIONER_CHANNELS = (Channel.EMAIL, Channel.KAKAO, Channel.SMS)
STAFF_CHANNELS = (Channel.EMAIL,)

_FOOTER = (
    "\n\n민원 처리 상황은 아래 주소에서 볼 수 있습니다.\n{{ url }}\n\n"
    "이 메일은 발신 전용입니다. 문의는 {{ organization }} 누리집 응답소를 이용하세요."
)


def _petitioner_event(
    key: str, label: str, subject: str, body: str, sms: str, kakao: str, code: str, **sample: str
) -> Event:
    return Event(
        key=key,
        label=str(label),
        channels=PETITIONER_CHANNELS,
        templates={
            Channel.EMAIL: (subject, body + _FOOTER),
            Channel.SMS: ("", sms),
            Channel.KAKAO: ("", kakao),
        },
        sample_context={**SAMPLE, **sample},
        kakao_template_code=code,
    )


def _staff_event(key: str, label: str, subject: str, body: str) -> Event:
    return Event(
        key=key,
        label=str(label),
        channels=STAFF_CHANNELS,
        templates={Channel.EMAIL: (subject, body + "\n\n{{ url }}")},
        sample_context=SAMPLE,
    )


RECEIVED = _petitioner_event(
    "petitions.received",
    _("민원 접수 안내"),
    "[{{ organization }}] 민원이 접수되었습니다 (제{{ number }}호)",
    "'{{ title }}' 민원이 제{{ number }}호로 접수되었습니다.\n"
    "처리 기한은 {{ due }}입니다. 담당 부서가 정해지고 답변이 나가면 다시 알려 드립니다.",
    "[{{ organization }}] 민원 제{{ number }}호 접수. 처리기한 {{ due }}",
    "[{{ organization }}] 민원 접수 안내\n\n"
    "'{{ title }}' 민원이 제{{ number }}호로 접수되었습니다.\n"
    "처리 기한: {{ due }}\n\n처리 상황 보기: {{ url }}",
    "SOTONG_PETITION_RECEIVED",
)

TRANSFERRED = _petitioner_event(
    "petitions.transferred",
    _("민원 이송 안내"),
    "[{{ organization }}] 민원을 {{ to_organization }}(으)로 이송했습니다 (제{{ number }}호)",
    "'{{ title }}' 민원(제{{ number }}호)은 {{ to_organization }}의 업무여서 그 기관으로 "
    "이송했습니다.\n이송 사유: {{ reason }}\n\n"
    "처리 기간은 {{ to_organization }}이(가) 받은 때부터 다시 셉니다.",
    "[{{ organization }}] 민원 제{{ number }}호를 {{ to_organization }}(으)로 이송",
    "[{{ organization }}] 민원 이송 안내\n\n"
    "'{{ title }}' 민원(제{{ number }}호)을 {{ to_organization }}(으)로 이송했습니다.\n"
    "이송 사유: {{ reason }}\n\n처리 상황 보기: {{ url }}",
    "SOTONG_PETITION_TRANSFERRED",
    to_organization="서울특별시",
    reason="시 관할 도로입니다.",
)

EXTENDED = _petitioner_event(
    "petitions.extended",
    _("민원 처리 기한 연장 안내"),
    "[{{ organization }}] 민원 처리 기한이 연장되었습니다 (제{{ number }}호)",
    "'{{ title }}' 민원(제{{ number }}호)의 처리 기한을 {{ due }}까지 연장했습니다.\n"
    "연장 사유는 처리 상황 화면에서 볼 수 있습니다.",
    "[{{ organization }}] 민원 제{{ number }}호 기한 연장: {{ due }}",
    "[{{ organization }}] 민원 처리 기한 연장 안내\n\n"
    "'{{ title }}' 민원(제{{ number }}호)의 처리 기한이 {{ due }}(으)로 연장되었습니다.\n\n"
    "사유 보기: {{ url }}",
    "SOTONG_PETITION_EXTENDED",
)

ANSWERED = _petitioner_event(
    "petitions.answered",
    _("민원 답변 안내"),
    "[{{ organization }}] 민원에 답변했습니다 (제{{ number }}호)",
    "'{{ title }}' 민원(제{{ number }}호)에 답변했습니다. 아래 주소에서 답변을 읽고 "
    "만족도를 평가해 주세요. 답변이 충분하지 않으면 정해진 기간 안에 재민원을 신청할 수 "
    "있습니다.",
    "[{{ organization }}] 민원 제{{ number }}호 답변 완료. 누리집에서 확인하세요",
    "[{{ organization }}] 민원 답변 안내\n\n"
    "'{{ title }}' 민원(제{{ number }}호)에 답변했습니다.\n\n답변 보기: {{ url }}",
    "SOTONG_PETITION_ANSWERED",
)

ASSIGNED = _staff_event(
    "petitions.assigned",
    _("민원 배정 알림(직원)"),
    "[민원 배정] 제{{ number }}호 {{ title }}",
    "민원 제{{ number }}호 '{{ title }}'이(가) 배정되었습니다. 처리 기한은 {{ due }}입니다.",
)

APPROVAL_REQUESTED = _staff_event(
    "petitions.approval_requested",
    _("민원 답변 결재 요청(직원)"),
    "[결재 요청] 민원 제{{ number }}호 답변",
    "민원 제{{ number }}호 '{{ title }}'의 답변이 결재를 기다립니다. 처리 기한은 {{ due }}입니다.",
)

RETURNED = _staff_event(
    "petitions.returned",
    _("민원 답변 반려 알림(직원)"),
    "[반려] 민원 제{{ number }}호 답변",
    "민원 제{{ number }}호 '{{ title }}'의 답변이 반려되었습니다. 반려 의견을 확인하고 "
    "고쳐서 다시 결재 요청하세요. 처리 기한은 {{ due }}입니다.",
)

EVENTS = (RECEIVED, TRANSFERRED, EXTENDED, ANSWERED, ASSIGNED, APPROVAL_REQUESTED, RETURNED)
