"""A resident registration number is never stored, however it is written (issue 11, point 3):
`900101ㅡ1234567`, full-width digits, any dash class … each is masked before the petition, its
answer or its location is saved, through the service and through the web form."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from sotong.core.privacy.normalise import normalise
from sotong.petitions import services
from sotong.petitions.models import Petition

pytestmark = pytest.mark.django_db

VARIANTS = [
    "900101-1234567",
    "900101ㅡ1234567",  # the Hangul vowel ㅡ typed as a dash
    "900101ᅳ1234567",  # the same vowel as a combining jamo
    "900101—1234567",  # em dash
    "900101–1234567",  # en dash
    "900101−1234567",  # minus sign
    "900101－1234567",  # full-width hyphen-minus
    "900101‐1234567",  # hyphen
    "900101―1234567",  # horizontal bar
    "900101﹣1234567",  # small hyphen-minus
    "900101ー1234567",  # katakana prolonged sound mark
    "９００１０１－１２３４５６７",  # full-width digits
    "９００１０１ㅡ１２３４５６７",
    "900101 ㅡ 1234567",
    "900101_1234567",
    "900101/1234567",
    "900101 1234567",
    "900101\u200b1234567",  # a zero-width space pasted in between
    "9001011234567",
]


def _holds_the_number(stored: str) -> bool:
    """Whether `stored` still holds the registration number's secret digits, in any writing."""
    return "1234567" in re.sub(r"[^0-9]", "", normalise(stored).text)


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_petition_is_stored_with_the_number_masked(resident, board, variant):
    petition = services.petition_submit(
        actor=resident,
        board=board,
        kind="report",
        title=f"등본 발급 문의 {variant}",
        body=f"제 주민등록번호는 {variant} 입니다. 등본이 발급되지 않습니다.",
        address=f"충현동 12 ({variant})",
    )
    petition.refresh_from_db()
    for stored in (petition.title, petition.body, petition.address):
        assert not _holds_the_number(stored), stored
    assert "900101" in normalise(petition.body).text  # the birth date stays
    assert petition.personal_data_flagged


@pytest.mark.parametrize("variant", ["900101ㅡ1234567", "９００１０１－１２３４５６７"])
def test_an_answer_is_stored_with_the_number_masked(
    resident, board, intake_officer, officer, department, variant
):
    petition = services.petition_submit(
        actor=resident, board=board, kind="report", title="문의", body="등본 발급 문의"
    )
    services.petition_assign(actor=intake_officer, petition=petition, department=department)
    services.petition_accept(actor=officer, petition=petition)
    answer = services.answer_save(actor=officer, petition=petition, body=f"주민번호 {variant} 확인")
    answer.refresh_from_db()
    assert not _holds_the_number(answer.body)


def test_the_web_form_stores_the_number_masked(client, board, resident):
    client.force_login(resident)
    response = client.post(
        reverse("petitions:new", args=[board.organization.code, board.code]),
        {
            "kind": "report",
            "title": "등본 발급 문의",
            "body": "제 주민등록번호는 ９００１０１ㅡ１２３４５６７ 입니다.",
            "is_public": "1",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    petition = Petition.objects.get()
    assert not _holds_the_number(petition.body)
    assert "９００１０１ㅡ１" in petition.body  # masked in place, as it was typed
