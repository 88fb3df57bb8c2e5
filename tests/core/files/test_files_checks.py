"""Checking uploads by content, size and name: real small files of every type (file_samples)."""

import hashlib
import unicodedata

import file_samples as samples
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from sotong.core.files import FileRejected, check_upload
from sotong.core.files.checks import clean_name
from sotong.core.files.detect import sniff


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    "name, content, allowed, file_type, content_type",
    [
        ("민원.pdf", samples.pdf(), "documents", "pdf", "application/pdf"),
        ("답변서.hwp", samples.hwp(), "documents", "hwp", "application/x-hwp"),
        ("답변서.hwpx", samples.hwpx(), "documents", "hwpx", "application/hwp+zip"),
        (
            "보고서.docx",
            samples.docx(),
            "documents",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "통계.xlsx",
            samples.xlsx(),
            "documents",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("메모.txt", samples.text(), "documents", "txt", "text/plain; charset=utf-8"),
        (
            "메모.txt",
            samples.text(encoding="cp949"),
            "documents",
            "txt",
            "text/plain; charset=euc-kr",
        ),
        (
            "메모.txt",
            samples.text(encoding="utf-16"),
            "documents",
            "txt",
            "text/plain; charset=utf-16",
        ),
        ("목록.csv", samples.csv(), "documents", "csv", "text/csv; charset=utf-8"),
        ("목록.csv", samples.csv("cp949"), "documents", "csv", "text/csv; charset=euc-kr"),
        ("사진.png", samples.png(), "images", "png", "image/png"),
        ("사진.jpg", samples.jpeg(), "images", "jpeg", "image/jpeg"),
        ("사진.JPEG", samples.jpeg(), "images", "jpeg", "image/jpeg"),
        ("움짤.gif", samples.gif(), "images", "gif", "image/gif"),
        ("사진.webp", samples.webp(), "images", "webp", "image/webp"),
        ("현장.png", samples.png(), "attachments", "png", "image/png"),
        ("신청서.hwp", samples.hwp(), "attachments", "hwp", "application/x-hwp"),
    ],
)
def test_real_files_are_accepted(name, content, allowed, file_type, content_type):
    checked = check_upload(upload(name, content), allowed=allowed)
    assert checked.file_type.name == file_type
    assert checked.content_type == content_type
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.original_name == name


def test_files_on_disk_are_read_the_same_way():
    """Django writes uploads above FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file."""
    for name, content in [("답변서.hwp", samples.hwp()), ("보고서.docx", samples.docx())]:
        with TemporaryUploadedFile(name, "application/octet-stream", len(content), None) as f:
            f.write(content)
            f.seek(0)
            assert check_upload(f).file_type.name == name.rsplit(".", 1)[1]


def rejected(name, content, **kwargs) -> FileRejected:
    with pytest.raises(FileRejected) as failure:
        check_upload(upload(name, content), **kwargs)
    return failure.value


def test_empty_file_is_refused():
    error = rejected("빈파일.pdf", b"")
    assert error.code == "file_empty"
    assert error.messages == ["빈 파일은 올릴 수 없습니다. 내용이 있는 파일을 골라 주세요."]


def test_file_over_the_limit_is_refused():
    error = rejected("큰파일.pdf", samples.pdf(), max_size=100)
    assert error.code == "file_too_large"
    assert "100\xa0바이트 이하의 파일만 올릴 수 있습니다." in error.messages[0]


def test_limit_per_kind_comes_from_settings(settings):
    settings.SOTONG_UPLOAD_MAX_SIZE = {**settings.SOTONG_UPLOAD_MAX_SIZE, "images": 50}
    assert rejected("사진.png", samples.png(), allowed="images").code == "file_too_large"
    assert check_upload(upload("사진.pdf", samples.pdf()), allowed="documents")


def test_file_exactly_at_the_limit_is_accepted():
    content = samples.pdf()
    assert check_upload(upload("a.pdf", content), max_size=len(content))


