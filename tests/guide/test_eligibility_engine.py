"""The eligibility engine: answers, rules in words, parameters in force, verdicts and order."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from sotong.guide.eligibility import engine as eligibility
from sotong.guide.eligibility import parameters
from sotong.guide.eligibility.engine import answers_clean, evaluate, match_services, rule_text
from sotong.guide.models import EligibilityRule, Parameter

from .eligibility_data import (
    MEDIAN_2024,
    MEDIAN_2026,
    basic_pension,
    median_parameters,
    pension_parameters,
    seoul_and_seodaemun,
    service,
)

ON = date(2026, 11, 22)


@pytest.fixture
def seodaemun(db):
    return seoul_and_seodaemun()[1]


def clean(**data):
    return answers_clean({"on_date": ON.isoformat(), **data})


def errors(**data) -> dict:
    with pytest.raises(ValidationError) as caught:
        clean(**data)
    return caught.value.message_dict


# --- answers -----------------------------------------------------------------------------------


def test_answers_all_optional(db):
    answers = answers_clean({})
    assert answers.age is None and answers.organization is None
    assert answers.on_date == date.today() or answers.on_date  # today by default


def test_answers_full(seodaemun):
    answers = clean(
        birth_date="1960-05-01",
        organization="서울특별시 서대문구",
        dong="신촌동",
        household_size="3",
        monthly_income="1,500,000",
        household_type="with_children",
        disability="false",
        employment="retired",
        pregnant=False,
        children_ages="30, 28",
    )
    assert answers.age == 66
    assert answers.organization == seodaemun and answers.dong.name == "신촌동"
    assert answers.monthly_income == 1_500_000 and answers.children_ages == (30, 28)
    assert answers.disability is False
    # as_data round-trips.
    assert answers_clean(answers.as_data()) == answers


@pytest.mark.parametrize("value", ["서대문구", "서울특별시 서대문구", "seodaemun", "SEODAEMUN"])
def test_organization_by_name_or_code(seodaemun, value):
    assert clean(organization=value).organization == seodaemun


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"age": 121}, "age"),
        ({"age": -1}, "age"),
        ({"age": "예순"}, "age"),
        ({"age": True}, "age"),
        ({"birth_date": "1960/05/01"}, "birth_date"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"household_size": 0}, "household_size"),
        ({"household_size": 21}, "household_size"),
        ({"monthly_income": -5}, "monthly_income"),
        ({"monthly_income": 1_000_000_001}, "monthly_income"),
        ({"household_type": "commune"}, "household_type"),
        ({"employment": "astronaut"}, "employment"),
        ({"disability": "maybe"}, "disability"),
        ({"children_ages": "3, 세살"}, "children_ages"),
        ({"children_ages": [31]}, "children_ages"),
        ({"on_date": "어제"}, "on_date"),
        ({"organization": "없는구"}, "organization"),
        ({"dong": "신촌동"}, "dong"),
    ],
)
def test_answers_out_of_range_name_the_field(seodaemun, data, field):
    found = errors(**data)
    assert list(found) == [field]
    assert all(message for message in found[field])


def test_dong_must_belong_to_the_organization(seodaemun):
    assert "dong" in errors(organization="seodaemun", dong="명동")


def test_contradictions(seodaemun):
    both = errors(age=40, birth_date="1960-05-01")
    assert set(both) == {"age", "birth_date"}
    assert "만 66세" in both["age"][0]
    assert "children_ages" in errors(age=30, children_ages="20")
    assert "household_size" in errors(household_size=2, children_ages="3, 5")
    assert "pregnant" in errors(age=8, pregnant=True)
    assert "household_size" in errors(household_type="single", household_size=3)


def test_birth_date_wins_over_age(db):
    assert clean(birth_date="1961-11-22").age == 65
    assert clean(birth_date="1961-11-23").age == 64  # the birthday is tomorrow


# --- rules -------------------------------------------------------------------------------------


def test_rule_texts(seodaemun):
    assert rule_text({"kind": "age", "params": {"min": 65}}) == "나이 만 65세 이상"
    assert (
        rule_text({"kind": "age", "params": {"min": 19, "max": 34}})
        == "나이 만 19세 이상 34세 이하"
    )
    assert (
        rule_text({"kind": "income", "params": {"percent_of_median": 50}})
        == "소득 기준중위소득 50% 이하"
    )
    assert (
        rule_text({"kind": "residence", "params": {"organizations": ["seodaemun"]}})
        == "거주지 서울특별시 서대문구"
    )
    assert rule_text({"kind": "age", "params": {"min": 65}, "text": "어르신"}) == "어르신"
    assert "한부모 가구" in rule_text(
        {"kind": "household_type", "params": {"in": ["single_parent"]}}
    )


def test_rule_validate_normalises_and_refuses(seodaemun):
    assert eligibility.rule_validate("age", {"min": "65"}) == {"min": 65}
    assert eligibility.rule_validate("income", {"parameter": "basic_pension_threshold"}) == {
        "parameter": "basic_pension_threshold",
        "by": "household",
    }
    assert eligibility.rule_validate(
        "residence", {"organizations": ["SEODAEMUN"], "dongs": ["신촌동"]}
    ) == {"organizations": ["seodaemun"], "dongs": ["신촌동"]}
    for kind, params in [
        ("age", {}),
        ("age", {"min": 70, "max": 60}),
        ("age", {"min": 65, "colour": "red"}),
        ("residence", {"organizations": ["nowhere"]}),
        ("residence", {"organizations": ["seo\x00daemun"]}),
        ("residence", {"organizations": ["seodaemun"], "dongs": ["신\x00촌동"]}),
        ("residence", {"organizations": ["seodaemun"], "dongs": ["명동"]}),
        ("income", {"percent_of_median": 0}),
        ("income", {"parameter": "X Y"}),
        ("household_type", {"in": ["commune"]}),
        ("employment", {"in": []}),
        ("disability", {"required": "yes"}),
        ("zodiac", {}),
        ("age", ["min", 65]),
    ]:
        with pytest.raises(ValidationError):
            eligibility.rule_validate(kind, params)


# --- parameters --------------------------------------------------------------------------------


def test_parameter_in_force_by_date(db):
    median_parameters(2024, MEDIAN_2024)
    median_parameters(2026, MEDIAN_2026)
    assert parameters.median_income(1, date(2024, 6, 1)) == MEDIAN_2024[1]
    assert parameters.median_income(1, date(2025, 6, 1)) == MEDIAN_2024[1]  # until the next
    assert parameters.median_income(1, date(2026, 1, 1)) == MEDIAN_2026[1]
    assert parameters.median_income(1, date(2023, 12, 31)) is None


def test_parameter_valid_until(db):
    Parameter.objects.create(
        code="x",
        key="",
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 6, 30),
        amount=5,
        source="t",
    )
    assert parameters.parameter_in_force("x", "", date(2026, 6, 30)).amount == 5
    assert parameters.parameter_in_force("x", "", date(2026, 7, 1)) is None


def test_median_income_beyond_the_table(db):
    median_parameters(2026, MEDIAN_2026)
    step = MEDIAN_2026[6] - MEDIAN_2026[5]
    assert parameters.median_income(7, ON) == MEDIAN_2026[6] + step
    assert parameters.median_income(9, ON) == MEDIAN_2026[6] + 3 * step


# --- evaluation --------------------------------------------------------------------------------


def test_verdicts_with_reasons(seodaemun):
    pension_parameters()
    svc = basic_pension()
    yes = evaluate(svc, clean(age=65, monthly_income=1_000_000, household_type="single"))
    assert yes.status == "eligible"
    assert [(r.rule, r.met) for r in yes.reasons] == [("age", True), ("income", True)]
    assert yes.reasons[0].text == "나이 만 65세 이상 ✓"
    assert "2,470,000" in yes.reasons[1].detail

    no = evaluate(svc, clean(age=40, monthly_income=1_000_000, household_type="single"))
    assert no.status == "not_eligible" and no.reasons[0].met is False
    assert no.reasons[0].text == "나이 만 65세 이상 ✗"

    maybe = evaluate(svc, clean(age=70))
    assert maybe.status == "maybe"
    assert maybe.reasons[1].met is None and maybe.reasons[1].text.endswith("정보 부족")

    couple = evaluate(svc, clean(age=70, monthly_income=3_000_000, household_type="couple"))
    assert couple.status == "eligible"
    single = evaluate(svc, clean(age=70, monthly_income=3_000_000, household_type="single"))
    assert single.status == "not_eligible"


def test_missing_parameter_is_unknown_not_a_crash(db):
    svc = basic_pension()  # no Parameter rows
    match = evaluate(svc, clean(age=70, monthly_income=100, household_type="single"))
    assert match.status == "maybe"
    assert match.reasons[1].met is None and "기준값" in match.reasons[1].detail


def test_income_uses_the_table_of_the_date(db):
    median_parameters(2024, MEDIAN_2024)
    median_parameters(2026, MEDIAN_2026)
    svc = service("주거급여", rules=[("income", {"percent_of_median": 50})])
    # Between half the 2024 and half the 2026 single amounts.
    income = (MEDIAN_2024[1] // 2 + MEDIAN_2026[1] // 2) // 2
    answers = {"monthly_income": income, "household_size": 1}
    assert evaluate(svc, clean(**answers, on_date="2024-05-01")).status == "not_eligible"
    assert evaluate(svc, clean(**answers)).status == "eligible"


def test_no_rules_is_unknown_with_the_criteria(db):
    svc = service("상담", criteria="구청 복지정책과에 문의")
    match = evaluate(svc, clean())
    assert match.status == "unknown"
    assert match.reasons[0].met is None
    assert match.reasons[0].text == "선정 기준을 확인하세요: 구청 복지정책과에 문의"


@pytest.mark.parametrize(
    ("kind", "params", "answers", "met"),
    [
        ("residence", {"organizations": ["seodaemun"]}, {"organization": "서대문구"}, True),
        ("residence", {"organizations": ["seoul"]}, {"organization": "서대문구"}, True),
        (
            "residence",
            {"organizations": ["seodaemun"], "dongs": ["연희동"]},
            {"organization": "서대문구", "dong": "신촌동"},
            False,
        ),
        (
            "residence",
            {"organizations": ["seodaemun"], "dongs": ["연희동"]},
            {"organization": "서대문구"},
            None,
        ),
        ("household_size", {"min": 2}, {"household_size": 1}, False),
        ("household_type", {"in": ["single_parent"]}, {"household_type": "single_parent"}, True),
        ("disability", {"required": True}, {"disability": True}, True),
        ("disability", {"required": True}, {}, None),
        ("employment", {"in": ["unemployed"]}, {"employment": "employed"}, False),
        ("pregnancy", {"required": True}, {"pregnant": True, "age": 30}, True),
        ("child_age", {"min_months": 0, "max_months": 95}, {"children_ages": "3"}, True),
        ("child_age", {"min_months": 0, "max_months": 95}, {"children_ages": "9"}, False),
        ("child_age", {"min_months": 0, "max_months": 90}, {"children_ages": "7"}, None),
        ("child_age", {"max_months": 95}, {"household_type": "single"}, False),
    ],
)
def test_each_kind(seodaemun, kind, params, answers, met):
    svc = service("시험 서비스", rules=[(kind, params)])
    assert evaluate(svc, clean(**answers)).reasons[0].met is met


def test_a_broken_stored_rule_is_unknown(db):
    svc = service("고장", rules=[("age", {"min": "예순"})])
    match = evaluate(svc, clean(age=70))
    assert match.status == "maybe" and match.reasons[0].met is None


def test_match_services_order_and_published_only(seodaemun, django_assert_num_queries):
    pension_parameters()
    service("가 대상아님", rules=[("age", {"max": 30})])
    service("나 기준확인")
    service("다 가능성", rules=[("disability", {"required": True})])
    service("라 받음", rules=[("age", {"min": 60})])
    service("마 받음", rules=[("age", {"min": 18})])
    service("바 비공개", rules=[("age", {"min": 18})], published=False)
    EligibilityRule.objects.create(
        service=service("사 거주", rules=[("age", {"min": 1})]),
        kind="residence",
        params={"organizations": ["seodaemun"]},
        order=9,
    )
    answers = clean(age=70, organization="서대문구")
    with django_assert_num_queries(3):
        results = match_services(answers)
    assert [(m.service.name, m.status) for m in results] == [
        ("라 받음", "eligible"),
        ("마 받음", "eligible"),
        ("사 거주", "eligible"),
        ("다 가능성", "maybe"),
        ("나 기준확인", "unknown"),
        ("가 대상아님", "not_eligible"),
    ]


def test_services_of_another_district_are_left_out(seodaemun, district):
    service("시험구 전용", organization=district, rules=[("age", {"min": 1})])
    service("서대문구 전용", organization=seodaemun, rules=[("age", {"min": 1})])
    names = [m.service.name for m in match_services(clean(age=30, organization="서대문구"))]
    assert names == ["서대문구 전용"]
    assert len(match_services(clean(age=30))) == 2
