"""Masking of detected values and of names, and the guarantee the logging filter relies on."""

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sotong.core.privacy import detect as detect_module
from sotong.core.privacy import find_personal_data, mask_name, mask_text, mask_value


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("주민번호 900101-1234567", "주민번호 900101-1******"),
        ("9001011234567", "9001011******"),
        ("외국인 950707-5123456", "외국인 950707-5******"),
        ("010-1234-5678", "010-****-5678"),
        ("010 1234 5678", "010 **** 5678"),
        ("01012345678", "010****5678"),
        ("0212345678", "02****5678"),
        ("05051234567", "0505***4567"),
        ("(02)123-4567", "(02)***-4567"),
        ("(02)1234567", "(02)***4567"),
        ("+82 10-1234-5678", "+82 10-****-5678"),
        ("+82-2-123-4567", "+82-2-***-4567"),
        ("대표번호 1588-1234", "대표번호 1588-****"),
        ("대표번호 15881234", "대표번호 1588****"),
        ("hong.gildong@example.com", "h***@example.com"),
        ("4111-1111-1111-1111", "****-****-****-1111"),
        ("3782-822463-10005", "****-******-*0005"),
        ("신한 110-123-456789", "신한 ***-***-**6789"),
        ("여권 M123A4567", "여권 M********"),
        ("11-12-345678-90", "11-12-******-90"),
        ("서울 12-345678-90", "서울 12-******-90"),
        ("면허 111234567890", "면허 1112******90"),
        ("2024-05-01 민원 1,234,567원", "2024-05-01 민원 1,234,567원"),
        ("", ""),
    ],
)
def test_mask_text(text, masked):
    assert mask_text(text) == masked


def test_mask_text_keeps_everything_around_the_findings():
    text = "민원인(900101-1234567)은 010-1234-5678로 연락 바랍니다. 접수 2024-05-01."
    assert (
        mask_text(text)
        == "민원인(900101-1******)은 010-****-5678로 연락 바랍니다. 접수 2024-05-01."
    )


def test_mask_text_accepts_what_loggers_hand_it():
    assert mask_text(None) == ""
    assert mask_text(1012345678) == "1012345678"


def test_mask_text_fails_closed(monkeypatch):
    def broken(text, kinds=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(detect_module, "find_personal_data", broken)
    masked = mask_text("연락처 010-1234-5678, hong@example.com")
    assert masked == "연락처 ***-****-****, ****************"


def test_mask_value_of_unknown_kind_hides_everything():
    assert mask_value("secret", "ab-12") == "**-**"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("홍길동", "홍*동"),
        ("홍길", "홍*"),
        ("김", "*"),
        ("김수한무", "김**무"),
        ("남궁민수", "남궁*수"),
        ("남궁민", "남궁*"),
        ("황보관영희", "황보**희"),
        (" 홍 길동 ", "홍*동"),
        ("John Smith", "J*** S***"),
        ("Jo", "J***"),
        ("Mary Jane Watson", "M*** J*** W***"),
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


# --- properties ------------------------------------------------------------------------------

digits = st.text(alphabet="0123456789", min_size=1, max_size=8)
VALUES = st.one_of(
    st.builds(
        lambda a, b: f"010-{a}-{b}",
        st.integers(1000, 9999),
        st.integers(0, 9999).map("{:04d}".format),
    ),
    st.sampled_from(
        [
            "900101-1234567",
            "9001011234567",
            "950707-5123456",
            "02-123-4567",
            "(031)123-4567",
            "+82 10-1234-5678",
            "1588-1234",
            "hong@example.com",
            "kim.ys+foi@mail.example.org",
            "4111-1111-1111-1111",
            "4111111111111111",
            "110-123-456789",
            "3333-01-1234567",
            "M12345678",
            "M123A4567",
            "11-12-345678-90",
            "서울 12-345678-90",
        ]
    ),
)
FILLER = st.sampled_from(
    [
        "",
        " ",
        "민원인 ",
        "연락처: ",
        "(",
        ")",
        "로 연락 바랍니다. ",
        "\n",
        ", ",
        "2024-05-01 ",
        "1,234원 ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_mask_text_never_raises_and_returns_text(text):
    masked = mask_text(text)
    assert isinstance(masked, str)
    assert len(find_personal_data(masked)) <= len(find_personal_data(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(FILLER, VALUES), min_size=1, max_size=5), FILLER)
def test_mask_text_leaves_no_detected_span_unmasked(parts, tail):
    text = "".join(filler + value for filler, value in parts) + tail
    findings = find_personal_data(text)
    masked = mask_text(text)
    # Everything between findings is kept as it was; every finding is replaced by its mask.
    expected, position = [], 0
    for finding in findings:
        replacement = mask_value(finding.kind, finding.text)
        assert replacement != finding.text
        assert "*" in replacement
        expected += [text[position : finding.start], replacement]
        position = finding.end
    once = "".join(expected) + text[position:]
    # A value glued to a masked one may stand apart only after the first round; it is masked too.
    assert masked == once or masked == mask_text(once)
    assert find_personal_data(masked) == []
    assert mask_text(masked) == masked  # masking twice changes nothing more


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), min_size=2, max_size=6
    )
)
def test_mask_name_hides_the_middle_of_any_korean_name(name):
    masked = mask_name(name)
    assert len(masked) == len(name)
    assert masked != name
    assert "*" in masked


# --- the logging filter that uses mask_text --------------------------------------------------


def test_personal_data_filter_masks_log_messages(caplog):
    from sotong.core.logging import PersonalDataFilter

    logger = logging.getLogger("sotong.tests.privacy")
    logger.addFilter(PersonalDataFilter())
    try:
        with caplog.at_level(logging.INFO, logger="sotong.tests.privacy"):
            logger.info("민원인 %s, 연락처 %s", "900101-1234567", "010-1234-5678")
    finally:
        logger.filters.clear()
    assert caplog.messages == ["민원인 900101-1******, 연락처 010-****-5678"]
