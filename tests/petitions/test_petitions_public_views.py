"""The resident pages of petitions: boards, the web form (logged in and anonymous with a
confirmed phone or e-mail), the receipt, the public timeline, the listing, rating, reopening and
"my petitions" — each allowed and denied, with bad input answered by a Korean message and never a
500."""

from __future__ import annotations

import datetime
import re
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from sotong.notify.models import Notification
from sotong.petitions.models import Answer, Attachment, Board, Petition, PetitionEvent, Stage

pytestmark = pytest.mark.django_db


# --- helpers and fixtures ----------------------------------------------------------------------


def _pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    from django.core.cache import cache

    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


def _new_url(board: Board) -> str:
    return reverse("petitions:new", args=[board.organization.code, board.code])


def _form_key(response) -> str:
    match = re.search(r'name="idempotency_key" value="([^"]+)"', response.content.decode())
    assert match, "the form carries a one-time key"
    return match.group(1)


def _valid(**extra) -> dict:
    data = {
        "kind": "report",
        "title": "가로등이 꺼져 있습니다",
        "body": "충현동 골목 가로등이 사흘째 꺼져 있어 밤길이 어둡습니다.",
        "is_public": "1",
        "consent": "on",
    }
    data.update(extra)
    return data


def _anonymous(**extra) -> dict:
    return _valid(contact_method="sms", contact_phone="010-1234-5678", **extra)


def _answered(petition_factory, officer, **fields) -> Petition:
    now = timezone.now()
    petition = petition_factory(
        status="answered", answered_at=now - datetime.timedelta(days=1), **fields
    )
    Answer.objects.create(
        petition=petition,
        body="가로등을 고쳤습니다. 담당 02-3396-1234",
        state=Answer.State.APPROVED,
        drafted_by=officer.staff,
        decided_at=now,
    )
    return petition


# --- boards -------------------------------------------------------------------------------------


