"""The backup file format: a public header, then the archive encrypted in chunks.

    magic "SOTONGBK" + version byte 1
    header length (4 bytes, big-endian) + header (JSON: backup key id, salt, public metadata)
    chunks: length (4 bytes) + AES-256-GCM ciphertext of up to 1 MiB

The file key is HKDF-SHA256 of the backup key with the header's random salt, so no two files
share a key. Chunk i is sealed with nonce (i, last?) and the whole header as associated data:
a changed header, a reordered, dropped or truncated chunk fails to decrypt. The header is not
secret (dates, key *ids*, counts of files), so `backup_list` reads it without any key.

Backup keys (SOTONG_BACKUP_KEYS, newest first) are url-safe base64 of 32 random bytes, made like
the field keys. The newest encrypts; the header names which key a file needs, by id."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"SOTONGBK\x01"
CHUNK = 1024 * 1024
UNENCRYPTED = "none"


class BackupFormatError(Exception):
    """Not a backup, a damaged or truncated one, or one no configured key opens."""


def key_id(key: str) -> str:
    """A short public name of a key (8 hex digits of a keyed hash): manifests and headers say
    which keys data needs without holding anything that helps to guess them."""
    return hmac.new(key.encode(), b"sotong key id", hashlib.sha256).hexdigest()[:8]


def _raw_key(key: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise BackupFormatError(
            "SOTONG_BACKUP_KEYS must hold url-safe base64 keys of 32 bytes "
            "(python3 -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')"
        )
    return raw


def _file_key(key: str, salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"sotong backup v1")
    return AESGCM(derived.derive(_raw_key(key)))


def _nonce(index: int, last: bool) -> bytes:
    return struct.pack(">QBxxx", index, 1 if last else 0)


class EncryptingWriter:
    """A write-only file object: what is written is sealed chunk by chunk into `raw`.
    `key=None` writes the same framing without encryption (`--unencrypted`, never production)."""

    def __init__(self, raw: IO[bytes], key: str | None, metadata: dict[str, Any]):
        self.raw = raw
        salt = os.urandom(16)
        header = {
            **metadata,
            "backup_key": key_id(key) if key else UNENCRYPTED,
            "salt": salt.hex(),
        }
        self.header = json.dumps(header, sort_keys=True, ensure_ascii=False).encode()
        self.aead = _file_key(key, salt) if key else None
        self.buffer = bytearray()
        self.index = 0
        raw.write(MAGIC + struct.pack(">I", len(self.header)) + self.header)

    def write(self, data: bytes) -> int:
        self.buffer += data
        while len(self.buffer) > CHUNK:
            self._seal(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]
        return len(data)

    def _seal(self, plain: bytes, *, last: bool) -> None:
        if self.aead is None:
            sealed = plain + (b"\x01" if last else b"\x00")
        else:
            sealed = self.aead.encrypt(_nonce(self.index, last), plain, self.header)
        self.raw.write(struct.pack(">I", len(sealed)) + sealed)
        self.index += 1

    def finish(self) -> None:
        """Seal the rest as the last chunk (an archive cut short is then noticed)."""
        self._seal(bytes(self.buffer), last=True)
        self.buffer.clear()
        self.raw.flush()


def read_header(raw: IO[bytes]) -> dict[str, Any]:
    """The public header of a backup file, leaving `raw` at the first chunk."""
    if raw.read(len(MAGIC)) != MAGIC:
        raise BackupFormatError("not a sotong backup file (or a newer format)")
    (length,) = struct.unpack(">I", _exactly(raw, 4))
    header = _exactly(raw, length)
    try:
        parsed = json.loads(header)
    except ValueError as exc:
        raise BackupFormatError("the backup's header is damaged") from exc
    parsed["_raw"] = header
    return parsed


def _exactly(raw: IO[bytes], size: int) -> bytes:
    data = raw.read(size)
    if len(data) != size:
        raise BackupFormatError("the backup file is cut short")
    return data


class DecryptingReader:
    """A read-only file object over a backup file: checks and opens chunk after chunk. `keys`
    are the configured backup keys; the header says which one the file needs."""

    def __init__(self, raw: IO[bytes], keys: list[str]):
        self.raw = raw
        self.header = read_header(raw)
        needed = self.header.get("backup_key")
        self.aead = None
        if needed != UNENCRYPTED:
            key = next((k for k in keys if key_id(k) == needed), None)
            if key is None:
                raise BackupFormatError(
                    f"this backup was encrypted with backup key {needed}; SOTONG_BACKUP_KEYS "
                    f"holds {', '.join(key_id(k) for k in keys) or 'no key'}"
                )
            self.aead = _file_key(key, bytes.fromhex(self.header["salt"]))
        self.buffer = bytearray()
        self.index = 0
        self.done = False

    def _open_next(self) -> None:
        (length,) = struct.unpack(">I", _exactly(self.raw, 4))
        sealed = _exactly(self.raw, length)
        if self.aead is None:
            plain, last = sealed[:-1], sealed[-1:] == b"\x01"
        else:
            plain = last = None
            for flag in (False, True):
                try:
                    plain = self.aead.decrypt(_nonce(self.index, flag), sealed, self.header["_raw"])
                    last = flag
                    break
                except InvalidTag:
                    continue
            if plain is None:
                raise BackupFormatError("the backup file is damaged or was changed")
        self.buffer += plain
        self.index += 1
        if last:
            if self.raw.read(1):
                raise BackupFormatError("the backup file has data after its end")
            self.done = True

    def read(self, size: int = -1) -> bytes:
        while not self.done and (size < 0 or len(self.buffer) < size):
            self._open_next()
        if size < 0:
            size = len(self.buffer)
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data
