"""Helpers that write knowledge-base CSV files for the tests."""

import csv
import io


def csv_text(*rows: tuple[str, str, str, str, str]) -> str:
    """A knowledge-base file: rows of (번호, 분류, 제목, 내용, 내용번호), quoted as Excel does."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["번호", "분류", "제목", "내용", "내용번호"])
    writer.writerows(rows)
    return out.getvalue()
