"""Detection of each kind of personal data, and of the look-alike numbers that are not."""

import pytest

from sotong.core.privacy import KINDS, Finding, contains_personal_data, find_personal_data


def spans(text, kinds=None):
    return [(f.kind, f.text) for f in find_personal_data(text, kinds)]


POSITIVES = [
    # resident and foreigner registration numbers: hyphen, space or nothing; any gender digit
    ("주민등록번호 900101-1234567 입니다", "rrn", "900101-1234567"),
    ("주민번호 900101 1234567", "rrn", "900101 1234567"),
    ("주민번호9001012234567로 조회", "rrn", "9001012234567"),
    ("아들 150607-3184420", "rrn", "150607-3184420"),
    ("딸 200229-4093716", "rrn", "200229-4093716"),  # 2020 is a leap year
    ("1800년대생 850315-9123456", "rrn", "850315-9123456"),
    ("번호 850315-0123456", "rrn", "850315-0123456"),
    ("번호 900101 - 1234567", "rrn", "900101 - 1234567"),
    ("홍길동(900101–1234567)", "rrn", "900101–1234567"),  # en dash from a word processor
    ("외국인등록번호 950707-5123456", "frn", "950707-5123456"),
    ("외국인 950707-6123456", "frn", "950707-6123456"),
    ("등록번호 070109-7550651", "frn", "070109-7550651"),
    ("등록번호 070109-8550651", "frn", "070109-8550651"),
    # phone numbers as Koreans write them
    ("연락처 010-1234-5678", "phone", "010-1234-5678"),
    ("연락처 010 1234 5678", "phone", "010 1234 5678"),
    ("연락처 010.1234.5678", "phone", "010.1234.5678"),
    ("연락처 01012345678", "phone", "01012345678"),
    ("연락처010-1234-5678로", "phone", "010-1234-5678"),
    ("옛 번호 011-123-4567", "phone", "011-123-4567"),
    ("옛 번호 016-1234-5678", "phone", "016-1234-5678"),
    ("옛 번호 0191234567", "phone", "0191234567"),
    ("(02)123-4567", "phone", "(02)123-4567"),
    ("(02) 123-4567", "phone", "(02) 123-4567"),
    ("02)123-4567", "phone", "02)123-4567"),
    ("(010)1234-5678", "phone", "(010)1234-5678"),
    ("+82 10-1234-5678", "phone", "+82 10-1234-5678"),
    ("+82-10-1234-5678", "phone", "+82-10-1234-5678"),
    ("+82 (0)10-1234-5678", "phone", "+82 (0)10-1234-5678"),
    ("0082-10-1234-5678", "phone", "0082-10-1234-5678"),
    ("+82-2-123-4567", "phone", "+82-2-123-4567"),
    ("+82 2 745 3398", "phone", "+82 2 745 3398"),
    ("민원실 02-3140-8000", "phone", "02-3140-8000"),
    ("경기 031-123-4567", "phone", "031-123-4567"),
    ("제주 064-710-2114", "phone", "064-710-2114"),
    ("세종 044-300-1234", "phone", "044-300-1234"),
    ("인터넷전화 070-1234-5678", "phone", "070-1234-5678"),
    ("안심번호 0505-123-4567", "phone", "0505-123-4567"),
    ("수신자부담 080-123-4567", "phone", "080-123-4567"),
    ("대표번호 1588-1234", "phone", "1588-1234"),
    ("대표번호 1661-0000", "phone", "1661-0000"),
    ("대표번호 1899.1234", "phone", "1899.1234"),
    ("고객센터 15881234", "phone", "15881234"),
    ("고객센터 1588 4412", "phone", "1588 4412"),
    ("집 0212345678", "phone", "0212345678"),
    # e-mail
    ("메일 hong@example.com 으로", "email", "hong@example.com"),
    (
        "메일 hong.gil-dong+foi@mail.example.net에게",
        "email",
        "hong.gil-dong+foi@mail.example.net",
    ),
    ("<KIM@EXAMPLE.COM>", "email", "KIM@EXAMPLE.COM"),
    ("끝에 마침표 a1@example.org.", "email", "a1@example.org"),
    # cards: grouped or bare, Luhn-valid
    ("카드 4111-1111-1111-1111", "card", "4111-1111-1111-1111"),
    ("카드 4111 1111 1111 1111", "card", "4111 1111 1111 1111"),
    ("카드 4111111111111111", "card", "4111111111111111"),
    ("아멕스 3782-822463-10005", "card", "3782-822463-10005"),
    ("다이너스 3056-930902-5904", "card", "3056-930902-5904"),
    ("BC 9410-3321-0045-1121", "card", "9410-3321-0045-1121"),
    ("마스터 2221-0000-0000-0009", "card", "2221-0000-0000-0009"),
    # bank accounts: the distinctive layouts alone, anything else next to a bank word
    ("신한 110-123-456789", "account", "110-123-456789"),
    ("우리 1002-123-456789", "account", "1002-123-456789"),
    ("기업 123-456789-01-001", "account", "123-456789-01-001"),
    ("카카오 3333-01-1234567", "account", "3333-01-1234567"),
    ("토스 1000-1234-5678", "account", "1000-1234-5678"),
    ("하나 123-456789-12345", "account", "123-456789-12345"),
    ("국민 123456-01-123456", "account", "123456-01-123456"),
    ("농협 301-1234-5678-91", "account", "301-1234-5678-91"),
    ("새마을금고 9002-1934-5521-7", "account", "9002-1934-5521-7"),
    ("SC제일은행 612-20-331245", "account", "612-20-331245"),
    ("신협 13201-02-448172 계좌", "account", "13201-02-448172"),
    ("계좌번호: 12345678901 (농협)", "account", "12345678901"),
    ("12345678901234 (우리은행)", "account", "12345678901234"),
    ("신한은행 110 123 456789", "account", "110 123 456789"),
    ("계좌 1101234567890", "account", "1101234567890"),  # 13 bare digits after 계좌: not an RRN
    # passports
    ("여권번호 M12345678", "passport", "M12345678"),
    ("여권 M123A4567", "passport", "M123A4567"),
    ("관용 S12345678", "passport", "S12345678"),
    ("M70689098 분실", "passport", "M70689098"),
    ("여권번호 m48219907", "passport", "m48219907"),
    ("외국 여권 E49920113", "passport", "E49920113"),
    ("여권번호 S20240501", "passport", "S20240501"),  # date-shaped, but the text says 여권
    # driver's licences
    ("면허 11-12-345678-90", "driver", "11-12-345678-90"),
    ("서울 12-345678-90", "driver", "서울 12-345678-90"),
    ("경기 13-123456-78", "driver", "경기 13-123456-78"),
    ("28-05-123456-11", "driver", "28-05-123456-11"),
    ("운전면허 11 12 345678 90", "driver", "11 12 345678 90"),
    ("면허번호 111234567890", "driver", "111234567890"),
]


