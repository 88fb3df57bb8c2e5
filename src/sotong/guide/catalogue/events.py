"""The notifications of the service guide, registered with `notify` by the app's manifest
(`guide/manifest.py`), so the events exist in web and worker processes alike.

"services.matched": a new or changed service fits a resident's saved profile (see
`notify_fit`). Texts hold the service's name and a link, never the resident's answers.
Variables: organization, service, url."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sotong.notify.models import Channel
from sotong.notify.services import Event

SAMPLE = {
    "organization": "시험구",
    "service": "기초연금",
    "url": "https://example.kr/services/12/",
}

MATCHED = Event(
    key="services.matched",
    label=str(_("맞춤 서비스 안내")),
    channels=(Channel.EMAIL, Channel.SMS),
    templates={
        Channel.EMAIL: (
            "[{{ organization }}] 받을 수 있는 서비스가 있습니다: {{ service }}",
            "저장해 두신 맞춤 안내 정보로 보면 '{{ service }}' 서비스를 받을 수 있거나 "
            "받을 수 있을지도 모릅니다.\n"
            "지원 대상과 신청 방법은 아래 주소에서 확인하세요.\n{{ url }}\n\n"
            "이 안내는 입력하신 정보로 자동 판단한 결과이며, 실제 선정은 담당 기관의 "
            "심사로 정해집니다.\n"
            "맞춤 서비스 알림을 그만 받으려면 서비스 안내의 '내 정보'에서 알림을 끄세요.",
        ),
        Channel.SMS: ("", "[{{ organization }}] 받을 수 있는 서비스: {{ service }} {{ url }}"),
    },
    sample_context=SAMPLE,
)
