"""Korean personal names in free text, where the context marks them as names.

A name is found only next to a marker: an honorific or a title after it (홍길동님, 홍길동 씨,
홍길동께서, 홍길동 주무관, 김철수 팀장님), or a label before it (성명: 홍길동, 민원인 홍길동,
이름은 홍길동입니다). The candidate must start with a Korean surname (one syllable, or two:
남궁, 황보, 제갈 …) and have 2–4 syllables (3–4 with a two-syllable surname).

How sure the context is decides how much else is asked (see README.md):
- a form (a label and a colon: 성명: 홍길동) — nothing more;
- a form of address (님, 씨, 께서) or a civil-service title (주무관, 팀장, 과장) — the candidate
  must not be a title, a word for people (고객님, 선생님, 주민님) or a place, and kiwi must not
  read it as a known common noun (고객, 민원인, 도시 계획);
- a weaker context (a label without a colon: 민원인 홍길동; a title that also follows names of
  organisations: 서울대 교수, 서울시 담당자, 성동구 의원) — kiwi must read a proper noun, a
  surname followed by syllables, or an unknown word, with no particle or ending inside
  (동별 대표자, 명이 …), and not a place or an organisation (…시, …구, …대, …청).

Cheap when no marker word occurs: `find_names` returns at once, without kiwi. Pure Python; kiwi
(shared with search) is loaded on first use, and where it is missing only the first two kinds of
context are used."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .mask import DOUBLE_SURNAMES


def _words(text: str) -> tuple[str, ...]:
    """Word lists are written as space-separated text: hundreds of quoted words would not read."""
    return tuple(text.split())


# The ~100 most frequent one-syllable surnames (about 99.7% of the population); rarer ones would
# only add false hits (가, 시, 아 … start many common words).
SURNAMES = frozenset(
    _words(
        "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 전 홍 유 류 고 문 양 손 배 백 허 남"
        " 심 노 하 곽 성 차 주 우 구 민 나 진 지 엄 채 원 천 방 공 현 함 변 염 여 추 도 소 석 선 설"
        " 마 길 연 위 표 명 기 반 라 왕 금 옥 육 인 맹 제 모 탁 국 어 은 편 용 예 경 봉 사 부 복 태"
        " 목 형 피 두 감 음 빈 동 온 호 범 좌 팽 승 간 견"
    )
)

# Forms of address and civil-service titles, written right after a name with or without a space
# (홍길동님, 홍길동 님, 한동석주무관).
ADDRESS = _words("님 씨 께서 께 주무관 사무관 서기관 팀장 과장 계장 국장 실장 선생님 어르신")
# The same, only after a space: they also end compound words (예방주사, 김선생).
ADDRESS_SPACED = _words("주사 주사보 서기 서기보 여사 선생")
# Titles that also follow names of organisations and places (서울대 교수, 서울시 담당자, 서울
# 시장): only after a space, and the candidate must pass the stricter check.
TITLES = _words(
    "담당자 부장 차장 대리 주임 사원 교수 박사 변호사 세무사 법무사 노무사 간호사 의사 원장"
    " 소장 관장 센터장 회장 대표 이사 위원 위원장 의원 기자 작가 반장 이장 구청장 시장 군수"
    " 도지사 동장 청장 조사관 수사관 경위 경사 순경 할머니 할아버지 아버님 어머님 학생 군 양"
)
# Labels written before a name: 성명: 홍길동, 민원인 홍길동, 이름은 홍길동입니다.
LABELS = _words(
    "성명 이름 성함 신청인 신청자 민원인 작성자 담당자 담당 담당공무원 대표자 보호자 예금주"
    " 수령인 수취인 신고인 신고자 제보자 세대주 대리인 처리자 답변자 접수자 의뢰인 소유자"
    " 고객명 환자명"
)

_GLUED = frozenset(ADDRESS)
_AFTER_SPACE = frozenset(ADDRESS + ADDRESS_SPACED + TITLES)
_WEAK = frozenset(TITLES)
_LABELS = frozenset(LABELS) | {label + "명" for label in LABELS}
# What may follow a marker or a name in the same word: particles and the copula (홍길동님께서는,
# 홍길동 주무관이, 홍길동입니다). Anything else makes it another word (씨앗, 대리점, 과장실).
_AFTER = tuple(
    _words(
        "님 들 께 에 한테 이 가 은 는 을 를 의 과 와 도 만 으로 로 부터 까지 처럼 보다 입 였 랑 하고"
        " 씨 외 등"
    )
)
_LABEL_PARTICLES = ("은", "는", "이", "가", "란")
_ADDRESS_ENDINGS = ("님", "씨", "께")

# Titles, forms of address, words for people and other words that stand where a name could: the
# "name" in 고객님, 구청장님, 이용자께서 is none.
NOT_NAMES = frozenset(
    set(_AFTER_SPACE)
    | set(LABELS)
    | set(
        _words(
            "고객 부모 학부모 어머 아버 아드 사모 사장 기사 회장 원장 시장 구청장 동장 선생 주민"
            " 시민 구민 도민 군민 국민 동민 민원 이용자 이용객 사용자 여러분 공주 왕자 임금 조상"
            " 하나 하느 부처 신부 목사 장로 전도사 권사 집사 도련 서방 형수 제수 동서 사위 손자"
            " 손녀 조카 고모 이모 삼촌 외삼촌 선배 후배 동료 상사 주인 집주인 건물주 세입자 임차인"
            " 임대인 방문객 환자 원생 장애인 노인 기관 부서 업체 공무원 직원 상담원 안내원 관리인"
            " 경비원 미화원 소방관 경찰관 약사 교사 강사 감독 천사 마음 아가"
        )
    )
)
# Provinces, cities and Seoul's districts (서울 시장님, 강남 구청장님, 제주 도지사).
PLACES = frozenset(
    _words(
        "서울 부산 대구 인천 광주 대전 울산 세종 경기 강원 충북 충남 전북 전남 경북 경남 제주"
        " 경기도 강원도 제주도 종로 중구 용산 성동 광진 동대문 중랑 성북 강북 도봉 노원 은평"
        " 서대문 마포 양천 강서 구로 금천 영등포 동작 관악 서초 강남 송파 강동 수원 성남 고양"
        " 용인 부천 안산 안양 남양주 화성 평택 의정부 시흥 파주 김포 광명 하남 군포 오산 이천"
        " 양주 구리 포천 김해 창원 포항 천안 청주 전주 여수 순천 목포 경주 거제 구미 진주 원주"
        " 춘천 강릉 충주 제천 안동 익산 군산 여의도 이태원 명동 신촌 홍대 잠실 목동 상암 송도"
        " 인사동 삼청동 북촌 서촌 익선동 성수동 청담동 압구정 가로수길 연남동 망원동 을지로"
    )
)
# An office named after its place: 강남구 구청장, 연희동 동장.
_PLACE_OFFICES = frozenset({"시장", "구청장", "군수", "도지사", "동장", "청장", "이장"})
_PLACE_ENDINGS = ("시", "구", "군", "도", "동", "읍", "면", "리")
# A proper noun with one of these endings, before a title, names an organisation or a place
# (서울시 대표, 서울대 교수, 송파구청 담당자, 금천지사 담당자).
_ORGANISATION_ENDINGS = tuple(
    _words("시 구 군 대 청 국 처 부 과 팀 실 회 단 당 역 지사 센터 공사 공단 은행 병원 학교")
)

# Sino-Korean suffixes that make a noun of a noun (설치자, 도시명, 변경시, 국장급).
_SUFFIXES = frozenset(_words("자 명 인 시 별 급 직 적 비 료 율 액 표 법"))


def _alternation(words: Iterable[str]) -> str:
    """One regular expression for many words, as a trie (김|김포 → 김(?:포)?): the engine then
    tries one branch per character instead of every word."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = "(?:" + "|".join(branches) + ")"
        return body + "?" if "" in node else body

    return build(trie)


