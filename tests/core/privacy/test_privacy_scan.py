"""`manage.py privacy_scan FILE`."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[3]


def scan(*args, **options):
    out = io.StringIO()
    call_command("privacy_scan", *args, stdout=out, **options)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_prints_one_json_object_per_finding_with_line_and_offsets(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text(
        "민원인 900101-1234567 연락처 010-1234-5678\n"
        "2024-05-01 접수, 과태료 1,234,567원\n"
        "\n"
        "메일 hong@example.com, 카드 4111-1111-1111-1111\n",
        encoding="utf-8",
    )
    assert scan(str(path)) == [
        {"line": 1, "start": 4, "end": 18, "kind": "rrn"},
        {"line": 1, "start": 23, "end": 36, "kind": "phone"},
        {"line": 4, "start": 3, "end": 19, "kind": "email"},
        {"line": 4, "start": 24, "end": 43, "kind": "card"},
    ]


def test_never_prints_the_personal_data_itself(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text("주민번호 900101-1234567, 연락처 010-1234-5678\n", encoding="utf-8")
    out = io.StringIO()
    call_command("privacy_scan", str(path), stdout=out)
    assert "1234567" not in out.getvalue()
    assert "5678" not in out.getvalue()


def test_offsets_are_in_characters_of_the_line_without_its_line_break_or_bom(tmp_path):
    path = tmp_path / "windows.txt"
    path.write_bytes("\ufeff가 010-1234-5678\r\n나다 010-1234-5678\r\n".encode())
    assert scan(str(path)) == [
        {"line": 1, "start": 2, "end": 15, "kind": "phone"},
        {"line": 2, "start": 3, "end": 16, "kind": "phone"},
    ]


def test_kind_option_limits_the_findings(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text("900101-1234567 010-1234-5678\n", encoding="utf-8")
    assert [f["kind"] for f in scan(str(path), "--kind", "phone")] == ["phone"]


def test_reads_standard_input_with_a_dash():
    stdin = io.BytesIO("첫 줄\n둘째 줄 hong@example.com\n".encode())
    assert scan("-", stdin=stdin) == [{"line": 2, "start": 5, "end": 21, "kind": "email"}]


def test_missing_file_is_a_clear_korean_error(tmp_path):
    with pytest.raises(CommandError, match="파일을 찾을 수 없습니다"):
        call_command("privacy_scan", str(tmp_path / "없는파일.txt"))


def test_directory_is_a_clear_korean_error(tmp_path):
    with pytest.raises(CommandError, match="디렉터리"):
        call_command("privacy_scan", str(tmp_path))


def test_non_utf8_input_names_the_bad_line(tmp_path):
    path = tmp_path / "cp949.txt"
    path.write_bytes("첫 줄은 UTF-8\n".encode() + "둘째 줄은 CP949 010-1234-5678\n".encode("cp949"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="2번째 줄이 UTF-8이 아닙니다"):
        call_command("privacy_scan", str(path), stdout=out)


def test_exit_status_and_message_from_the_command_line(tmp_path):
    path = tmp_path / "cp949.txt"
    path.write_bytes("민원 접수\n".encode("cp949"))
    result = subprocess.run(
        [sys.executable, "manage.py", "privacy_scan", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "1번째 줄이 UTF-8이 아닙니다" in result.stderr
    assert result.stdout == ""
