"""The demo's service guide: parameters for 2024–2026, the catalogue with real criteria and
rules, the Seoul 120 welfare services, helpers — loaded through the real services, valid, and
idempotent."""

import csv
import datetime
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from sotong.core import vocab
from sotong.core.audit.models import AuditEvent
from sotong.demo import services_demo
from sotong.guide.models import (
    EligibilityRule,
    Parameter,
    Service,
    ServiceLifeStage,
    ServiceSituation,
    ServiceValue,
)
from sotong.helpdesk.models import Helper, HelpRequest
from sotong.org.models import Organization

DATA = services_demo.read(services_demo.SERVICES_FILE)
SEOUL120 = services_demo.read(services_demo.SEOUL120_FILE)
FACETS = {
    "life_stages": ServiceLifeStage,
    "target_groups": vocab.TargetGroup,
    "values": ServiceValue,
    "situations": ServiceSituation,
    "interests": vocab.Interest,
}
SEOUL120_CSV = Path("/work/shared/data/seoul120_faq.csv")
ORGANIZATIONS = {"seoul", "seodaemun", "junggu", "yeongdeungpo"}


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load_demo():
    """The demo government, then the service guide (idempotent if the demo loader already
    calls `load_services` itself)."""
    call_command("demo_load", stdout=StringIO())
    organizations = {org.code: org for org in Organization.objects.all()}
    return services_demo.load_services(organizations)


def snapshot():
    return {
        "services": dict(Service.objects.values_list("pk", "updated_at")),
        "rules": sorted(EligibilityRule.objects.values_list("pk", "service_id", "kind")),
        "parameters": sorted(Parameter.objects.values_list("pk", "code", "key", "amount")),
        "helpers": Helper.objects.count(),
        "requests": sorted(HelpRequest.objects.values_list("pk", "status", "updated_at")),
        "audit": AuditEvent.objects.count(),
    }


# --- the data files, without a database -------------------------------------------------------


@pytest.mark.parametrize("data", [DATA, SEOUL120], ids=["services", "seoul120"])
def test_entries_are_complete_and_use_known_values(data):
    ids = [entry["source_id"] for entry in data["services"]]
    assert len(ids) == len(set(ids))
    fields = {choice for choice, _label in Service.Field.choices}
    kinds = {choice for choice, _label in Service.ProviderKind.choices}
    for entry in data["services"]:
        entry = {**data.get("defaults", {}), **entry}
        where = entry["source_id"]
        for key in ("name", "summary", "field", "provider_name", "provider_kind", "target"):
            assert entry.get(key), f"{where}: {key} missing"
        assert entry.get("source_comment"), f"{where}: no source_comment"
        assert entry["field"] in fields, where
        assert entry["provider_kind"] in kinds, where
        assert entry["source_url"].startswith("https://"), where
        assert entry.get("organization") in (None, *ORGANIZATIONS), where
        for facet, choices in FACETS.items():
            unknown = set(entry.get(facet, [])) - set(choices.values)
            assert not unknown, f"{where}: {facet} {unknown}"
        for rule in entry.get("rules", []):
            assert rule["kind"] in EligibilityRule.Kind.values, where


def test_the_catalogue_has_the_seed_services_and_enough_rules():
    services = DATA["services"]
    assert len(services) >= 25
    assert sum(1 for entry in services if entry["rules"]) >= 12
    names = " ".join(entry["name"] for entry in services)
    for seed_name in (
        "기초연금",
        "양육수당",
        "출산양육지원금",
        "서울아기 건강 첫걸음",
        "희망키움통장",
        "꿈나래통장",
        "희망플러스통장",
        "문화누리카드",
        "보육료",
        "방과후 돌봄",
        "한방진료",
        "드림하티",
        "첫만남이용권",
        "부모급여",
        "아동수당",
        "청년월세",
        "에너지바우처",
        "장애인연금",
        "노인맞춤돌봄서비스",
        "긴급복지",
    ):
        assert seed_name in names, seed_name


def test_the_seoul120_services_come_from_the_knowledge_base():
    services = SEOUL120["services"]
    assert 30 <= len(services) <= 60
    assert SEOUL120["defaults"]["source"] == "seoul120"
    welfare = set()
    if SEOUL120_CSV.exists():  # the original, where this checkout has it
        with SEOUL120_CSV.open(encoding="utf-8") as f:
            welfare = {row["내용번호"] for row in csv.DictReader(f) if row["분류"] == "복지"}
    for entry in services:
        assert entry.get("source", "seoul120") == "seoul120"
        assert entry["source_id"].isdigit()
        assert not welfare or entry["source_id"] in welfare
        assert entry["organization"] == "seoul"
        assert len(entry["summary"]) <= 1000


def test_parameter_rows_cover_2024_to_2026():
    rows = services_demo.parameter_rows(DATA)
    keys = Counter((row["code"], row["valid_from"].year) for row in rows)
    for year in (2024, 2025, 2026):
        assert keys[("median_income", year)] == 7
        assert keys[("basic_pension_threshold", year)] == 2
    by = {(r["code"], r["key"], r["valid_from"].year): r["amount"] for r in rows}
    # The 보건복지부 고시 amounts, and 7 persons = 6 + (6 − 5).
    assert by[("median_income", "1", 2025)] == 2_392_013
    assert by[("median_income", "4", 2026)] == 6_494_738
    for year in (2024, 2025, 2026):
        six, five = by[("median_income", "6", year)], by[("median_income", "5", year)]
        assert by[("median_income", "7", year)] == six + (six - five)
    assert by[("basic_pension_threshold", "single", 2026)] == 2_470_000
    assert by[("basic_pension_threshold", "couple", 2024)] == 3_408_000
    assert all(row["source"] for row in rows)


