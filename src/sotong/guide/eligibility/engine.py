"""Who may get a service: a resident's questionnaire answers against the service's structured
rules (`EligibilityRule`), with the reason of every verdict in words.

- `answers_clean(data)` checks raw answers (a form's or the API's) and gives `Answers`, or a
  `ValidationError` naming each wrong field in Korean.
- `rule_validate(kind, params)` checks a rule's params (the catalogue calls it before saving).
- `rule_text(rule)` says a rule in words ("나이 만 65세 이상").
- `evaluate(service, answers, on_date)` gives a `Match`: status "eligible" (every rule met),
  "not_eligible" (one rule not met), "maybe" (none failed, some could not be checked for lack of
  an answer or of a parameter) or "unknown" (the service has no structured rule: read its
  criteria), and one `Reason` per rule.
- `match_services(answers, ...)` evaluates published services and orders the results: eligible,
  maybe, unknown, not_eligible; by name within each.

Nothing here writes to the database. Answers are personal data: never log or audit them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sotong.guide.eligibility.parameters import KEY_NAMES, ParameterTable
from sotong.guide.models import EligibilityRule, Service
from sotong.org.models import Organization

from .answers import (
    AGE_MAX,
    CRITERIA_TEXT_MAX,
    EMPLOYMENT_STATUSES,
    HOUSEHOLD_MAX,
    HOUSEHOLD_TYPES,
    MONTHS_MAX,
    Answers,
    answers_clean,
)
from .rules import rule_validate

__all__ = [
    "EMPLOYMENT_STATUSES",
    "HOUSEHOLD_TYPES",
    "STATUSES",
    "Answers",
    "EvaluationContext",
    "Match",
    "Reason",
    "answers_clean",
    "evaluate",
    "match_services",
    "rule_text",
    "rule_validate",
]

ELIGIBLE, MAYBE, UNKNOWN, NOT_ELIGIBLE = "eligible", "maybe", "unknown", "not_eligible"
STATUSES = (ELIGIBLE, MAYBE, UNKNOWN, NOT_ELIGIBLE)  # the order of the results
STATUS_LABELS = {
    ELIGIBLE: gettext_lazy("받을 수 있어요"),
    MAYBE: gettext_lazy("받을 수 있을지도 몰라요"),
    UNKNOWN: gettext_lazy("선정 기준을 확인하세요"),
    NOT_ELIGIBLE: gettext_lazy("대상이 아니에요"),
}


@dataclass(frozen=True)
class Reason:
    """One rule's verdict: `met` True/False, or None when it could not be checked. `text` says
    the rule and the verdict in words; `detail` what it was checked against."""

    rule: str
    met: bool | None
    text: str
    detail: str = ""

    @property
    def mark(self) -> str:
        return {True: "✓", False: "✗"}.get(self.met, "?")


@dataclass
class Match:
    service: Service
    status: str
    reasons: list[Reason] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


class EvaluationContext:
    """What evaluating many services shares: the parameters in force and the organisations."""

    def __init__(self, on_date: date) -> None:
        self.on_date = on_date
        self.parameters = ParameterTable(on_date)
        self._organizations: dict[str, Organization] | None = None

    def organization(self, code: str) -> Organization | None:
        if self._organizations is None:
            self._organizations = {
                org.code: org for org in Organization.objects.select_related("parent")
            }
        return self._organizations.get(code)


def _won(amount: int) -> str:
    return _("월 %(amount)s원") % {"amount": f"{amount:,}"}


def _months(months: int) -> str:
    return _("%(months)s개월") % {"months": months}


def _labels(values: Iterable[str], choices: tuple) -> str:
    names = dict(choices)
    return _(" 또는 ").join(str(names.get(v, v)) for v in values)


def _full_name(org: Organization | None, code: str) -> str:
    if org is None:
        return code
    if org.parent is not None:
        return f"{org.parent.name} {org.name}"
    return org.name


def _words(kind: str, params: Mapping[str, Any], ctx: EvaluationContext | None) -> str:
    """The rule in words, without a verdict."""
    if kind == "age":
        if "min" in params and "max" in params:
            return _("나이 만 %(min)s세 이상 %(max)s세 이하") % params
        if "min" in params:
            return _("나이 만 %(min)s세 이상") % params
        return _("나이 만 %(max)s세 이하") % params
    if kind == "household_size":
        if "min" in params and "max" in params:
            return _("가구원 수 %(min)s명 이상 %(max)s명 이하") % params
        if "min" in params:
            return _("가구원 수 %(min)s명 이상") % params
        return _("가구원 수 %(max)s명 이하") % params
    if kind == "child_age":
        low, high = params.get("min_months"), params.get("max_months")
        if low is not None and high is not None:
            return _("자녀 나이 %(min)s 이상 %(max)s 이하") % {
                "min": _months(low),
                "max": _months(high),
            }
        if low is not None:
            return _("자녀 나이 %(min)s 이상") % {"min": _months(low)}
        return _("자녀 나이 %(max)s 이하") % {"max": _months(high)}
    if kind == "household_type":
        return _("가구 유형 %(types)s") % {"types": _labels(params.get("in", ()), HOUSEHOLD_TYPES)}
    if kind == "employment":
        return _("취업 상태 %(statuses)s") % {
            "statuses": _labels(params.get("in", ()), EMPLOYMENT_STATUSES)
        }
    if kind == "disability":
        return _("장애인") if params.get("required", True) else _("장애가 없는 분")
    if kind == "pregnancy":
        return _("임신 중") if params.get("required", True) else _("임신하지 않은 분")
    if kind == "residence":
        ctx = ctx or EvaluationContext(timezone.localdate())
        names = ", ".join(
            _full_name(ctx.organization(code), code) for code in params.get("organizations", ())
        )
        if params.get("dongs"):
            names += f" ({', '.join(params['dongs'])})"
        return _("거주지 %(names)s") % {"names": names}
    if kind == "income":
        if "percent_of_median" in params:
            return _("소득 기준중위소득 %(percent)s%% 이하") % {
                "percent": params["percent_of_median"]
            }
        ctx = ctx or EvaluationContext(timezone.localdate())
        name = ctx.parameters.label(params.get("parameter", ""))
        by = params.get("by", "household")
        if by in KEY_NAMES:
            name = f"{name}({KEY_NAMES[by]!s})"
        return _("소득 %(name)s 이하") % {"name": name}
    return str(kind)


def _rule_parts(rule: EligibilityRule | Mapping[str, Any]) -> tuple[str, dict, str]:
    if isinstance(rule, Mapping):
        return rule.get("kind", ""), dict(rule.get("params") or {}), rule.get("text", "") or ""
    return rule.kind, dict(rule.params or {}), rule.text or ""


def rule_text(
    rule: EligibilityRule | Mapping[str, Any], *, _ctx: EvaluationContext | None = None
) -> str:
    """The rule in words: its own `text` when staff wrote one, else generated
    ("나이 만 65세 이상", "소득 기준중위소득 50% 이하", "거주지 서울특별시 서대문구")."""
    kind, params, text = _rule_parts(rule)
    return text or _words(kind, params, _ctx)


def _check(kind: str, params: Mapping[str, Any], answers: Answers, ctx: EvaluationContext):
    """(met, detail) of one rule; met None when an answer or a parameter is missing."""
    if kind == "age":
        if answers.age is None:
            return None, _("나이나 생년월일을 입력하면 확인할 수 있습니다.")
        ok = params.get("min", 0) <= answers.age <= params.get("max", AGE_MAX)
        return ok, _("입력: 만 %(age)s세") % {"age": answers.age}
    if kind == "household_size":
        size = answers.household_size or (1 if answers.household_type == "single" else None)
        if size is None:
            return None, _("가구원 수를 입력하면 확인할 수 있습니다.")
        ok = params.get("min", 1) <= size <= params.get("max", HOUSEHOLD_MAX)
        return ok, _("입력: %(size)s명") % {"size": size}
    if kind == "household_type":
        if answers.household_type is None:
            return None, _("가구 유형을 고르면 확인할 수 있습니다.")
        label = dict(HOUSEHOLD_TYPES)[answers.household_type]
        return answers.household_type in params.get("in", ()), _("입력: %(v)s") % {"v": label}
    if kind == "employment":
        if answers.employment is None:
            return None, _("취업 상태를 고르면 확인할 수 있습니다.")
        label = dict(EMPLOYMENT_STATUSES)[answers.employment]
        return answers.employment in params.get("in", ()), _("입력: %(v)s") % {"v": label}
    if kind in ("disability", "pregnancy"):
        value = answers.disability if kind == "disability" else answers.pregnant
        if value is None:
            return None, _("이 질문에 답하면 확인할 수 있습니다.")
        return value == params.get("required", True), (
            _("입력: 예") if value else _("입력: 아니요")
        )
    if kind == "child_age":
        return _check_children(params, answers)
    if kind == "residence":
        if answers.organization is None:
            return None, _("사는 구를 입력하면 확인할 수 있습니다.")
        where = _full_name(answers.organization, answers.organization.code)
        if not answers.organization_codes & set(params.get("organizations", ())):
            return False, _("입력: %(where)s") % {"where": where}
        if params.get("dongs"):
            if answers.dong is None:
                return None, _("사는 행정동을 입력하면 확인할 수 있습니다.")
            where = f"{where} {answers.dong.name}"
            return answers.dong.name in params["dongs"], _("입력: %(where)s") % {"where": where}
        return True, _("입력: %(where)s") % {"where": where}
    if kind == "income":
        return _check_income(params, answers, ctx)
    return None, _("이 기준은 자동으로 확인할 수 없습니다.")


def _check_children(params: Mapping[str, Any], answers: Answers):
    children = answers.children_ages
    if children is None and answers.household_type in ("single", "couple"):
        children = ()
    if children is None:
        return None, _("자녀 나이를 입력하면 확인할 수 있습니다.")
    if not children:
        return False, _("입력: 자녀 없음")
    low, high = params.get("min_months", 0), params.get("max_months", MONTHS_MAX)
    detail = _("입력: 자녀 만 %(ages)s세") % {"ages": ", ".join(map(str, children))}
    partly = False
    for years in children:
        first, last = 12 * years, 12 * years + 11  # the months a child of this age may be
        if low <= first and last <= high:
            return True, detail
        if first <= high and low <= last:
            partly = True
    if partly:
        return None, detail + " — " + _("개월 수에 따라 달라집니다. 자녀의 생일로 확인하세요.")
    return False, detail


def _check_income(params: Mapping[str, Any], answers: Answers, ctx: EvaluationContext):
    day = ctx.on_date.isoformat()
    missing_parameter = _(
        "%(date)s에 적용되는 기준값이 등록되어 있지 않습니다. 담당 기관에 문의하세요."
    ) % {"date": day}
    if answers.monthly_income is None:
        return None, _("가구 월 소득을 입력하면 확인할 수 있습니다.")
    if "percent_of_median" in params:
        size = answers.household_size or (1 if answers.household_type == "single" else None)
        if size is None:
            return None, _("가구원 수를 입력하면 확인할 수 있습니다.")
        median = ctx.parameters.median_income(size)
        if median is None:
            return None, missing_parameter
        limit = median * params["percent_of_median"] // 100
        label = _("%(size)s인 가구 기준 %(limit)s") % {"size": size, "limit": _won(limit)}
    else:
        by = params.get("by", "household")
        if by == "household":
            if answers.household_type is not None:
                by = "couple" if answers.household_type == "couple" else "single"
            elif answers.household_size == 1:
                by = "single"
            else:
                return None, _("가구 유형을 고르면 확인할 수 있습니다.")
        limit = ctx.parameters.amount(params.get("parameter", ""), by)
        if limit is None:
            return None, missing_parameter
        label = _("%(key)s 기준 %(limit)s") % {
            "key": str(KEY_NAMES.get(by, by)),
            "limit": _won(limit),
        }
    ok = answers.monthly_income <= limit
    return ok, _("%(label)s, 입력 %(income)s") % {
        "label": label,
        "income": _won(answers.monthly_income),
    }


def _verdict_text(words: str, met: bool | None) -> str:
    if met is None:
        return _("%(rule)s — 정보 부족") % {"rule": words}
    return f"{words} {'✓' if met else '✗'}"


def _evaluate(service: Service, answers: Answers, ctx: EvaluationContext) -> Match:
    rules = list(service.rules.all())
    if not rules:
        criteria = " ".join((service.criteria or "").split())[:CRITERIA_TEXT_MAX]
        text = _("선정 기준을 확인하세요")
        if criteria:
            text = f"{text}: {criteria}"
        return Match(service, UNKNOWN, [Reason(rule="criteria", met=None, text=text)])
    reasons = []
    for rule in rules:
        words = rule_text(rule, _ctx=ctx)
        try:
            met, detail = _check(rule.kind, rule.params or {}, answers, ctx)
        except (KeyError, TypeError, ValueError):
            # A rule stored before validation (or by hand): say so rather than fail the page.
            met, detail = None, _("이 기준은 자동으로 확인할 수 없습니다.")
        reasons.append(
            Reason(rule=rule.kind, met=met, text=_verdict_text(words, met), detail=detail)
        )
    verdicts = [reason.met for reason in reasons]
    if False in verdicts:
        status = NOT_ELIGIBLE
    elif None in verdicts:
        status = MAYBE
    else:
        status = ELIGIBLE
    return Match(service, status, reasons)


def evaluate(
    service: Service,
    answers: Answers,
    on_date: date | None = None,
    *,
    context: EvaluationContext | None = None,
) -> Match:
    """The verdict of one service for these answers on `on_date` (default: the answers' date).
    Evaluating many, pass one `context` (EvaluationContext(on_date)) to share its lookups."""
    return _evaluate(service, answers, context or EvaluationContext(on_date or answers.on_date))


def for_resident(service: Service, answers: Answers) -> bool:
    """False for a service of another district than the resident's (when one was given)."""
    codes = answers.organization_codes
    return not (
        codes and service.organization is not None and service.organization.code not in codes
    )


def service_path(service: Service) -> str:
    """The path of the service's card (or of this questionnaire focused on it while the
    catalogue pages are not installed)."""
    try:
        return service.get_absolute_url()
    except NoReverseMatch:
        return reverse("services:eligibility") + f"?service={service.pk}"


def services_for_matching(queryset: QuerySet | None = None) -> QuerySet:
    """Published services with their rules (two queries however many)."""
    queryset = Service.objects.all() if queryset is None else queryset
    return (
        queryset.filter(published=True)
        .select_related("organization")
        .prefetch_related(
            Prefetch("rules", queryset=EligibilityRule.objects.order_by("order", "pk"))
        )
    )


def _order(match: Match) -> tuple:
    return (STATUSES.index(match.status), match.service.name, match.service.pk)


def match_services(
    answers: Answers,
    *,
    on_date: date | None = None,
    services: QuerySet | Iterable[Service] | None = None,
) -> list[Match]:
    """Evaluate services (default: every published service) and order the results: eligible,
    maybe, unknown, not_eligible, by name within each. A service of another district than the
    resident's (when one was given) is left out: it is not for them, whatever its rules."""
    ctx = EvaluationContext(on_date or answers.on_date)
    if services is None or isinstance(services, QuerySet):
        services = services_for_matching(services)
    matches = [_evaluate(s, answers, ctx) for s in services if for_resident(s, answers)]
    matches.sort(key=_order)
    return matches
