"""`faq_import` (service and command): encodings, row checks, idempotency, rights, audit."""

import csv
import unicodedata
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from sotong.core.audit.models import AuditEvent
from sotong.guide.faq import services
from sotong.guide.models import FaqEntry

from .faqdata import csv_text

pytestmark = pytest.mark.django_db

SEOUL120 = Path("/work/shared/data/seoul120_faq.csv")
ROWS = (
    ("3", "복지", "육아휴직수당은 얼마인가요?", "고용센터에 신청합니다.", "101"),
    ("2", "교통", "거주자우선주차 신청은?", "구청 주차관리과에\n방문해 신청합니다.", "102"),
    (
        "1",
        "환경",
        "대형폐기물은 어떻게 버리나요?",
        "구청 누리집에서 신고 후 스티커를 붙입니다.",
        "103",
    ),
)


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("faq_import", str(path), "--quiet", *args, stdout=out, stderr=err)
    return out.getvalue()


def write(tmp_path, text: str, encoding: str = "utf-8", name="faq.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_reads_utf8_bom_and_cp949_files(tmp_path, seoul, encoding):
    path = write(tmp_path, csv_text(*ROWS), encoding)
    report = services.faq_import(actor=None, file=path)
    assert (
        report.encoding == {"utf-8-sig": "utf-8-sig", "utf-8": "utf-8", "cp949": "cp949"}[encoding]
    )
    assert (report.rows, report.created, report.errors) == (3, 3, [])
    entry = FaqEntry.objects.get(source="seoul120", source_id="102")
    assert entry.title == "거주자우선주차 신청은?"
    # An answer spanning lines inside quotes is one row and keeps its line break.
    assert entry.answer == "구청 주차관리과에\n방문해 신청합니다."
    assert entry.category == FaqEntry.Category.TRANSPORT
    assert entry.organization == seoul
    assert entry.published
    assert "서울특별시" in entry.attribution and "120다산콜재단" in entry.attribution
    assert FaqEntry.objects.get(source_id="101").get_category_display() == "복지"


def test_a_file_in_no_known_encoding_is_refused_clearly(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("번호,분류,제목,내용,내용번호\n".encode() + b"1,\x80\x80,x,y,1\n")
    with pytest.raises(services.FaqFileError, match="인코딩"):
        services.faq_import(actor=None, file=path)
    with pytest.raises(CommandError, match="인코딩"):
        run(path)
    assert not FaqEntry.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "비어"),
        ("제목,내용\n가,나\n", "분류, 내용번호"),
    ],
)
def test_a_file_without_the_columns_is_refused(tmp_path, text, message):
    with pytest.raises(CommandError, match=message):
        run(write(tmp_path, text))


def test_every_bad_row_is_reported_by_row_and_column_and_the_rest_imported(tmp_path, seoul):
    text = csv_text(
        ("1", "복지", "정상 질문", "답", "201"),
        ("2", "복지", "   ", "제목 없는 답", "202"),
        ("3", "우주항공", "분류가 낯선 질문", "답", "203"),
        ("4", "복지", "겹치는 번호", "답", "201"),
        ("5", "복지", "번호 없는 질문", "답", ""),
        ("6", "복지", "가" * 301, "답", "206"),
        ("7", "", "분류 없는 질문", "", "207"),
        ("8", "복지", "번호에 빈칸", "답", "2 08"),
    )
    report = services.faq_import(actor=None, file=write(tmp_path, text))
    errors = {(issue.row, issue.column): issue.message for issue in report.errors}
    assert errors == {
        (3, "제목"): "제목이 비어 있습니다.",
        (5, "내용번호"): "내용번호 201이(가) 2행과 겹칩니다.",
        (6, "내용번호"): "내용번호가 비어 있습니다.",
        (7, "제목"): "제목은 300자까지 쓸 수 있습니다 (지금 301자).",
        (9, "내용번호"): "내용번호는 빈칸 없이 40자까지입니다.",
    }
    warnings = {(issue.row, issue.column): issue.message for issue in report.warnings}
    assert warnings == {
        (4, "분류"): "알 수 없는 분류 '우주항공'을(를) '기타'로 가져왔습니다.",
        (8, "분류"): "분류가 비어 있어 '기타'로 가져왔습니다.",
        (8, "내용"): "답변 내용이 비어 있습니다.",
    }
    assert str(report.errors[0]) == "3행 '제목' 열: 제목이 비어 있습니다."
    assert (report.created, report.skipped) == (3, 5)
    assert set(FaqEntry.objects.values_list("source_id", "category")) == {
        ("201", "welfare"),
        ("203", "other"),
        ("207", "other"),
    }
    assert FaqEntry.objects.get(source_id="201").title == "정상 질문"


