"""The backup file format (`core/backup/crypto.py`) and the retention (`backup_prune`): sealed in
chunks, every change or cut noticed, the header readable without a key, the newest backup never
pruned. No database, no clock: times are passed in."""

from __future__ import annotations

import base64
import io
import os
from datetime import UTC, datetime

import pytest

from sotong.core.backup.crypto import (
    CHUNK,
    BackupFormatError,
    DecryptingReader,
    EncryptingWriter,
    key_id,
    read_header,
)
from sotong.core.backup.services import backup_list, backup_name, backup_prune

KEY = base64.urlsafe_b64encode(b"a" * 32).decode()
OLD_KEY = base64.urlsafe_b64encode(b"b" * 32).decode()
NOW = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)


def seal(data: bytes, key: str | None = KEY, **metadata) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, key, {"created_at": "2026-03-31", **metadata})
    for start in range(0, len(data), 100_000):
        writer.write(data[start : start + 100_000])
    writer.finish()
    return out.getvalue()


def unseal(sealed: bytes, keys=(KEY,)) -> bytes:
    return DecryptingReader(io.BytesIO(sealed), list(keys)).read()


def test_round_trip_over_several_chunks():
    data = os.urandom(CHUNK * 2 + 12345)
    sealed = seal(data)
    assert unseal(sealed) == data
    assert data[:64] not in sealed


def test_an_empty_archive_round_trips():
    assert unseal(seal(b"")) == b""


def test_the_header_is_public_and_names_the_key():
    header = read_header(io.BytesIO(seal(b"x", keys={"lookup": "033c3516"})))
    assert header["backup_key"] == key_id(KEY)
    assert header["keys"] == {"lookup": "033c3516"}
    assert KEY not in header["_raw"].decode()


def test_an_old_key_still_opens_its_backups():
    assert unseal(seal(b"old data", key=OLD_KEY), keys=(KEY, OLD_KEY)) == b"old data"


def test_a_missing_key_is_named_by_id():
    with pytest.raises(BackupFormatError, match=key_id(OLD_KEY)):
        unseal(seal(b"old data", key=OLD_KEY), keys=(KEY,))


@pytest.mark.parametrize("where", ["header", "first chunk", "last byte"])
def test_any_changed_byte_is_noticed(where):
    sealed = bytearray(seal(os.urandom(CHUNK + 10)))
    position = {"header": 20, "first chunk": len(sealed) // 3, "last byte": len(sealed) - 1}
    sealed[position[where]] ^= 1
    with pytest.raises(BackupFormatError):
        unseal(bytes(sealed))


def test_a_backup_cut_after_a_whole_chunk_is_noticed():
    data = os.urandom(CHUNK * 2 + 10)
    sealed = seal(data)
    header_end = len(sealed) - (len(data) + 3 * (4 + 16))
    first_chunk_end = header_end + 4 + CHUNK + 16
    with pytest.raises(BackupFormatError, match="cut short"):
        unseal(sealed[:first_chunk_end])


def test_data_after_the_end_is_noticed():
    with pytest.raises(BackupFormatError, match="after its end"):
        unseal(seal(b"data") + b"more")


def test_not_a_backup():
    with pytest.raises(BackupFormatError, match="not a sotong backup"):
        unseal(b"PGDMP" + b"\0" * 100)


def test_a_bad_backup_key_says_how_to_make_one():
    with pytest.raises(BackupFormatError, match="urandom"):
        seal(b"x", key="too-short")


def test_names_are_utc_and_sort_by_age():
    seoul_morning = datetime.fromisoformat("2026-04-01T08:30:00+09:00")
    assert backup_name(seoul_morning) == "sotong-20260331-233000.backup"


def _touch(folder, name):
    path = folder / name
    path.write_bytes(b"x")
    return path


def test_prune_keeps_the_retention_and_always_the_newest(tmp_path):
    old = _touch(tmp_path, "sotong-20260228-020000.backup")
    edge = _touch(tmp_path, "sotong-20260301-020000.backup")  # exactly 30 days: kept
    recent = _touch(tmp_path, "sotong-20260330-020000.backup")
    other = _touch(tmp_path, "notes.txt")
    stale = _touch(tmp_path, "sotong-20260329-020000.backup.partial")
    fresh = _touch(tmp_path, "sotong-20260331-015900.backup.partial")  # may still be written

    pruned = backup_prune(dest=tmp_path, keep_days=30, now=NOW)

    assert sorted(pruned) == sorted([old, stale])
    assert edge.exists() and recent.exists() and other.exists() and fresh.exists()


def test_prune_never_deletes_the_only_backup_however_old(tmp_path):
    only = _touch(tmp_path, "sotong-20200101-020000.backup")
    assert backup_prune(dest=tmp_path, keep_days=30, now=NOW) == []
    assert only.exists()


def test_list_reads_headers_without_keys(tmp_path):
    (tmp_path / "sotong-20260331-020000.backup").write_bytes(
        seal(b"x", keys={"field_encryption": ["4049b058"], "lookup": "033c3516"})
    )
    (tmp_path / "sotong-20260330-020000.backup").write_bytes(b"garbage")
    listed = backup_list(dest=tmp_path)
    assert [path.name for path, _ in listed] == [
        "sotong-20260330-020000.backup",
        "sotong-20260331-020000.backup",
    ]
    assert "not a sotong backup" in listed[0][1]["error"]
    assert listed[1][1]["keys"]["field_encryption"] == ["4049b058"]
