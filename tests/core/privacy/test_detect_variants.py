"""Numbers and addresses as people really type them (issue 11, point 3): every dash class, the
Hangul ㅡ as a dash, full-width digits and at signs, ideographic full stops, other separators —
generated, not only the examples of the issue. Each must be found at its place in the text as
typed and masked there; look-alikes written the same ways must not be."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sotong.core.privacy import find_personal_data, mask_text, mask_value
from sotong.core.privacy.normalise import DASHES, normalise

HYPOTHESIS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
MATH_BOLD = str.maketrans("0123456789", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗")
WEAK = "_/~,*"

dash = st.sampled_from(sorted(set(DASHES + "-")))
separator = st.one_of(
    dash,
    st.sampled_from(list(WEAK)),
    st.sampled_from([" ", "  "]),
    dash.map(lambda d: f" {d} "),
)
width = st.sampled_from(["ascii", "ascii", "full", "bold"])


def written(digits: str, how: str) -> str:
    if how == "full":
        return digits.translate(FULL_WIDTH)
    if how == "bold":
        return digits.translate(MATH_BOLD)
    return digits


@st.composite
def groups(draw, parts: list[str], same_separator: bool = False) -> str:
    """Digit groups joined by generated separators, each group in a generated width."""
    first = draw(separator)
    out = written(parts[0], draw(width))
    for part in parts[1:]:
        sep = first if same_separator else draw(separator)
        out += sep + written(part, draw(width))
    return out


def digits(n: int):
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


@st.composite
def resident_numbers(draw, foreign: bool = False) -> str:
    born = draw(st.dates(datetime.date(1900, 1, 1), datetime.date(2019, 12, 31)))
    codes = (
        ("56" if born.year < 2000 else "78") if foreign else ("12" if born.year < 2000 else "34")
    )
    code = draw(st.sampled_from(codes))
    birth = born.strftime("%y%m%d")
    return draw(groups([birth, code + draw(digits(6))]))


@st.composite
def mobile_numbers(draw) -> str:
    prefix = draw(st.sampled_from(["010", "011", "016", "017", "018", "019"]))
    return draw(groups([prefix, draw(digits(4)), draw(digits(4))]))


@st.composite
def landline_numbers(draw) -> str:
    area = draw(st.sampled_from(["02", "031", "042", "051", "064", "070"]))
    middle = draw(digits(draw(st.sampled_from([3, 4]))).filter(lambda d: d[0] != "0"))
    return draw(groups([area, middle, draw(digits(4))]))


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        number = body + check
        total = 0
        for i, ch in enumerate(reversed(number)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return number
    raise AssertionError("unreachable")


@st.composite
def card_numbers(draw) -> str:
    number = _luhn_complete(draw(st.sampled_from("45")) + draw(digits(14)))
    parts = [number[i : i + 4] for i in range(0, 16, 4)]
    return draw(groups(parts, same_separator=True))


@st.composite
def account_numbers(draw) -> str:
    first = draw(st.sampled_from(["110", "1002"]))  # 신한 3-3-6, 우리 4-3-6
    sep = draw(st.one_of(dash, st.sampled_from(list(WEAK))))
    parts = [first, draw(digits(3)), draw(digits(6))]
    return sep.join(written(part, draw(width)) for part in parts)


@st.composite
def email_addresses(draw) -> str:
    local = draw(st.from_regex(r"[a-z][a-z0-9._]{0,10}[a-z0-9]", fullmatch=True))
    at = draw(st.sampled_from(["@", "＠", "﹫"]))
    dot = draw(st.sampled_from([".", "。", "．", "｡"]))
    labels = draw(st.sampled_from([["example", "com"], ["mail", "example", "org"], ["test", "kr"]]))
    address = local + at + dot.join(labels)
    if draw(st.booleans()):  # typed on a full-width keyboard altogether
        address = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in address)
    return address


CONTEXTS = {
    "rrn": ["주민등록번호 {} 입니다.", "제 주민번호는 {}이고 등본을 신청합니다.", "({})"],
    "frn": ["외국인등록번호 {} 체류 연장", "등록번호: {}"],
    "phone": ["연락처 {}로 회신 바랍니다.", "휴대폰: {}", "전화 {} 주세요", "{}"],
    "card": ["카드번호 {} 결제 취소", "신용카드 {}로 냈습니다."],
    "account": ["환불 계좌 {}로 부탁드립니다.", "입금 계좌: {} (예금주 본인)"],
    "email": ["메일 {}로 보내 주세요.", "이메일: {} 입니다", "<{}>"],
}
VALUES = {
    "rrn": resident_numbers(),
    "frn": resident_numbers(foreign=True),
    "phone": st.one_of(mobile_numbers(), landline_numbers()),
    "card": card_numbers(),
    "account": account_numbers(),
    "email": email_addresses(),
}


@pytest.mark.parametrize("kind", sorted(VALUES))
@HYPOTHESIS
@given(data=st.data())
def test_every_writing_is_found_where_it_was_typed_and_masked_there(kind, data):
    value = data.draw(VALUES[kind], label="value")
    template = data.draw(st.sampled_from(CONTEXTS[kind]), label="template")
    text = template.format(value)
    start = template.index("{}")

    findings = find_personal_data(text)
    assert [(f.kind, f.start, f.end, f.text) for f in findings] == [
        (kind, start, start + len(value), value)
    ]

    masked = mask_text(text)
    assert masked == template.format(mask_value(kind, value))
    # what is hidden is hidden in every width: the masked value reads as the plain one masked
    plain = normalise(value).text
    assert normalise(mask_value(kind, value)).text == mask_value(kind, plain)
    assert value not in masked
    if kind != "email":
        assert len(masked) == len(text)  # the layout stays: one mark for one character
    assert mask_text(masked) == masked


dates = st.builds(
    lambda d, sep, how: sep.join(written(p, how) for p in d.strftime("%Y %m %d").split()),
    st.dates(datetime.date(1990, 1, 1), datetime.date(2030, 12, 31)),
    st.one_of(dash, st.sampled_from(["/", ".", "~", " "])),
    width,
)
amounts = st.builds(
    lambda n, how, unit: written(f"{n:,}", how) + unit,
    st.integers(1_000, 99_999_999_999),
    width,
    st.sampled_from(["원", " 원", "명", "건", "㎡", "%"]),
)
notices = st.builds(
    lambda year, number, sep, how: (
        f"공고 제{written(str(year), how)}{sep}{written(str(number), how)}호"
    ),
    st.integers(2000, 2030),
    st.integers(1, 9999),
    dash,
    width,
)
cases = st.builds(
    lambda year, court, number, how: written(str(year), how) + court + written(str(number), how),
    st.integers(2000, 2030),
    st.sampled_from(["가합", "가단", "고단", "구합", "나"]),
    st.integers(1, 99999),
    width,
)
articles = st.builds(
    lambda a, b, sep: f"제{a}조{sep}제{b}항",
    st.integers(1, 300),
    st.integers(1, 20),
    st.sampled_from([" ", "", "ㅡ", "—"]),
)
postal_codes = st.builds(
    lambda n, how: f"우편번호 {written(f'{n:05d}', how)}", st.integers(1000, 63644), width
)
documents = st.builds(
    lambda dept, n, sep, how: f"{dept}{sep}{written(str(n), how)}",
    st.sampled_from(["정책기획담당관", "민원여권과", "도시계획과", "복지정책팀"]),
    st.integers(1, 99999),
    dash,
    width,
)
times = st.builds(
    lambda a, b, how: written(f"{a:02d}:00", how) + "~" + written(f"{b:02d}:00", how),
    st.integers(0, 12),
    st.integers(13, 23),
    width,
)
LOOK_ALIKES = st.one_of(dates, amounts, notices, cases, articles, postal_codes, documents, times)


@HYPOTHESIS
@given(
    look_alike=LOOK_ALIKES,
    template=st.sampled_from(["{}", "{}에 접수했습니다.", "근거: {}", "({})"]),
)
def test_look_alikes_in_the_same_writings_are_not_flagged(look_alike, template):
    text = template.format(look_alike)
    assert find_personal_data(text) == []
    assert mask_text(text) == text


ISSUE_EXAMPLES = {
    "900101ㅡ1234567": "900101ㅡ1******",
    "900101—1234567": "900101—1******",
    "900101ᅳ1234567": "900101ᅳ1******",
    "010ㅡ1234ㅡ5678": "010ㅡ****ㅡ5678",
    "０１０-９８７６-５４３２": "０１０-****-５４３２",
    "hong.gildong＠example.com": "h***＠example.com",
    "hong@example。com": "h***@example。com",
    "hong@example．com": "h***@example．com",
    "hong@example｡com": "h***@example｡com",
    "010_1234_5678": "010_****_5678",
    "010/1234/5678": "010/****/5678",
    "010~1234~5678": "010~****~5678",
    "010,1234,5678": "010,****,5678",
    "010*1234*5678": "010******5678",
    "010 1234 5678": "010 **** 5678",
    "010−1234−5678": "010−****−5678",
    "010－1234－5678": "010－****－5678",
    "010\u200b1234\u200b5678": "010\u200b****\u200b5678",
}


@pytest.mark.parametrize(("value", "masked"), ISSUE_EXAMPLES.items())
def test_the_issue_examples(value, masked):
    kind = "email" if "@" in normalise(value).text else "rrn" if "9001" in value else "phone"
    text = f"연락처(주민번호) {value} 입니다"
    assert [(f.kind, f.text) for f in find_personal_data(text)] == [(kind, value)]
    assert mask_text(text) == f"연락처(주민번호) {masked} 입니다"


noisy_text = st.text(
    alphabet=st.sampled_from(
        [
            *"0123456789０１２３-ㅡ—－ _/~,*.@＠。 가나홍길동님씨성명:민원인주무관고객",
            *["㈜", "℡", "ﬁ", "①", "²", "ᄒ", "ᅩ", "ᆼ", "\u200b", "\u0301", "e", "x", "m"],
        ]
    ),
    max_size=40,
)


@HYPOTHESIS
@given(text=noisy_text)
def test_findings_always_point_into_the_text_as_given(text):
    findings = find_personal_data(text)
    previous_end = 0
    for finding in findings:
        assert previous_end <= finding.start < finding.end <= len(text)
        assert finding.text == text[finding.start : finding.end]
        previous_end = finding.end
    masked = mask_text(text)
    assert mask_text(masked) == masked