_MARKER_RE = re.compile(_alternation(set(_AFTER_SPACE) | _LABELS))
_BEFORE_MARKER = re.compile(r"(?<![가-힣])([가-힣]+)(?:[ ]{1,3}|\([^()]{1,30}\)[ ]?)$")
_AFTER_LABEL = re.compile(r"([ ]*[:=][ ]*|[ ]{1,3})([가-힣]+)")
_WORD = re.compile("[가-힣]+")

FORM, ADDRESSED, CONTEXT = "form", "addressed", "context"


def has_marker(text: str) -> bool:
    """Whether `text` holds a word that may mark a name (the cheap test before anything else)."""
    return _MARKER_RE.search(text) is not None


def _lengths(word: str) -> tuple[int, ...]:
    """The lengths a name at the start of `word` may have, the likeliest first."""
    if word[:2] in DOUBLE_SURNAMES:
        return (4, 3) if len(word) >= 4 else (3,)
    if word[:1] in SURNAMES:
        return (3, 2, 4)
    return ()


def _follows(rest: str) -> bool:
    return not rest or rest.startswith(_AFTER)


def _candidates(text: str) -> Iterator[tuple[int, int, str, str, int]]:
    """(start, end, marker, how sure the context is, where kiwi should start reading) of every
    name-shaped word next to a marker. Driven by the markers: text without any costs one scan."""
    for m in _MARKER_RE.finditer(text):
        marker, at, after = m.group(), m.start(), m.end()
        word_start = at
        while word_start and _is_hangul(text[word_start - 1]):
            word_start -= 1
        word_end = after
        while word_end < len(text) and _is_hangul(text[word_end]):
            word_end += 1
        rest = text[after:word_end]
        if marker in _LABELS and word_start == at and (not rest or rest in _LABEL_PARTICLES):
            yield from _after_label(text, word_start, word_end, marker)
        if marker not in _AFTER_SPACE or not _follows(rest):
            continue
        if word_start < at:  # 홍길동님, 한동석주무관: the name and the marker in one word
            name = text[word_start:at]
            # not 고객님 + 께서 but 고객 + 님께서
            glued = marker in _GLUED and not name.endswith(_ADDRESS_ENDINGS)
            if glued and len(name) in _lengths(name):
                yield word_start, at, marker, ADDRESSED, word_start
            continue
        # 홍길동 주무관, 홍길동(900101-1******) 씨: the name alone, then a gap and the marker
        before = _BEFORE_MARKER.search(text, max(0, at - 40), at)
        if before and len(before.group(1)) in _lengths(before.group(1)):
            sure = CONTEXT if marker in _WEAK else ADDRESSED
            yield before.start(1), before.end(1), marker, sure, before.start(1)


