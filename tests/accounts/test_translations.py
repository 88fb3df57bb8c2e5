"""The English catalogue of accounts covers every Korean text of the app, and the compiled .mo
matches the .po (a text added without translation, or not compiled, fails here)."""

from __future__ import annotations

import gettext
import json
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "accounts" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries() -> list[tuple[str, str]]:
    entries, key, current = [], None, None
    for line in PO.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            key, current = "msgid", [json.loads(line[6:])]
            msgid = current
        elif line.startswith("msgstr "):
            key, current = "msgstr", [json.loads(line[7:])]
            entries.append((msgid, current))
        elif line.startswith('"') and key:
            current.append(json.loads(line))
    return [("".join(i), "".join(s)) for i, s in entries if "".join(i)]


def test_every_text_has_an_english_translation():
    untranslated = [msgid for msgid, msgstr in _entries() if not msgstr]
    assert not untranslated


def test_the_compiled_catalogue_is_up_to_date():
    with PO.with_suffix(".mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    stale = [msgid for msgid, msgstr in _entries() if catalogue.gettext(msgid) != msgstr]
    assert not stale


def test_the_english_texts_reach_the_pages():
    with translation.override("en"):
        assert translation.gettext("이름을 입력하세요.") == "Enter your name."
