"""Snippets: the part of a text that holds the most query words, HTML-escaped, with the words
found wrapped in <mark>. Cut from the raw text of the page's hits only, with a regular
expression over the words' written forms (no kiwi at query time beyond the query itself).
Escaping is the standard library's `html.escape` (the same five characters as Django's
`escape`, without its lazy-string wrapper, which costs more than the escaping)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape

from django.utils.safestring import SafeString, mark_safe

from sotong.core.search.analyzer import normalize

SNIPPET_CHARS = 160
# Only this much of a long body is looked at for a snippet.
SCAN_CHARS = 20_000
ELLIPSIS = "…"


def mark_pattern(marks: Iterable[str]) -> re.Pattern | None:
    """One case-insensitive pattern for the written forms of the query's words, longest first
    (so 육아휴직 wins over 육아)."""
    forms = sorted({form for form in marks if form}, key=lambda form: (-len(form), form))
    if not forms:
        return None
    return re.compile("|".join(re.escape(form) for form in forms), re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern | None) -> SafeString:
    """All of `text`, escaped, with every match marked (for titles)."""
    text = _clean(text)
    if pattern is None:
        return mark_safe(escape(text))
    return _marked(text, [(m.start(), m.end()) for m in pattern.finditer(text)])


def snippet(text: str, pattern: re.Pattern | None, size: int = SNIPPET_CHARS) -> SafeString:
    """The window of about `size` characters holding the most distinct query words (then the
    most matches), escaped and marked, with … where the text was cut."""
    text = _clean(text[:SCAN_CHARS])
    matches = (
        [(m.start(), m.end(), m.group().casefold()) for m in pattern.finditer(text)]
        if pattern
        else []
    )
    if not matches:
        start, end = 0, min(len(text), size)
    else:
        start, end = _best_window(matches, size, len(text))
    shown = [(s, e) for s, e, _ in matches if s >= start and e <= end]
    # Cut at spaces, but never into a marked word.
    start = min(_word_start(text, start), shown[0][0]) if shown else _word_start(text, start)
    end = max(_word_end(text, end), shown[-1][1]) if shown else _word_end(text, end)
    inside = [(s - start, e - start) for s, e in shown]
    html = _marked(text[start:end], inside)
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    return mark_safe(f"{prefix}{html}{suffix}")


def _clean(text: str) -> str:
    # The same normalisation as analysis (full-width forms, control characters), then every run
    # of white space as one space: a snippet is one line.
    return " ".join(normalize(text or "").split())


def _best_window(matches: list[tuple[int, int, str]], size: int, length: int) -> tuple[int, int]:
    best: tuple[int, int, int] | None = None  # (distinct words, matches, -start)
    best_start = 0
    right = 0
    for left, (start, _, _) in enumerate(matches):
        right = max(right, left)
        while right + 1 < len(matches) and matches[right + 1][1] - start <= size:
            right += 1
        inside = matches[left : right + 1]
        key = (len({word for _, _, word in inside}), len(inside), -start)
        if best is None or key > best:
            best = key
            best_start = start
    # Some context before the first word, as much as the window allows.
    last_end = max(end for s, end, _ in matches if best_start <= s and end - best_start <= size)
    lead = max(0, (size - (last_end - best_start)) // 3)
    start = max(0, best_start - lead)
    return start, min(length, start + size)


def _word_start(text: str, start: int) -> int:
    """Move a cut forward to the next word, unless that loses too much."""
    if start == 0:
        return 0
    space = text.find(" ", start, start + 15)
    return space + 1 if space != -1 else start


def _word_end(text: str, end: int) -> int:
    if end >= len(text):
        return len(text)
    space = text.rfind(" ", max(0, end - 15), end)
    return space if space != -1 else end


def _marked(text: str, spans: list[tuple[int, int]]) -> SafeString:
    parts = []
    position = 0
    for start, end in spans:
        if start < position:
            continue
        parts.append(escape(text[position:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))