def _after_label(
    text: str, start: int, end: int, label: str
) -> Iterator[tuple[int, int, str, str, int]]:
    """성명: 홍길동, 민원인 홍길동. kiwi reads the label too: 민원인 정다은 is a name to it, 정다은
    alone is not."""
    m = _AFTER_LABEL.match(text, end)
    if not m:
        return
    name = m.group(2)
    for length in _lengths(name):
        if length <= len(name) and _follows(name[length:]):
            sure = FORM if m.group(1).strip() else CONTEXT
            yield m.start(2), m.start(2) + length, label, sure, start
            return


def _is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def _not_a_name(name: str, marker: str) -> bool:
    if name in NOT_NAMES or name in PLACES:
        return True
    if len(name) == 2 and name.endswith("모"):
        return True  # 김모씨: "a certain Kim", already anonymous
    if any(name.endswith(title) for title in _AFTER_SPACE if len(title) >= 2):
        return True  # 김과장님, 박주무관: a surname and a title, no name
    return marker in _PLACE_OFFICES and name.endswith(_PLACE_ENDINGS)  # 강남구 구청장


def find_names(text: str) -> list[tuple[int, int]]:
    """Spans of personal names in `text` (normalised, see normalise.py), in order."""
    if not has_marker(text):
        return []
    found: dict[tuple[int, int], None] = {}
    for start, end, marker, sure, reading in _candidates(text):
        name = text[start:end]
        if (start, end) in found or _not_a_name(name, marker):
            continue
        if sure != FORM and not _confirmed(text, start, end, reading, sure):
            continue
        found[(start, end)] = None
    return sorted(found)


def _confirmed(text: str, start: int, end: int, reading: int, sure: str) -> bool:
    """kiwi's confirmation: in the phrase with the label (민원인 정다은: kiwi knows it as a name
    there, not alone), else of the name and what follows (예금주 장보고 reads 장/보/고)."""
    name = text[start:end]
    if _kiwi_agrees(name, _phrase(text, reading, end), start - reading, sure):
        return True
    return reading != start and _kiwi_agrees(name, _phrase(text, start, end), 0, sure)


def _phrase(text: str, start: int, end: int) -> str:
    """The name with the rest of its word and the next word: what kiwi reads it in."""
    stop = end
    for _ in range(2):
        m = _WORD.search(text, stop)
        if not m or m.start() - stop > 3:
            break
        stop = m.end()
    return text[start:stop]


