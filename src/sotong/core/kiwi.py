"""The process's one kiwi morphological analyser (`kiwipiepy`), shared by search (its tokens)
and privacy (name detection). Here, below both, so that neither imports the other for it."""

from __future__ import annotations

import os
import threading
from typing import Any

_kiwi: Any = None
_kiwi_pid: int | None = None
_kiwi_lock = threading.Lock()


def kiwi() -> Any:
    """The process's one Kiwi instance, loaded on first use (about two seconds and 100 MB).

    Loading is serialised by a lock; analysis itself is thread-safe in kiwi (its own worker
    pool, one thread per core, analyses a batch by calling one instance from many threads). A
    forked child loads its own copy instead of inheriting one whose pool did not survive the
    fork."""
    global _kiwi, _kiwi_pid
    pid = os.getpid()
    if _kiwi is None or _kiwi_pid != pid:
        with _kiwi_lock:
            if _kiwi is None or _kiwi_pid != pid:
                from kiwipiepy import Kiwi

                # Without the multi-word dictionary: it would give "해리 포터와 마법사의 돌" as one
                # proper noun, and search needs the words.
                _kiwi = Kiwi(load_multi_dict=False)
                _kiwi_pid = pid
    return _kiwi
