"""Korean text → search tokens, with the kiwi morphological analyser (`kiwipiepy`).

Documents (at write time) and queries (at search time) go through the same `analyze()`, so
particles and endings never decide a match: "육아휴직하면", "육아휴직은" and "육아 휴직" give the
same tokens. Pure Python apart from kiwi; no Django.

What becomes a token (README.md has the reasons):
- nouns (NNG, NNP), roots (XR) and Hanja (SH) as written;
- compound nouns in their parts, and every two adjacent nouns joined again ("육아 휴직" and
  "육아휴직" both give 육아, 휴직, 육아휴직); a long noun kiwi keeps whole ("쓰레기봉투") is split
  into its parts when kiwi can read it as nouns only;
- verbs and adjectives (VV, VA) in their dictionary form ("주나요" → 주다), which cannot collide
  with a noun of the same spelling as the bare stem would (주 "week", 사 "company");
- numbers (SN) without thousands separators, Latin words (SL) case-folded;
- never particles (J*), endings (E*), suffixes, punctuation, symbols, emoji, URLs or e-mail
  addresses, nor the few very common words in STOP_WORDS.

Text is normalised first: NFC, full-width → half-width and other compatibility forms (NFKC,
except for Hangul compatibility jamo such as ㅋ, which NFKC would turn into combining jamo),
control and format characters removed. Tokens are then case-folded. Every token consists of
letters and digits only (str.isalnum), which is what lets the index store them space-separated.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Any

from sotong.core.kiwi import kiwi

# A token longer than this is a URL, a hash or a cat on the keyboard, not a word anyone searches.
MAX_TOKEN_CHARS = 40
# Documents: text beyond this many characters per field is not analysed (one field of a huge
# attachment must not occupy a worker for minutes). Queries have their own, much lower, cap.
MAX_DOCUMENT_CHARS = 200_000

# Stop words, chosen by measuring document frequency over the Seoul 120 knowledge base (2,645
# entries; README.md has the figures): words in 10-41% of all entries that carry no topic
# (있다 41%, 하다 31%, 경우 28% …, 어떻다 11% — and in the titles, which are questions, 어떻다 is
# second only to 있다), plus 때, 수 and 등 (5%; 수 and 등 are usually bound nouns, left out by tag
# already). Kept short on purpose: a word listed here can never be searched.
STOP_WORDS = frozenset(
    {
        # nouns
        "경우",
        "사항",
        "이상",
        "후",
        "관련",
        "내용",
        "해당",
        "기타",
        "때",
        "수",
        "등",
        # verbs and adjectives (dictionary form)
        "있다",
        "하다",
        "되다",
        "위하다",
        "없다",
        "대하다",
        "따르다",
        "어떻다",
        "의하다",
        "관하다",
        "통하다",
        "같다",
    }
)

_NOUN_TAGS = frozenset({"NNG", "NNP"})
_VERB_TAGS = frozenset({"VV", "VA"})
_AS_WRITTEN_TAGS = frozenset({"XR", "SH"})
# Kiwi's tags for things it recognised as a whole; their letter and digit runs are kept.
_SPLIT_TAGS = frozenset({"W_SERIAL", "W_HASHTAG"})
# Kiwi keeps a long noun whole when its dictionary knows it ("쓰레기봉투"); shorter ones are not
# worth a second analysis.
_SPLIT_MIN_CHARS = 3

# Control (Cc) and format (Cf) characters, surrogates, private use and non-characters: removed
# before analysis (a lone surrogate cannot even be handed to kiwi).
_INVISIBLE_RE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u206f\ufeff\ufff0-\ufffb\ufffe\uffff\ud800-\udfff\ue000-\uf8ff"
    "\U000110bd\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001-\U000e007f"
    "\U000f0000-\U0010ffff]"
)
# Everything except Hangul compatibility jamo (ㄱ … ㆎ) is brought to its NFKC form.
_NOT_COMPAT_JAMO_RE = re.compile("[^\u3131-\u318e]+")
_COMPAT_JAMO_RE = re.compile("[\u3131-\u318e]")
_ALNUM_RUN_RE = re.compile(r"[^\W_]+")


def normalize(text: str) -> str:
    """NFC; compatibility forms (full-width Latin and digits, ligatures, circled numbers) to
    their plain form; control and format characters to spaces."""
    text = _INVISIBLE_RE.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    if not text.isascii():
        text = _NOT_COMPAT_JAMO_RE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return text


def analyze(text: str) -> list[str]:
    """The tokens of `text`, in order and with repeats (a document's term frequencies count)."""
    return analyze_many([text])[0]


def analyze_many(texts: Sequence[str]) -> list[list[str]]:
    """`analyze` for many texts at once (kiwi analyses a batch faster than one text at a time)."""
    return [[token for token, _ in terms] for terms in _analyze(texts)]


def analyze_query(text: str, *, max_chars: int, max_tokens: int) -> tuple[list[str], list[str]]:
    """The distinct tokens of a query (at most `max_tokens`, from its first `max_chars`
    characters) and the written forms to mark in a snippet: nouns as written, verb and adjective
    stems of two syllables or more ("신청하" is not needed: 신청 is a noun; "깨끗" is a root)."""
    tokens: dict[str, None] = {}
    marks: dict[str, None] = {}
    for token, mark in _analyze([text[:max_chars]])[0]:
        if token not in tokens:
            if len(tokens) >= max_tokens:
                break
            tokens[token] = None
        if mark:
            marks[mark] = None
    return list(tokens), list(marks)


def _analyze(texts: Sequence[str]) -> list[list[tuple[str, str | None]]]:
    prepared = [normalize(text[:MAX_DOCUMENT_CHARS]) if text else "" for text in texts]
    results: list[list[tuple[str, str | None]]] = [[] for _ in prepared]
    todo = [i for i, text in enumerate(prepared) if text.strip()]
    if not todo:
        return results
    analysed = kiwi().tokenize([prepared[i] for i in todo], split_complex=True)
    for i, tokens in zip(todo, analysed, strict=True):
        results[i] = list(_terms(tokens))
    return results


def _terms(tokens: Iterable[Any]) -> Iterator[tuple[str, str | None]]:
    """Turn kiwi's morphemes into (token, written form to mark or None); a run of adjacent
    Hangul nouns also gives each pair of neighbours joined, whether the text had a space
    between them or not."""
    run: list[str] = []
    for token in tokens:
        tag = token.tag.split("-", 1)[0]
        form = token.form.casefold()
        if tag in _NOUN_TAGS and _is_hangul(form) and form not in STOP_WORDS:
            if _is_token(form):
                yield form, form
                # A noun kiwi kept whole joins its neighbours whole; its parts are searchable
                # alone.
                run.append(form)
            else:
                # A run-on string too long to be a word: only its parts, if kiwi finds any.
                yield from _pairs(run)
                run = []
            yield from (
                (part, part) for part in _split_noun(form) if 1 < len(part) <= MAX_TOKEN_CHARS
            )
            continue
        yield from _pairs(run)
        run = []
        yield from _other_terms(tag, token, form)
    yield from _pairs(run)


def _other_terms(tag: str, token: Any, form: str) -> Iterator[tuple[str, str | None]]:
    if tag in _VERB_TAGS:
        # The dictionary form is the token; the stem as written is what a snippet can mark.
        candidates = [(token.lemma, form if len(form) > 1 else None)]
    elif tag in _NOUN_TAGS or tag in _AS_WRITTEN_TAGS or tag == "SL":
        candidates = [(form, form)]
    elif tag == "SN":
        # 1,000 → 1000; 3.5 → 3, 5 (a token holds letters and digits only)
        candidates = [(part, part) for part in _ALNUM_RUN_RE.findall(form.replace(",", ""))]
    elif tag in _SPLIT_TAGS:
        candidates = [(part, part) for part in _ALNUM_RUN_RE.findall(form)]
    elif tag == "SW" and form.isalpha() and not _COMPAT_JAMO_RE.search(form):
        # Words in other scripts (Cyrillic, kana, Greek); not ㅋㅋ or ㅠㅠ.
        candidates = [(form, form)]
    else:
        return
    for candidate, mark in candidates:
        if candidate not in STOP_WORDS and _is_token(candidate):
            yield candidate, mark


def _pairs(run: list[str]) -> Iterator[tuple[str, str | None]]:
    for left, right in pairwise(run):
        if len(left) + len(right) <= MAX_TOKEN_CHARS:
            yield left + right, left + right


@lru_cache(maxsize=50_000)
def _split_noun(form: str) -> tuple[str, ...]:
    """The parts of a noun that kiwi gave whole, when kiwi can read it as two or more nouns:
    alone (a compound it keeps whole only in some sentences, like 육아휴직), or else with the
    whole word forbidden (쓰레기봉투 → 쓰레기, 봉투). () when it cannot (코로나 would become
    코 + particles)."""
    if len(form) < _SPLIT_MIN_CHARS:
        return ()
    analyser = kiwi()
    alone = analyser.tokenize(form, split_complex=True)
    if len(alone) == 1:
        alone = analyser.tokenize(
            form, split_complex=True, blocklist=[(alone[0].form, alone[0].tag)]
        )
    parts = tuple(token.form for token in alone)
    if (
        len(parts) < 2
        or "".join(parts) != form
        or any(token.tag.split("-", 1)[0] not in _NOUN_TAGS for token in alone)
    ):
        return ()
    return parts


def _is_token(text: str) -> bool:
    return 0 < len(text) <= MAX_TOKEN_CHARS and text.isalnum()


def _is_hangul(text: str) -> bool:
    return all("\uac00" <= char <= "\ud7a3" for char in text)