@lru_cache(maxsize=8192)
def _kiwi_agrees(name: str, phrase: str, at: int, sure: str) -> bool:
    """Whether kiwi's reading of `phrase` (the name starts at `at`) allows a name there."""
    analyser = _kiwi()
    if analyser is None:
        return sure == ADDRESSED
    tokens = _tokens(analyser, phrase, at, len(name))
    if tokens and tokens[0].oov and tokens[0].len > len(name):
        # one unknown word across the name and beyond (예방과장 소방서): read the name alone
        tokens = _tokens(analyser, name, 0, len(name))
    if not tokens or tokens[0].start != 0:
        return sure == ADDRESSED
    if len(name) == 4 and name[:2] not in DOUBLE_SURNAMES:
        # a given name of three syllables is rare: 김수한무 only when kiwi knows it
        first = tokens[0]
        whole = first.tag == "NNP" and not first.oov and first.len == 4
        return whole and not name.endswith(_ORGANISATION_ENDINGS)  # not 이화여대
    if sure == ADDRESSED:
        return not _common_word(name, tokens)
    return _proper_noun(name, tokens)


@dataclass(frozen=True, slots=True)
class _Token:
    tag: str
    start: int  # from the start of the name
    len: int
    oov: bool


def _tokens(analyser: Any, phrase: str, at: int, length: int) -> list[_Token]:
    """kiwi's tokens of `phrase` that start inside the name (`length` characters from `at`)."""
    return [
        _Token(t.tag, t.start - at, t.len, t.oov)
        for t in analyser.tokenize(phrase)
        if at <= t.start < at + length
    ]


def _common_word(name: str, tokens: list[_Token]) -> bool:
    """Whether kiwi reads the name as a known word that is not a proper noun: 고객(님),
    민원인, 도시+계획, 사항+은. A proper noun, an unknown word (oov) or one-syllable pieces
    (박/서/준, 한지+민) are left to be names."""
    first = tokens[0]
    if first.tag != "NNP" and any(t.tag.startswith(("J", "E")) for t in tokens):
        return True  # 이와(함께), 위의: a particle or an ending inside
    if first.tag == "NNP" or first.oov or first.len < 2:
        return False
    if first.len >= len(name):
        return True  # 고객, 민원인; or longer than the name: 어머(님), 하나님, 마음씨
    return any(
        t.tag.startswith(("J", "E", "X")) or (t.len >= 2 and t.tag != "NNP" and not t.oov)
        for t in tokens[1:]
    )


def _proper_noun(name: str, tokens: list[_Token]) -> bool:
    """The stricter check of a weak context. Kiwi must read: the surname as a proper noun (김/NNP
    태원, 서/NNP 재석, 한영/NNP 신); or three syllables in one-syllable pieces (설/태/희:
    kiwi does not know the name); or one proper noun or unknown word that is the whole name and
    does not end like an organisation (서울시, 서울대, 송파구청) or a derived noun (설치자)."""
    first = tokens[0]
    if any(t.tag.startswith(("J", "E", "X", "VC")) for t in tokens):
        return False  # 동별, 서울시의, 명이하의: a particle, an ending or a suffix inside
    surname = 2 if name[:2] in DOUBLE_SURNAMES else 1
    if first.tag == "NNP" and not first.oov and surname == first.len < len(name):
        return True
    if first.tag == "NNP" and not first.oov and surname < first.len < len(name):
        return all(t.len == 1 or t.tag == "NNP" or t.oov for t in tokens[1:])
    if len(name) == 3 and all(t.len == 1 for t in tokens):
        return True
    if first.len < len(name) or name.endswith(_ORGANISATION_ENDINGS):
        return False
    if first.oov:  # kiwi tags an unknown word NNP as well
        return len(name) < 4 and not _derived_noun(name)
    return first.tag == "NNP"


def _derived_noun(name: str) -> bool:
    """설치자, 도시명, 변경시: a known noun and a suffix, which kiwi may not know as one word."""
    if name[-1] not in _SUFFIXES:
        return False
    tokens = _kiwi().tokenize(name[:-1])
    return len(tokens) == 1 and tokens[0].tag == "NNG" and not tokens[0].oov


_UNAVAILABLE = object()
_analyser: Any = None


def _kiwi() -> Any:
    """The process's kiwi analyser (shared with search), or None where kiwi is not installed."""
    global _analyser
    if _analyser is None:
        try:
            from sotong.core.kiwi import kiwi

            kiwi()
            _analyser = kiwi
        except ImportError:
            _analyser = _UNAVAILABLE
    return None if _analyser is _UNAVAILABLE else _analyser()