@pytest.mark.parametrize(("text", "kind", "value"), POSITIVES)
def test_finds(text, kind, value):
    assert spans(text) == [(kind, value)]


NEGATIVES = [
    # dates and times
    "2024-05-01에 접수",
    "2024.5.1. 방문",
    "2024. 5. 1.(수)",
    "접수일 20240501",
    "2024/05/01",
    "'24.5.1. 공고",
    "2024-05-01T09:00:00+09:00",
    "14:30~18:00",
    "2024-05-01 09:00:00",
    "1999년 12월 31일생 991231",
    # amounts, counts, measures
    "1,234,567원",
    "과태료 1234567원",
    "신청 금액 15880000원, 지원 예정액 16000000원",
    "1500-2000원",
    "1800-1900년대",
    "2억 3,500만원",
    "인구 312,345명",
    "1588건",
    "35%",
    "12.5%",
    "면적 1,234.56㎡",
    "주택 공시가격 450000000원",
    # case, law, document numbers
    "2024가합12345",
    "2024고단1234",
    "제19조 제1항",
    "제3조의2",
    "제2024-123호",
    "정책기획담당관-5110",
    "민원여권과-2345(2024.05.03.)",
    "신청번호 1AA-2405-0123456",
    # postal codes, addresses, codes
    "우편번호 03187",
    "(우)04524",
    "연희로 123-45",
    "법정동코드 1141011000",
    "행정기관코드 3130000",
    "ISBN 978-89-12345-67-8",
    "IP 192.168.0.1",
    "좌표 37.5665, 126.9780",
    "버전 2.10.3",
    "차량번호 12가3456",
    # identifiers of businesses and things
    "사업자등록번호 123-45-67890",
    "법인등록번호 110111-1234567",
    "법인 등록번호 1101111234567",
    "바코드 8801234567893",
    "주문번호 240501-1234567",
    "주문번호 20240501-0001234",
    "우체국 택배 운송장번호 6012-3456-7890",
    "농협 조합원 번호 123456789012",
    "환불 신청번호 2024-0012345",
    "과태료 고지서 번호 2024-123-456789-0",
    "카드 승인번호 30012345",
    "전자납부번호 0126-2405-1234-567",
    "전신주 번호 0231A456",
    "회원번호 202405010001234",
    # invalid birth dates and too-short or too-long numbers
    "901301-1234567",
    "900230-1234567",
    "190229-1234567",  # 1919 was not a leap year
    "900101-1234567-1",
    "12900101-1234567",
    "010-1234-567",
    "010-12345-678",
    "010-1234-5678-9",
    "2010-1234-5678",
    "M1234567",
    "M123456789",
    "AM12345678",
    "S20240501 문서",
    "4111-1111-1111-1112",  # Luhn fails
    "1111-1111-1111-1111-1",
    "10-34-567890-12",  # no such region code
    "29-34-567890-12",
    # already masked values
    "900101-1******",
    "010-****-5678",
    "h***@example.com",
    "****-****-****-1111",
    # e-mail-like text that is not an address
    "이메일@주소",
    "user@localhost",
    "@example.com",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_ignores_look_alikes(text):
    assert spans(text) == []


def test_several_findings_come_in_order_with_offsets():
    text = "주민번호 900101-1234567, 연락처 010-1234-5678, 메일 hong@example.com"
    findings = find_personal_data(text)
    assert [f.kind for f in findings] == ["rrn", "phone", "email"]
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text


def test_phone_numbers_separated_by_a_comma_only():
    assert spans("010-1111-2222,010-3333-4444") == [
        ("phone", "010-1111-2222"),
        ("phone", "010-3333-4444"),
    ]


def test_kinds_limits_the_result():
    text = "900101-1234567 010-1234-5678"
    assert spans(text, kinds=["phone"]) == [("phone", "010-1234-5678")]
    assert spans(text, kinds=["rrn"]) == [("rrn", "900101-1234567")]


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="unknown"):
        find_personal_data("010-1234-5678", kinds=["ssn"])


def test_finding_repr_does_not_carry_the_value():
    finding = find_personal_data("010-1234-5678")[0]
    assert isinstance(finding, Finding)
    assert "5678" not in repr(finding)


def test_contains_personal_data():
    assert contains_personal_data("연락처 010-1234-5678")
    assert not contains_personal_data("2024-05-01 민원 접수")
    assert not contains_personal_data("")


def test_kinds_are_the_documented_ones():
    assert KINDS == (
        "rrn",
        "frn",
        "phone",
        "email",
        "card",
        "account",
        "passport",
        "driver",
        "name",
    )