def test_the_command_lists_problems_in_korean_and_fails_when_rows_were_skipped(tmp_path, seoul):
    path = write(tmp_path, csv_text(("1", "복지", "", "답", "1"), ("2", "기타", "질문", "답", "2")))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="오류가 있는 1개 행은 가져오지 않았습니다"):
        call_command("faq_import", str(path), stdout=out, stderr=err)
    assert "2행 '제목' 열: 제목이 비어 있습니다." in err.getvalue()
    assert "새로 만듦 1" in out.getvalue()
    assert "답변 기관 서울특별시" in out.getvalue()
    assert FaqEntry.objects.count() == 1


def test_importing_again_updates_changes_adds_new_and_never_duplicates(tmp_path, seoul):
    first = services.faq_import(actor=None, file=write(tmp_path, csv_text(*ROWS)))
    assert first.created == 3
    audits = AuditEvent.objects.count()
    hidden = FaqEntry.objects.get(source_id="103")
    hidden.published = False
    hidden.save()
    before = {e.source_id: e.updated_at for e in FaqEntry.objects.all()}

    same = services.faq_import(actor=None, file=write(tmp_path, csv_text(*ROWS)))
    assert (same.created, same.updated, same.unchanged) == (0, 0, 3)
    # Nothing changed, so nothing is recorded.
    assert AuditEvent.objects.count() == audits

    changed = (
        ROWS[0],
        ("2", "교통", "거주자우선주차 신청 방법", "바뀐 답", "102"),
        ROWS[2],
        ("0", "안전", "새 질문", "새 답", "104"),
    )
    again = services.faq_import(actor=None, file=write(tmp_path, csv_text(*changed)))
    assert (again.created, again.updated, again.unchanged) == (1, 1, 2)
    assert FaqEntry.objects.count() == 4
    entry = FaqEntry.objects.get(source_id="102")
    assert (entry.title, entry.answer) == ("거주자우선주차 신청 방법", "바뀐 답")
    assert entry.updated_at > before["102"]
    assert FaqEntry.objects.get(source_id="101").updated_at == before["101"]
    # An entry staff took down stays down.
    assert not FaqEntry.objects.get(source_id="103").published
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "services.faq.import"
    assert event.after == {
        "source": "seoul120",
        "rows": 4,
        "created": 1,
        "updated": 1,
        "unchanged": 2,
        "skipped": 0,
        "warnings": 0,
    }
    assert event.organization_id == seoul.pk
    assert AuditEvent.objects.count() == audits + 1


def test_the_same_id_under_another_source_is_another_entry(tmp_path, seoul):
    path = write(tmp_path, csv_text(*ROWS))
    services.faq_import(actor=None, file=path)
    run(path, "--source", "junggu-faq", "--organization", "seoul")
    assert FaqEntry.objects.count() == 6
    other = FaqEntry.objects.get(source="junggu-faq", source_id="101")
    # Only known sources get a default attribution.
    assert other.attribution == ""


def test_organization_by_code_and_the_seoul_default_only_when_it_exists(tmp_path, district):
    path = write(tmp_path, csv_text(*ROWS))
    services.faq_import(actor=None, file=path)
    assert set(FaqEntry.objects.values_list("organization", flat=True)) == {None}
    run(path, "--organization", district.code)
    assert set(FaqEntry.objects.values_list("organization", flat=True)) == {district.pk}
    with pytest.raises(CommandError, match="영문 코드가 'nowhere'인 기관이 없습니다"):
        run(path, "--organization", "nowhere")


@pytest.mark.parametrize("source", ["", "Seoul 120", "가나다", "x" * 40])
def test_a_bad_source_code_is_refused(tmp_path, source):
    with pytest.raises(CommandError, match="출처 코드"):
        run(write(tmp_path, csv_text(*ROWS)), "--source", source)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="파일이 없습니다"):
        run(tmp_path / "nope.csv")


def test_rows_can_be_given_already_read(seoul):
    report = services.faq_import(
        actor=None,
        rows=[{"분류": "건강", "제목": "금연 클리닉은?", "내용": "보건소", "내용번호": "9"}],
    )
    assert report.created == 1
    assert FaqEntry.objects.get().category == FaqEntry.Category.HEALTH