def test_board_index_lists_boards_with_rules(client, board, city):
    Board.objects.create(
        organization=city, code="mayor", name="시장에게 바란다", kinds=["suggestion"]
    )
    response = client.get(reverse("petitions:boards"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "생활불편신고" in page and "시장에게 바란다" in page
    assert "신고 7일" in page and "제안 14일" in page
    assert _new_url(board) in page

    only_city = client.get(reverse("petitions:boards"), {"org": city.code})
    assert "시장에게 바란다" in only_city.content.decode()
    assert "생활불편신고" not in only_city.content.decode()

    unknown = client.get(reverse("petitions:boards"), {"org": "<script>"})
    assert unknown.status_code == 200
    assert "그 기관은 민원을 받지 않습니다" in unknown.content.decode()


def test_staff_only_and_members_boards(client, board, resident):
    board.posting = Board.Posting.STAFF
    board.save()
    assert client.get(_new_url(board)).status_code == 403
    board.posting = Board.Posting.MEMBERS
    board.save()
    response = client.get(_new_url(board))
    assert response.status_code == 302 and "login" in response.url
    client.force_login(resident)
    assert client.get(_new_url(board)).status_code == 200


def test_unknown_or_inactive_board_is_404(client, board):
    assert client.get(reverse("petitions:new", args=["testgu", "nope"])).status_code == 404
    assert client.get(reverse("petitions:new", args=["nowhere", "daily"])).status_code == 404
    board.active = False
    board.save()
    assert client.get(_new_url(board)).status_code == 404


def test_form_fields_follow_the_board_and_the_visitor(client, board, resident):
    anonymous = client.get(_new_url(board)).content.decode()
    assert 'name="contact_phone"' in anonymous and 'name="is_public"' in anonymous
    assert "개인정보 수집·이용 안내" in anonymous and "1095일" in anonymous
    board.allow_private = False
    board.save()
    client.force_login(resident)
    mine = client.get(_new_url(board)).content.decode()
    assert 'name="contact_phone"' not in mine
    assert 'name="is_public"' not in mine
    assert "이 게시판의 민원은 모두 공개됩니다" in mine


# --- intake by a resident with an account -------------------------------------------------------


def test_resident_submits_and_sees_the_receipt(client, board, category, resident):
    client.force_login(resident)
    key = _form_key(client.get(_new_url(board)))
    data = _valid(
        category=category.pk,
        idempotency_key=key,
        address="충현동 12",
        latitude="37.5663",
        longitude="126.9779",
    )
    data["attachments"] = [SimpleUploadedFile("사진.pdf", _pdf(), "application/pdf")]
    response = client.post(_new_url(board), data)
    assert response.status_code == 302 and response.url == reverse("petitions:receipt")
    petition = Petition.objects.get()
    assert petition.user == resident and petition.channel == "web"
    assert petition.category == category and petition.consent_at is not None
    assert str(petition.latitude) == "37.566300"
    assert petition.idempotency_key == f"web:{key}"
    assert petition.attachments.count() == 1
    receipt = client.get(response.url).content.decode()
    assert f"접수 번호 {petition.pk}" in receipt
    assert reverse("petitions:detail", args=[petition.pk]) in receipt
    assert "/petitions/t/" not in receipt  # an account follows it in 내 민원


def test_replayed_post_makes_one_petition(client, board, resident):
    client.force_login(resident)
    key = _form_key(client.get(_new_url(board)))
    first = client.post(_new_url(board), _valid(idempotency_key=key))
    second = client.post(_new_url(board), _valid(idempotency_key=key))
    assert first.status_code == second.status_code == 302
    assert Petition.objects.count() == 1
    # A fresh render is a fresh key: a second petition on purpose is fine.
    other = _form_key(client.get(_new_url(board)))
    assert other != key
    client.post(_new_url(board), _valid(idempotency_key=other))
    assert Petition.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "", "body": ""}, "title", "제목을 입력하세요."),
        ({"body": "   "}, "body", "내용을 입력하세요."),
        ({"body": "가" * 20_001}, "body", "20,000자까지"),
        ({"title": "가" * 201}, "title", "200자까지"),
        ({"latitude": "48.85", "longitude": "2.35"}, "latitude", "대한민국 안의 위치"),
        ({"latitude": "37.5", "longitude": "200"}, "longitude", "대한민국 안의 위치"),
        ({"latitude": "37.5"}, "longitude", "위도와 경도를 함께"),
        ({"latitude": "북위 37도", "longitude": "126.9"}, "latitude", "숫자로"),
        ({"kind": "petition-of-doom"}, "kind", "이 게시판에서 받는 종류"),
        ({"kind": "consultation"}, "kind", "이 게시판에서 받는 종류"),
        ({"consent": ""}, "consent", "동의해야"),
        ({"is_public": "maybe"}, "is_public", "공개 또는 비공개"),
        ({"category": "99999"}, "category", "목록에 있는 분야"),
    ],
)
def test_bad_input_is_refused_at_its_field(client, board, resident, changes, field, message):
    client.force_login(resident)
    data = _valid(**changes)
    data = {key: value for key, value in data.items() if value != ""}
    response = client.post(_new_url(board), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert f'href="#id_{field}' in page  # the error summary links to the field
    assert Petition.objects.count() == 0


def test_files_are_checked_by_content_and_size(client, board, resident, settings):
    client.force_login(resident)
    forged = SimpleUploadedFile("보고서.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")
    response = client.post(_new_url(board), {**_valid(), "attachments": [forged]})
    assert response.status_code == 400
    assert "파일 내용이 확장자" in response.content.decode()
    exe = SimpleUploadedFile("virus.exe", b"MZ\x90\x00" + b"\x00" * 200)
    response = client.post(_new_url(board), {**_valid(), "attachments": [exe]})
    assert "이 형식의 파일은 올릴 수 없습니다" in response.content.decode()
    settings.SOTONG_UPLOAD_MAX_SIZE = {**settings.SOTONG_UPLOAD_MAX_SIZE, "attachments": 100}
    big = SimpleUploadedFile("큰파일.pdf", _pdf(), "application/pdf")
    response = client.post(_new_url(board), {**_valid(), "attachments": [big]})
    assert response.status_code == 400
    assert "파일이 너무 큽니다" in response.content.decode()
    many = [SimpleUploadedFile(f"{n}.pdf", _pdf(), "application/pdf") for n in range(6)]
    settings.SOTONG_UPLOAD_MAX_SIZE = {**settings.SOTONG_UPLOAD_MAX_SIZE, "attachments": 10**6}
    response = client.post(_new_url(board), {**_valid(), "attachments": many})
    assert "5개까지" in response.content.decode()
    assert Petition.objects.count() == 0


def test_html_is_kept_as_text_and_never_rendered(client, board, resident):
    client.force_login(resident)
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.post(_new_url(board), _valid(title=f"제목 {script}", body=f"본문 {script}"))
    petition = Petition.objects.get()
    assert "<script>" in petition.body  # stored as typed
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_find_similar_without_javascript_keeps_the_form(client, board, resident, district):
    from sotong.core.search import index_objects
    from sotong.guide.models import FaqEntry

    faq = FaqEntry.objects.create(title="가로등 고장 신고는 어디에 하나요", answer="120에 신고")
    index_objects("faq", [faq])
    client.force_login(resident)
    response = client.post(_new_url(board), {**_valid(), "find_similar": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "가로등 고장 신고는 어디에 하나요" in re.sub(r"</?mark>", "", page)
    assert "가로등이 꺼져 있습니다" in page  # the typed title is still there
    assert Petition.objects.count() == 0


def test_similar_endpoint_partial_and_page(client, board):
    from sotong.core.search import index_objects
    from sotong.guide.models import FaqEntry

    faq = FaqEntry.objects.create(title="불법 주차 신고 방법", answer="안전신문고")
    index_objects("faq", [faq])
    partial = client.get(reverse("petitions:similar"), {"q": "주차 신고"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert "불법" in partial.content.decode()
    page = client.get(reverse("petitions:similar"), {"q": "주차"})
    assert "<html" in page.content.decode()
    for odd in ("", "a", "<script>", "\x00" * 10, "가" * 5000):
        assert client.get(reverse("petitions:similar"), {"q": odd}).status_code == 200


# --- anonymous intake with a confirmed contact ------------------------------------------------


def _last(event: str) -> Notification:
    return Notification.objects.filter(event=event).latest("pk")


def test_anonymous_sms_confirmation_then_submit(client, board):
    key = _form_key(client.get(_new_url(board)))
    data = _anonymous(idempotency_key=key, petitioner_name="홍길동", is_public="0")
    data["attachments"] = [SimpleUploadedFile("현장.pdf", _pdf(), "application/pdf")]
    response = client.post(_new_url(board), data)
    assert response.status_code == 302 and response.url == reverse("petitions:confirm")
    assert Petition.objects.count() == 0  # nothing before the confirmation
    sent = _last("petitions.confirm_sms")
    assert sent.to_phone == "01012345678"
    code = sent.context["code"]
    page = client.get(reverse("petitions:confirm")).content.decode()
    assert "010-****-5678" in page or "5678" in page
    assert "01012345678" not in page

    wrong = "000000" if code != "000000" else "111111"
    bad = client.post(reverse("petitions:confirm"), {"code": wrong})
    assert bad.status_code == 400 and "남은 횟수 4번" in bad.content.decode()
    assert client.post(reverse("petitions:confirm"), {"code": "12"}).status_code == 400

    done = client.post(reverse("petitions:confirm"), {"code": code})
    assert done.status_code == 302 and done.url == reverse("petitions:receipt")
    petition = Petition.objects.get()
    assert petition.user is None and petition.contact_phone == "01012345678"
    assert petition.petitioner_name == "홍길동" and not petition.is_public
    assert petition.idempotency_key == f"web:{key}"
    assert petition.attachments.count() == 1
    receipt = client.get(done.url).content.decode()
    token_url = reverse("petitions:token", args=[petition.token])
    assert token_url in receipt
    # The token follows a private petition; without it, the same 404 as a missing one.
    follow = client.get(token_url)
    assert follow.status_code == 200 and follow["Referrer-Policy"] == "no-referrer"
    assert "충현동 골목" in follow.content.decode()
    assert client.get(reverse("petitions:detail", args=[petition.pk])).status_code == 404
    assert client.get(reverse("petitions:token", args=["nope"])).status_code == 404
    # The pending request is gone: the code cannot submit a second one.
    again = client.post(reverse("petitions:confirm"), {"code": code})
    assert "확인을 기다리는 민원 신청이 없습니다" in again.content.decode()
    assert Petition.objects.count() == 1


def test_photo_attachment(client, board, resident):
    client.force_login(resident)
    data = _valid(attachments=[SimpleUploadedFile("현장.png", _png(), "image/png")])
    response = client.post(_new_url(board), data)
    assert response.status_code == 302
    assert Petition.objects.get().attachments.count() == 1


def test_anonymous_needs_a_contact(client, board):
    response = client.post(_new_url(board), _valid())
    assert response.status_code == 400
    assert "연락받을 방법을 고르세요." in response.content.decode()
    response = client.post(_new_url(board), _valid(contact_method="sms", contact_phone="02-123"))
    assert response.status_code == 400
    response = client.post(_new_url(board), _valid(contact_method="email"))
    assert "이메일 주소를 입력하세요" in response.content.decode()
    # Only the chosen method's address is checked.
    response = client.post(_new_url(board), _anonymous(contact_email="이건 주소가 아님"))
    assert response.status_code == 302


def test_anonymous_too_many_wrong_codes(client, board):
    client.post(_new_url(board), _anonymous())
    for _try in range(5):
        client.post(reverse("petitions:confirm"), {"code": "999999"})
    code = _last("petitions.confirm_sms").context["code"]
    response = client.post(reverse("petitions:confirm"), {"code": code})
    if code != "999999":
        assert "5번 잘못 입력했습니다" in response.content.decode()
        assert Petition.objects.count() == 0


def test_resend_is_throttled_and_cancel_forgets(client, board):
    client.post(_new_url(board), _anonymous())
    response = client.post(reverse("petitions:confirm"), {"action": "resend"}, follow=True)
    assert "1분 이상 지나서" in response.content.decode()
    assert Notification.objects.filter(event="petitions.confirm_sms").count() == 1
    client.post(reverse("petitions:confirm"), {"action": "cancel"})
    page = client.get(reverse("petitions:confirm")).content.decode()
    assert "확인을 기다리는 민원 신청이 없습니다" in page


def test_anonymous_email_link_in_the_same_browser(client, board, db):
    from django.test import Client

    client.post(_new_url(board), _valid(contact_method="email", contact_email="hong@example.kr"))
    sent = _last("petitions.confirm_email")
    assert sent.to_email == "hong@example.kr"
    path = sent.context["confirm_url"].split("localhost:8000", 1)[-1]
    path = path[path.index("/petitions/") :]
    # Opening the link shows a button: mail scanners must not file the petition.
    assert client.get(path).status_code == 200
    assert Petition.objects.count() == 0
    # Another browser has no pending petition.
    elsewhere = Client().post(path)
    assert elsewhere.status_code == 404
    assert "작성한 브라우저" in elsewhere.content.decode()
    forged = client.post(path[:-3] + "abc")
    assert forged.status_code == 404
    done = client.post(path)
    assert done.status_code == 302
    petition = Petition.objects.get()
    assert petition.contact_email == "hong@example.kr" and petition.contact_phone == ""


def test_confirm_without_pending_and_receipt_without_petition(client):
    assert client.get(reverse("petitions:confirm")).status_code == 200
    assert client.post(reverse("petitions:confirm"), {"code": "123456"}).status_code == 200
    assert (
        "방금 접수한 민원이 없습니다" in client.get(reverse("petitions:receipt")).content.decode()
    )


# --- the public timeline ----------------------------------------------------------------------


def test_public_timeline_masks_personal_data(client, petition_factory, department, officer):
    petition = _answered(
        petition_factory,
        officer,
        petitioner_name="홍길동",
        body="제 번호는 010-1234-5678 이고 주민번호 900101-1234568 입니다.",
        department=department,
        is_public=True,
    )
    PetitionEvent.objects.create(petition=petition, stage=Stage.RECEIVED, note="")
    PetitionEvent.objects.create(
        petition=petition, stage=Stage.ASSIGNED, department=department, note="배정"
    )
    PetitionEvent.objects.create(petition=petition, stage=Stage.RETURNED, note="내부 반려 의견")
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert "홍*동" in page and "홍길동" not in page
    assert "010-1234-5678" not in page and "900101-1234568" not in page
    assert "접수" in page and "배정" in page and department.name in page
    assert "내부 반려 의견" not in page  # not a public stage
    assert "가로등을 고쳤습니다" in page


def test_private_petition_is_404_for_everyone_else(
    client,
    petition_factory,
    resident,
    other_resident,
    officer,
    other_officer,
    department,
    staff_login,
):
    petition = petition_factory(is_public=False, user=resident, department=department)
    url = reverse("petitions:detail", args=[petition.pk])
    missing = reverse("petitions:detail", args=[petition.pk + 1000])
    assert client.get(url).status_code == 404
    assert client.get(missing).status_code == 404
    client.force_login(other_resident)
    assert client.get(url).status_code == 404
    staff_login(client, other_officer)
    assert client.get(url).status_code == 404
    staff_login(client, officer)  # its department's staff
    assert client.get(url).status_code == 200
    client.force_login(resident)
    assert client.get(url).status_code == 200


def test_attachments_public_only_unless_owner(client, petition_factory, resident, district):
    from django.core.files.base import ContentFile

    from sotong.core.files.services import file_store

    petition = petition_factory(user=resident)
    upload = ContentFile(_pdf(), name="내 서류.pdf")
    private = Attachment.objects.create(
        petition=petition,
        file=file_store(actor=resident, upload=upload, allowed="attachments"),
    )
    public = Attachment.objects.create(
        petition=petition,
        file=file_store(actor=None, upload=ContentFile(_pdf(), name="공개.pdf")),
        is_public=True,
        uploaded_by_staff=True,
    )
    url = reverse("petitions:attachment", args=[petition.pk, private.pk])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("petitions:attachment", args=[petition.pk, public.pk])).status_code
        == 200
    )
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert "내 서류.pdf" not in page and "첨부 파일 1" in page
    client.force_login(resident)
    assert client.get(url).status_code == 200


# --- rating and reopening -----------------------------------------------------------------


def test_petitioner_rates_an_answered_petition(client, petition_factory, resident, officer):
    petition = _answered(petition_factory, officer, user=resident)
    client.force_login(resident)
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert 'name="speed"' in page and 'name="completeness"' in page
    bad = client.post(reverse("petitions:rate", args=[petition.pk]), {"speed": "9"})
    assert bad.status_code == 400 and "1에서 5 가운데" in bad.content.decode()
    ok = client.post(
        reverse("petitions:rate", args=[petition.pk]),
        {"speed": "4", "completeness": "5", "comment": "고맙습니다"},
    )
    assert ok.status_code == 302
    petition.refresh_from_db()
    assert (petition.speed_rating, petition.completeness_rating) == (4, 5)
    twice = client.post(
        reverse("petitions:rate", args=[petition.pk]), {"speed": "1", "completeness": "1"}
    )
    assert twice.status_code == 400 and "이미" in twice.content.decode()


def test_rating_denied_to_others(client, petition_factory, resident, other_resident, officer):
    petition = _answered(petition_factory, officer, user=resident)
    url = reverse("petitions:rate", args=[petition.pk])
    assert client.post(url, {"speed": "5", "completeness": "5"}).status_code == 302  # login
    client.force_login(other_resident)
    assert client.post(url, {"speed": "5", "completeness": "5"}).status_code == 404
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert 'name="speed"' not in page
    open_one = petition_factory(user=other_resident)
    response = client.post(
        reverse("petitions:rate", args=[open_one.pk]), {"speed": "5", "completeness": "5"}
    )
    assert response.status_code == 400 and "답변을 받은 뒤" in response.content.decode()
    assert client.get(url).status_code == 405


def test_reopen_within_the_period(client, petition_factory, resident, officer):
    petition = _answered(petition_factory, officer, user=resident)
    client.force_login(resident)
    assert (
        client.post(reverse("petitions:reopen", args=[petition.pk]), {"body": " "}).status_code
        == 400
    )
    response = client.post(
        reverse("petitions:reopen", args=[petition.pk]), {"body": "아직도 꺼져 있습니다."}
    )
    assert response.status_code == 302
    follow_up = Petition.objects.get(follow_up_of=petition)
    assert follow_up.user == resident
    again = client.post(reverse("petitions:reopen", args=[petition.pk]), {"body": "또"})
    assert again.status_code == 400


def test_reopen_after_the_period_is_refused(client, petition_factory, resident, officer):
    petition = _answered(petition_factory, officer, user=resident)
    Petition.objects.filter(pk=petition.pk).update(
        answered_at=timezone.now() - datetime.timedelta(days=60)
    )
    client.force_login(resident)
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert f'action="/petitions/{petition.pk}/reopen"' not in page
    response = client.post(reverse("petitions:reopen", args=[petition.pk]), {"body": "다시"})
    assert response.status_code == 400 and "지났습니다" in response.content.decode()
    assert not Petition.objects.filter(follow_up_of=petition).exists()


# --- listing and my petitions -------------------------------------------------------------------


def test_listing_never_shows_private_and_filters(client, petition_factory, city, board):
    petition_factory(title="공개 민원 하나")
    petition_factory(title="비밀 민원", is_public=False)
    petition_factory(title="답변된 민원", status="answered")
    page = client.get(reverse("petitions:list")).content.decode()
    assert "공개 민원 하나" in page and "답변된 민원" in page
    assert "비밀 민원" not in page
    answered = client.get(reverse("petitions:list"), {"status": "answered"}).content.decode()
    assert "답변된 민원" in answered and "공개 민원 하나" not in answered
    year = timezone.localdate().year
    assert "공개 민원" in client.get(reverse("petitions:list"), {"year": year}).content.decode()
    odd = client.get(
        reverse("petitions:list"),
        {"status": "<b>", "year": "abc", "board": "999", "page": "-3", "org": "x", "q": "\x00"},
    )
    assert odd.status_code == 200
    assert "목록에 있는 값을 고르세요." in odd.content.decode()
    assert client.get(reverse("petitions:list"), {"page": "9999"}).status_code == 200


@pytest.mark.parametrize("rows", [3, 30])
def test_listing_query_count_is_constant(client, petition_factory, rows, django_assert_num_queries):
    for _n in range(rows):
        petition_factory()
    # session-less anonymous visitor: organisations, boards, categories, years, count, page.
    with django_assert_num_queries(6):
        response = client.get(reverse("petitions:list"), {"status": "received"})
    assert response.status_code == 200


def test_my_petitions(client, petition_factory, resident, other_resident):
    assert client.get(reverse("petitions:my")).status_code == 302
    petition_factory(title="내 비공개 민원", is_public=False, user=resident)
    petition_factory(title="남의 민원", user=other_resident)
    client.force_login(resident)
    page = client.get(reverse("petitions:my")).content.decode()
    assert "내 비공개 민원" in page and "남의 민원" not in page


def test_reserved_words_are_not_organisation_codes():
    from django.urls import Resolver404, resolve

    from sotong.petitions.views.intake import petition_new

    assert resolve("/petitions/list").url_name == "list"
    assert resolve("/petitions/testgu/daily/new").func is petition_new
    for path in ("/petitions/staff/x/new", "/petitions/stats/x/new"):
        try:
            match = resolve(path)
        except Resolver404:
            continue
        assert match.func is not petition_new


def test_listing_search_and_similar_answered(client, petition_factory, officer, resident):
    from sotong.core.search import index_objects

    lamp = _answered(petition_factory, officer, title="보안등 고장 신고")
    hidden = petition_factory(title="보안등 비공개 민원", is_public=False, user=resident)
    noise = petition_factory(title="쓰레기 무단 투기")
    index_objects("petition", [lamp, hidden, noise])
    page = client.get(reverse("petitions:list"), {"q": "보안등"}).content.decode()
    assert "보안등 고장 신고" in page and "쓰레기 무단 투기" not in page
    assert "보안등 비공개 민원" not in page
    client.force_login(resident)  # even its petitioner does not see it in the public list
    assert (
        "보안등 비공개 민원"
        not in client.get(reverse("petitions:list"), {"q": "보안등"}).content.decode()
    )
    partial = client.get(
        reverse("petitions:similar"), {"q": "보안등이 고장"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert reverse("petitions:detail", args=[lamp.pk]) in partial
    assert "비공개" not in partial
