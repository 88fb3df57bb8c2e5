"""Test data of the eligibility tests (plain functions; the fixtures live in each module)."""

from __future__ import annotations

from datetime import date

from sotong.guide.models import EligibilityRule, Parameter, Service
from sotong.org.models import Dong, Organization

PENSION_SOURCE = "보건복지부 고시 2025-xxx"


def seoul_and_seodaemun() -> tuple[Organization, Organization]:
    seoul = Organization.objects.create(
        code="seoul", name="서울특별시", kind=Organization.Kind.CITY, head_title="시장"
    )
    seodaemun = Organization.objects.create(
        code="seodaemun",
        name="서대문구",
        kind=Organization.Kind.DISTRICT,
        parent=seoul,
        head_title="구청장",
    )
    Dong.objects.create(organization=seodaemun, name="신촌동")
    Dong.objects.create(organization=seodaemun, name="연희동")
    return seoul, seodaemun


def pension_parameters(year: int = 2026, single: int = 2_470_000, couple: int = 3_952_000):
    for key, amount in (("single", single), ("couple", couple)):
        Parameter.objects.create(
            code="basic_pension_threshold",
            key=key,
            valid_from=date(year, 1, 1),
            amount=amount,
            label=f"{year}년 기초연금 선정기준액",
            source=PENSION_SOURCE,
        )


# 기준중위소득 (illustrative amounts; the tests only need a dated table).
MEDIAN_2024 = {1: 2_228_445, 2: 3_682_609, 3: 4_714_657, 4: 5_729_913, 5: 6_695_735, 6: 7_618_369}
MEDIAN_2026 = {1: 2_564_238, 2: 4_199_292, 3: 5_359_036, 4: 6_494_738, 5: 7_556_719, 6: 8_555_952}


def median_parameters(year: int, table: dict[int, int]) -> None:
    for size, amount in table.items():
        Parameter.objects.create(
            code="median_income",
            key=str(size),
            valid_from=date(year, 1, 1),
            amount=amount,
            source=f"보건복지부 고시 {year - 1}-xxx",
        )


def service(name: str, *, rules=(), organization=None, published=True, criteria="", **extra):
    svc = Service.objects.create(
        name=name,
        summary=f"{name} 안내",
        field=Service.Field.LIVELIHOOD,
        provider_name="보건복지부",
        provider_kind=Service.ProviderKind.CENTRAL,
        organization=organization,
        published=published,
        criteria=criteria,
        **extra,
    )
    for order, (kind, params) in enumerate(rules):
        EligibilityRule.objects.create(service=svc, kind=kind, params=params, order=order)
    return svc


def basic_pension(organization=None) -> Service:
    return service(
        "기초연금",
        organization=organization,
        rules=[
            ("age", {"min": 65}),
            ("income", {"parameter": "basic_pension_threshold", "by": "household"}),
        ],
    )