def test_control_characters_are_removed(seoul):
    services.faq_import(
        actor=None,
        rows=[
            {"분류": "행정", "제목": "널\x00문자\x07", "내용": "줄\r\n바꿈\x1b", "내용번호": "1"}
        ],
    )
    entry = FaqEntry.objects.get()
    assert (entry.title, entry.answer) == ("널문자", "줄\n바꿈")


# --- rights -----------------------------------------------------------------------------------


def _staff_with_faq_permission(user):
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="change_faqentry"))
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


def test_residents_and_staff_without_the_permission_may_not_import(resident, officer, district):
    rows = [{"분류": "행정", "제목": "질문", "내용": "답", "내용번호": "1"}]
    for actor in (resident, officer):
        with pytest.raises(PermissionDenied):
            services.faq_import(actor=actor, rows=rows, source="local", organization=district)
    assert not FaqEntry.objects.exists()


def test_staff_with_the_permission_import_for_their_own_organisation_only(officer, district, city):
    rows = [{"분류": "행정", "제목": "질문", "내용": "답", "내용번호": "1"}]
    officer = _staff_with_faq_permission(officer)
    report = services.faq_import(actor=officer, rows=rows, source="testgu", organization=district)
    assert report.created == 1
    event = AuditEvent.objects.get(action="services.faq.import")
    assert event.actor_id == officer.pk
    with pytest.raises(PermissionDenied):
        services.faq_import(actor=officer, rows=rows, source="testgu", organization=city)
    with pytest.raises(PermissionDenied):
        services.faq_import(actor=officer, rows=rows, source="testgu", organization=None)


def test_a_superuser_imports_anything(admin_user):
    rows = [{"분류": "행정", "제목": "질문", "내용": "답", "내용번호": "1"}]
    assert services.faq_import(actor=admin_user, rows=rows, source="local").created == 1


def test_exactly_one_of_rows_and_file():
    with pytest.raises(ValueError):
        services.faq_import(actor=None)
    with pytest.raises(ValueError):
        services.faq_import(actor=None, rows=[], file=b"")


def test_source_validation_is_a_validation_error():
    with pytest.raises(ValidationError):
        services.faq_import(actor=None, rows=[], source="NOT OK")


# --- the real knowledge base ------------------------------------------------------------------


def test_the_whole_seoul_120_file_imports(seoul):
    progress = []
    report = services.faq_import(
        actor=None, file=SEOUL120, progress=lambda done, total: progress.append((done, total))
    )
    assert report.errors == []
    assert (report.rows, report.created) == (2645, 2645)
    assert FaqEntry.objects.count() == 2645
    assert progress[-1] == (2645, 2645)
    with SEOUL120.open(encoding="utf-8") as f:
        source = {row["내용번호"]: row for row in csv.DictReader(f)}
    by_label = {str(label): value for value, label in FaqEntry.Category.choices}
    counts = {}
    for source_id, title, category in FaqEntry.objects.values_list(
        "source_id", "title", "category"
    ):
        # NFC: Hangul typed on a Mac arrives decomposed; stored composed (canonically equal).
        assert title == unicodedata.normalize("NFC", source[source_id]["제목"].strip())
        assert category == by_label[source[source_id]["분류"]]
        counts[category] = counts.get(category, 0) + 1
    assert counts["administration"] == 1098 and counts["family"] == 13
    # The five entries without an answer come in with a warning.
    assert [w.column for w in report.warnings] == ["내용"] * 5
    again = services.faq_import(actor=None, file=SEOUL120)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2645)


def test_the_demo_excerpt_has_every_category_and_the_questions_residents_ask():
    from importlib import resources

    data = resources.files("sotong.demo").joinpath("data", "seoul120_faq_excerpt.csv")
    text = data.read_bytes().decode("utf-8")
    rows = list(csv.DictReader(StringIO(text)))
    assert 250 <= len(rows) <= 350
    assert {row["분류"] for row in rows} == {
        "행정",
        "경제",
        "복지",
        "환경",
        "주택도시계획",
        "문화관광",
        "교통",
        "안전",
        "건강",
        "여성가족",
    }
    with SEOUL120.open(encoding="utf-8") as f:
        source = {row["내용번호"]: row for row in csv.DictReader(f)}
    # An unchanged excerpt of the real file.
    assert all(row == source[row["내용번호"]] for row in rows)
    everything = " ".join(row["제목"] + row["내용"] for row in rows)
    for topic in ("육아휴직", "어린이집", "주차", "폐기물", "여권", "전입신고", "기초생활"):
        assert topic in everything, topic
    readme = resources.files("sotong.demo").joinpath("data", "seoul120_faq_excerpt.README.md")
    assert "서울특별시" in readme.read_text("utf-8")