# --- loading --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_loads_validates_and_a_second_load_changes_nothing():
    from sotong.guide.catalogue import services as services_catalogue

    first = load_demo()
    total = len(DATA["services"]) + len(SEOUL120["services"])
    assert Service.objects.count() == total
    assert Service.objects.filter(source="seoul120").count() == len(SEOUL120["services"])
    assert EligibilityRule.objects.count() == sum(
        len(entry.get("rules", [])) for entry in DATA["services"] + SEOUL120["services"]
    )
    assert first.services_created + first.services_updated <= total

    # Parameters: 2024–2026, sizes 1–7, single and couple, valid from 1 January.
    for year in (2024, 2025, 2026):
        start = datetime.date(year, 1, 1)
        sizes = set(
            Parameter.objects.filter(code="median_income", valid_from=start).values_list(
                "key", flat=True
            )
        )
        assert sizes == {str(n) for n in range(1, 8)}
        pension = set(
            Parameter.objects.filter(code="basic_pension_threshold", valid_from=start).values_list(
                "key", flat=True
            )
        )
        assert pension == {"single", "couple"}

    # Every service validates as the catalogue would check it.
    for service in Service.objects.all():
        services_catalogue._validated(service)
        rules = [{"kind": r.kind, "params": r.params, "text": r.text} for r in service.rules.all()]
        assert services_catalogue.clean_rules(rules) == rules, service.source_id

    pension = Service.objects.get(source="demo", source_id="basic-pension")
    assert pension.organization is None
    assert [r.kind for r in pension.rules.all()] == ["age", "income"]
    assert Service.objects.get(source_id="junggu-dream-hearty").department.name == "복지지원과"
    assert vocab.from_mask(ServiceLifeStage, pension.life_stages) == ["senior"]

    # Helpers of Seodaemun, and requests in every open and closed state.
    assert Helper.objects.filter(organization__code="seodaemun").count() == 3
    statuses = set(HelpRequest.objects.values_list("status", flat=True))
    assert statuses == {"requested", "assigned", "in_progress", "done", "cancelled"}
    assert HelpRequest.objects.get(status="done").survey.satisfaction == 5

    # Each district has a member of staff who keeps its catalogue (own organisation only).
    from sotong.accounts.models import User
    from sotong.guide.catalogue.permissions import can_edit_service

    keeper = User.objects.get(email="seodaemun.teamlead2@demo.sotong.kr")
    from sotong.org.models import Organization

    assert keeper.is_staff
    assert can_edit_service(keeper, Organization.objects.get(code="seodaemun").pk)
    assert not can_edit_service(keeper, Organization.objects.get(code="junggu").pk)
    assert not can_edit_service(keeper, None)  # national services: superusers only

    before = snapshot()
    second = load_demo()
    assert second.services_created == second.services_updated == 0
    assert second.parameters == second.helpers == second.help_requests == 0
    assert snapshot() == before


@pytest.mark.django_db
def test_a_changed_parameter_is_corrected_and_audited():
    load_demo()
    row = Parameter.objects.get(code="median_income", key="1", valid_from=datetime.date(2026, 1, 1))
    row.amount = 1
    row.save()
    assert services_demo.load_parameters(DATA) == 1
    row.refresh_from_db()
    assert row.amount == 2_564_238
    event = AuditEvent.objects.filter(action="services.parameter.load").latest("pk")
    assert event.after["updated"] == 1


@pytest.mark.django_db
def test_a_missing_department_is_a_clear_error():
    call_command("demo_load", stdout=StringIO())
    organizations = {org.code: org for org in Organization.objects.all()}
    data = {
        "services": [{**DATA["services"][2], "department": "없는과"}],
        "defaults": DATA["defaults"],
    }
    with pytest.raises(services_demo.DemoServicesError, match="없는과"):
        services_demo.load_catalogue(data, organizations, services_demo.ServicesResult())


# --- the acceptance: who gets 기초연금 ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("age", "status"), [(65, "eligible"), (40, "not_eligible")])
def test_basic_pension_for_a_seodaemun_resident(age, status):
    eligibility = pytest.importorskip("sotong.guide.eligibility.engine")
    load_demo()
    on_date = datetime.date(2026, 11, 22)
    answers = eligibility.answers_clean(
        {
            "on_date": on_date.isoformat(),
            "age": age,
            "organization": "seodaemun",
            "household_size": 1,
            "household_type": "single",
            "monthly_income": 1_000_000,
        }
    )
    pension = Service.objects.get(source="demo", source_id="basic-pension")
    match = eligibility.evaluate(pension, answers, on_date)
    assert match.status == status
    matches = {m.service.pk: m for m in eligibility.match_services(answers, on_date=on_date)}
    assert matches[pension.pk].status == status
