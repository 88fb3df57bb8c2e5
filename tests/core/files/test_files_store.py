import os
import re
import time
from io import StringIO
from urllib.parse import unquote

import file_samples as samples
import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from sotong.core.audit.models import AuditEvent
from sotong.core.files import (
    CheckedFileField,
    FileRejected,
    StoredFile,
    file_delete,
    file_response,
    file_store,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_store_keeps_the_file_under_a_random_name(resident, district):
    content = samples.pdf()
    stored = file_store(
        actor=resident, upload=upload("홍길동_신청서.pdf", content), organization=district
    )

    assert re.fullmatch(r"files/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", stored.file.name)
    assert "홍길동" not in stored.file.name
    with default_storage.open(stored.file.name) as f:
        assert f.read() == content
    stored.refresh_from_db()
    assert (stored.original_name, stored.file_type, stored.content_type, stored.size) == (
        "홍길동_신청서.pdf",
        "pdf",
        "application/pdf",
        len(content),
    )
    assert (stored.uploaded_by, stored.organization) == (resident, district)
    assert len(stored.sha256) == 64


def test_store_is_audited_without_the_file_name(resident, district):
    stored = file_store(
        actor=resident, upload=upload("홍길동_신청서.pdf", samples.pdf()), organization=district
    )
    event = AuditEvent.objects.get(action="file.store")
    assert (event.object_type, event.object_id) == ("files.storedfile", str(stored.pk))
    assert event.organization_id == district.pk
    assert event.after == {"file_type": "pdf", "size": stored.size, "sha256": stored.sha256}
    assert "홍길동" not in str(event.hashed_content())


def test_anonymous_upload_has_no_uploader():
    stored = file_store(
        actor=AnonymousUser(),
        upload=SimpleUploadedFile("현장.jpg", samples.jpeg()),
        allowed="images",
    )
    assert stored.uploaded_by is None
    assert stored.file.name.endswith(".jpg")


def test_refused_upload_leaves_nothing_behind(media_root):
    with pytest.raises(FileRejected) as failure:
        file_store(actor=None, upload=upload("민원.pdf", samples.exe()))
    assert failure.value.code == "file_type_mismatch"
    assert not StoredFile.objects.exists()
    assert not AuditEvent.objects.exists()
    assert not os.path.exists(media_root / "files")


def test_delete_removes_the_row_now_and_the_content_after_commit(
    django_capture_on_commit_callbacks,
):
    stored = file_store(actor=None, upload=upload("민원.pdf", samples.pdf()))
    name = stored.file.name
    with django_capture_on_commit_callbacks(execute=True):
        file_delete(actor=None, stored_file=stored, reason="잘못 올림")
        assert default_storage.exists(name)  # still there until the commit

    assert not default_storage.exists(name)
    assert not StoredFile.objects.exists()
    event = AuditEvent.objects.get(action="file.delete")
    assert (event.reason, event.before["file_type"]) == ("잘못 올림", "pdf")


def _body(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


def test_response_streams_with_the_korean_name(db):
    content = samples.hwp()
    stored = file_store(actor=None, upload=upload("민원 답변서 (최종).hwp", content))

    response = file_response(stored)

    assert response["Content-Type"] == "application/x-hwp"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"file.hwp\"; filename*=UTF-8''")
    assert unquote(disposition.split("UTF-8''")[1]) == "민원 답변서 (최종).hwp"
    assert disposition.isascii()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert "sandbox" in response["Content-Security-Policy"]
    assert int(response["Content-Length"]) == len(content)
    assert _body(response) == content


def test_response_inline_keeps_the_text_charset(db):
    content = samples.text(encoding="cp949")
    stored = file_store(actor=None, upload=upload("report 2025.txt", content))

    response = file_response(stored, as_attachment=False)

    assert response["Content-Type"] == "text/plain; charset=euc-kr"
    assert response["Content-Disposition"] == (
        "inline; filename=\"report_2025.txt\"; filename*=UTF-8''report%202025.txt"
    )
    assert _body(response) == content


class AttachForm(forms.Form):
    document = CheckedFileField(allowed="documents", max_size=10_000)
    photo = CheckedFileField(allowed="images", required=False)


def test_form_field_accepts_a_real_file():
    form = AttachForm(files={"document": upload("보고서.docx", samples.docx())})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["document"].name == "보고서.docx"
    assert form.cleaned_data["photo"] is None


@pytest.mark.parametrize(
    "name, content, code",
    [
        ("보고서.docx", samples.docm(), "file_type_mismatch"),
        ("보고서.exe", samples.exe(), "file_type_not_allowed"),
        ("보고서.pdf", b"", "file_empty"),
        ("보고서.txt", b"a" * 10_001, "file_too_large"),
    ],
)
def test_form_field_refuses_with_the_same_codes(name, content, code):
    form = AttachForm(files={"document": upload(name, content)})
    assert not form.is_valid()
    assert form.errors.as_data()["document"][0].code == code
    assert form.errors["document"][0]  # a message people can read


def test_form_field_tells_the_browser_and_the_person_what_fits():
    html = str(AttachForm()["photo"])
    assert 'accept=".png,.jpg,.jpeg,.gif,.webp"' in html
    help_text = str(AttachForm().fields["photo"].help_text)
    assert help_text == "올릴 수 있는 파일: PNG, JPG, GIF, WEBP (파일당 10.0\xa0MB 이하)"


def test_form_field_still_requires_a_file():
    form = AttachForm(files={})
    assert form.errors.as_data()["document"][0].code == "required"


def written(name, seconds_ago):
    """The file's time is the real clock's; the test's may be moved (--fake-now): set it."""
    when = time.time() - seconds_ago
    os.utime(default_storage.path(name), (when, when))
    return name


def test_prune_finds_and_removes_only_files_without_a_row(db):
    kept = file_store(actor=None, upload=upload("민원.pdf", samples.pdf()))
    written(kept.file.name, seconds_ago=3600)
    orphan = default_storage.save("files/2025/01/orphan.pdf", ContentFile(b"%PDF-1.7"))
    written(orphan, seconds_ago=3600)

    listed = StringIO()
    call_command("files_prune", "--older-than-hours", "0", stdout=listed)
    assert orphan in listed.getvalue()
    assert kept.file.name not in listed.getvalue()
    assert default_storage.exists(orphan)  # listed only

    call_command("files_prune", "--older-than-hours", "0", "--delete", stdout=StringIO())
    assert not default_storage.exists(orphan)
    assert default_storage.exists(kept.file.name)


def test_prune_leaves_recent_files_alone(db):
    orphan = default_storage.save("files/2025/01/fresh.pdf", ContentFile(b"%PDF-1.7"))
    written(orphan, seconds_ago=60)
    out = StringIO()
    call_command("files_prune", "--delete", stdout=out)
    assert default_storage.exists(orphan)
    assert "0개" in out.getvalue()