@pytest.mark.parametrize(
    "name, content, allowed",
    [
        ("setup.exe", samples.exe(), "documents"),
        ("보고서.pdf.exe", samples.exe(), "documents"),
        ("매크로.docm", samples.docm(), "documents"),
        ("압축.zip", samples.plain_zip(), "documents"),
        ("이름없음", samples.pdf(), "documents"),
        ("사진.png", samples.png(), "documents"),
        ("민원.pdf", samples.pdf(), "images"),
        ("그림.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "images"),
    ],
)
def test_types_the_use_does_not_allow_are_refused(name, content, allowed):
    error = rejected(name, content, allowed=allowed)
    assert error.code == "file_type_not_allowed"
    assert "이 형식의 파일은 올릴 수 없습니다. 올릴 수 있는 파일:" in error.messages[0]


def test_refusal_names_the_allowed_types():
    error = rejected("사진.bmp", b"BM" + b"\x00" * 50, allowed="images")
    assert error.messages[0].endswith("PNG, JPG, GIF, WEBP")


@pytest.mark.parametrize(
    "name, content",
    [
        ("민원.pdf", samples.exe()),  # a renamed program
        ("메모.txt", samples.exe()),
        ("사진.png", samples.exe()),
        ("답변서.hwp", samples.doc()),  # an OLE file, but Word, not HWP
        ("답변서.hwp", samples.hwpx()),
        ("답변서.hwp", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),  # damaged OLE
        ("답변서.hwpx", samples.docx()),
        ("답변서.hwpx", samples.plain_zip()),
        ("보고서.docx", samples.docm()),  # macros, renamed
        ("보고서.docx", samples.xlsx()),
        ("보고서.docx", samples.hwpx()),
        ("보고서.docx", samples.plain_zip()),
        ("보고서.docx", samples.docx()[:200]),  # cut short
        ("통계.xlsx", samples.docx()),
        ("사진.png", samples.jpeg()),
        ("사진.jpg", samples.png()),
        ("사진.gif", b"<html><script>alert(1)</script></html>"),
        ("민원.pdf", samples.text()),
        ("메모.txt", samples.pdf()),
        ("메모.txt", samples.png()),
        ("메모.txt", bytes(range(256)) * 4),
        ("목록.csv", "이름\x00\x01".encode()),
    ],
)
def test_content_that_does_not_match_the_extension_is_refused(name, content):
    error = rejected(name, content, allowed="attachments")
    assert error.code == "file_type_mismatch"
    extension = "." + name.rsplit(".", 1)[1]
    assert error.messages == [
        f"파일 내용이 확장자({extension})와 맞지 않습니다. 파일이 손상되었거나 확장자를 바꾼 "
        "파일입니다. 원래 형식 그대로 저장한 파일을 올려 주세요."
    ]


def test_what_a_refused_file_really_is_is_kept_for_logs():
    assert rejected("민원.pdf", samples.exe()).sniffed.description == (
        "application/vnd.microsoft.portable-executable"
    )
    assert rejected("답변서.hwp", samples.doc()).sniffed.description == "ole"


def test_sniffing_leaves_the_file_at_its_start():
    f = upload("a.docx", samples.docx())
    sniff(f)
    assert f.read(2) == b"PK"


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("C:\\Users\\홍길동\\문서\\신청서.pdf", "신청서.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        (unicodedata.normalize("NFD", "민원.pdf"), "민원.pdf"),
        ("사진\u202egnp.exe", "사진gnp.exe"),  # right-to-left override removed
        ("보고\u200b서.pdf", "보고서.pdf"),  # zero-width space
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
        ("  여러   칸\t이름 .pdf ", "여러 칸 이름.pdf"),
        ("줄\n바꿈.pdf", "줄 바꿈.pdf"),
        ("", "파일"),
        (".pdf", "pdf"),
        ("가" * 300 + ".pdf", "가" * 196 + ".pdf"),
        ("a." + "b" * 20, "a." + "b" * 20),
    ],
)
def test_file_names_are_cleaned(raw, clean):
    assert clean_name(raw) == clean
