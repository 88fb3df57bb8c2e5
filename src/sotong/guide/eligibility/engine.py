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

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sotong.guide.eligibility.parameters import KEY_NAMES, ParameterTable
from sotong.guide.models import EligibilityRule, Service
from sotong.org.models import Dong, Organization

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

HOUSEHOLD_TYPES = (
    ("single", gettext_lazy("1인 가구")),
    ("couple", gettext_lazy("부부 가구")),
    ("with_children", gettext_lazy("자녀가 있는 가구")),
    ("single_parent", gettext_lazy("한부모 가구")),
    ("grandparent", gettext_lazy("조손 가구")),
    ("multicultural", gettext_lazy("다문화 가구")),
    ("other", gettext_lazy("그 밖의 가구")),
)
EMPLOYMENT_STATUSES = (
    ("employed", gettext_lazy("직장인")),
    ("self_employed", gettext_lazy("자영업")),
    ("unemployed", gettext_lazy("구직 중(실업)")),
    ("student", gettext_lazy("학생")),
    ("retired", gettext_lazy("은퇴")),
    ("other", gettext_lazy("그 밖의 상태")),
)
HOUSEHOLD_TYPE_VALUES = tuple(value for value, _label in HOUSEHOLD_TYPES)
EMPLOYMENT_VALUES = tuple(value for value, _label in EMPLOYMENT_STATUSES)

ELIGIBLE, MAYBE, UNKNOWN, NOT_ELIGIBLE = "eligible", "maybe", "unknown", "not_eligible"
STATUSES = (ELIGIBLE, MAYBE, UNKNOWN, NOT_ELIGIBLE)  # the order of the results
STATUS_LABELS = {
    ELIGIBLE: gettext_lazy("받을 수 있어요"),
    MAYBE: gettext_lazy("받을 수 있을지도 몰라요"),
    UNKNOWN: gettext_lazy("선정 기준을 확인하세요"),
    NOT_ELIGIBLE: gettext_lazy("대상이 아니에요"),
}

AGE_MAX = 120
HOUSEHOLD_MAX = 20
INCOME_MAX = 1_000_000_000
CHILD_AGE_MAX = 30
CHILDREN_MAX = 15
MONTHS_MAX = 12 * CHILD_AGE_MAX + 11
PERCENT_MAX = 1000
# The youngest a parent may be than their child (a child older than the resident − 12 is a typo).
PARENT_GAP = 12
ON_DATE_MIN = date(2000, 1, 1)
ON_DATE_MAX = date(2100, 12, 31)
CRITERIA_TEXT_MAX = 300
TRUE_WORDS = {"true", "1", "on", "yes", "y", "예", "네"}
FALSE_WORDS = {"false", "0", "off", "no", "n", "아니요", "아니오"}
CODE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,59}$")
# PostgreSQL refuses NUL in a query; no name holds a control character anyway.
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


# --- answers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answers:
    """Checked questionnaire answers; None = not answered. `age` is the 만 나이 on `on_date`
    (from `birth_date` when given)."""

    on_date: date
    on_date_given: bool = False
    age: int | None = None
    age_given: int | None = None
    birth_date: date | None = None
    organization: Organization | None = None
    dong: Dong | None = None
    household_size: int | None = None
    monthly_income: int | None = None
    household_type: str | None = None
    disability: bool | None = None
    employment: str | None = None
    pregnant: bool | None = None
    children_ages: tuple[int, ...] | None = None

    def as_data(self, *, with_on_date: bool = True) -> dict[str, Any]:
        """The answers as JSON-ready raw values that `answers_clean` accepts again (for the
        session and `SavedProfile`). Unanswered questions are left out."""
        data: dict[str, Any] = {
            "age": self.age_given,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "organization": self.organization.code if self.organization else None,
            "dong": self.dong.name if self.dong else None,
            "household_size": self.household_size,
            "monthly_income": self.monthly_income,
            "household_type": self.household_type,
            "disability": self.disability,
            "employment": self.employment,
            "pregnant": self.pregnant,
            "children_ages": list(self.children_ages) if self.children_ages is not None else None,
        }
        if with_on_date and self.on_date_given:
            data["on_date"] = self.on_date.isoformat()
        return {key: value for key, value in data.items() if value is not None}

    @property
    def organization_codes(self) -> set[str]:
        """The resident's district and its city (a city's rule covers its districts)."""
        if self.organization is None:
            return set()
        codes = {self.organization.code}
        parent = self.organization.parent
        if parent is not None:
            codes.add(parent.code)
        return codes


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _int(value: Any, lo: int, hi: int) -> int:
    """An integer within [lo, hi]; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        value = int(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace(" ", "")
        if not re.fullmatch(r"-?\d{1,12}", text):
            raise ValueError
        value = int(text)
    if not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError
    return value


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS:
        return True
    if isinstance(value, str) and value.strip().lower() in FALSE_WORDS:
        return False
    raise ValueError


def _date(value: Any) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return date.fromisoformat(value.strip())
    raise ValueError


def _children(value: Any) -> tuple[int, ...]:
    if isinstance(value, str):
        parts = [part for part in re.split(r"[,，、\s]+", value.strip()) if part]
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        raise ValueError
    return tuple(_int(part, 0, CHILD_AGE_MAX) for part in parts)


def _age_on(birth_date: date, on_date: date) -> int:
    """만 나이 on a date."""
    before_birthday = (on_date.month, on_date.day) < (birth_date.month, birth_date.day)
    return on_date.year - birth_date.year - (1 if before_birthday else 0)


def find_organization(value: str) -> Organization | None:
    """An organisation by code ("seodaemun"), name ("서대문구") or full name ("서울특별시
    서대문구")."""
    text = " ".join(str(value).split())
    if not text or CONTROL_RE.search(text) or len(text) > 100:
        return None
    queryset = Organization.objects.select_related("parent")
    found = queryset.filter(code=text.lower()).first() or queryset.filter(name=text).first()
    if found is None and " " in text:
        parent_name, name = text.rsplit(" ", 1)
        found = queryset.filter(name=name, parent__name=parent_name).first()
    return found


def answers_clean(data: Mapping[str, Any]) -> Answers:
    """Check raw answers (strings from a form, typed values from JSON). Every question is
    optional; out-of-range values and contradictions raise one ValidationError with a Korean
    message per field."""
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    def get(name: str) -> Any:
        value = data.get(name)
        return None if _blank(value) else value

    today = timezone.localdate()
    on_date, on_date_given = today, False
    if get("on_date") is not None:
        try:
            on_date = _date(get("on_date"))
            on_date_given = True
            if not ON_DATE_MIN <= on_date <= ON_DATE_MAX:
                raise ValueError
        except ValueError:
            on_date = today
            fail(
                "on_date",
                _("기준일은 2000-01-01부터 2100-12-31 사이의 날짜(YYYY-MM-DD)로 입력하세요."),
            )

    def number(name: str, lo: int, hi: int, message: str) -> int | None:
        if get(name) is None:
            return None
        try:
            return _int(get(name), lo, hi)
        except ValueError:
            fail(name, message)
            return None

    def choice(name: str, values: tuple[str, ...], message: str) -> str | None:
        value = get(name)
        if value is None:
            return None
        if not isinstance(value, str) or value.strip() not in values:
            fail(name, message)
            return None
        return value.strip()

    def boolean(name: str, message: str) -> bool | None:
        if get(name) is None:
            return None
        try:
            return _bool(get(name))
        except ValueError:
            fail(name, message)
            return None

    age_given = number("age", 0, AGE_MAX, _("나이는 0부터 120 사이의 정수(만 나이)로 입력하세요."))
    birth_date = None
    if get("birth_date") is not None:
        try:
            birth_date = _date(get("birth_date"))
        except ValueError:
            fail("birth_date", _("생년월일은 YYYY-MM-DD 형식의 날짜로 입력하세요."))
        else:
            if birth_date > today:
                fail("birth_date", _("생년월일은 오늘보다 뒤일 수 없습니다."))
                birth_date = None
            elif birth_date > on_date:
                fail("birth_date", _("생년월일이 기준일보다 뒤입니다."))
                birth_date = None
            elif _age_on(birth_date, on_date) > AGE_MAX:
                fail("birth_date", _("생년월일을 확인하세요 (만 120세를 넘습니다)."))
                birth_date = None
    age = age_given
    if birth_date is not None:
        age = _age_on(birth_date, on_date)
        if age_given is not None and age_given != age:
            message = _(
                "나이(만 %(age)s세)와 생년월일(기준일에 만 %(computed)s세)이 맞지 않습니다. "
                "둘 중 하나만 입력하거나 바로잡으세요."
            ) % {"age": age_given, "computed": age}
            fail("age", message)
            fail("birth_date", message)

    organization = None
    if get("organization") is not None:
        value = get("organization")
        organization = find_organization(value) if isinstance(value, str | int) else None
        if organization is None:
            fail(
                "organization",
                _(
                    "'%(value)s' 기관을 찾을 수 없습니다. 구 이름(예: 서대문구)이나 영문 코드를 입력하세요."
                )
                % {"value": str(value)[:50]},
            )
    dong = None
    if get("dong") is not None:
        name = " ".join(str(get("dong")).split())[:50]
        if CONTROL_RE.search(name):
            name = "?"
        if organization is None:
            if "organization" not in errors:
                fail("dong", _("행정동을 입력하려면 사는 구도 입력하세요."))
        else:
            dong = organization.dongs.filter(name=name).first()
            if dong is None:
                fail(
                    "dong",
                    _("'%(dong)s'은(는) %(organization)s의 행정동이 아닙니다.")
                    % {"dong": name[:30], "organization": organization.name},
                )

    household_size = number(
        "household_size", 1, HOUSEHOLD_MAX, _("가구원 수는 1부터 20 사이의 정수로 입력하세요.")
    )
    monthly_income = number(
        "monthly_income",
        0,
        INCOME_MAX,
        _("월 소득은 0원부터 1,000,000,000원 사이의 금액(원)으로 입력하세요."),
    )
    household_type = choice(
        "household_type", HOUSEHOLD_TYPE_VALUES, _("가구 유형을 목록에서 고르세요.")
    )
    disability = boolean("disability", _("장애 여부는 예 또는 아니요로 답하세요."))
    employment = choice("employment", EMPLOYMENT_VALUES, _("취업 상태를 목록에서 고르세요."))
    pregnant = boolean("pregnant", _("임신 여부는 예 또는 아니요로 답하세요."))
    children_ages = None
    if data.get("children_ages") is not None and not _blank(data.get("children_ages")):
        try:
            children_ages = _children(data.get("children_ages"))
            if len(children_ages) > CHILDREN_MAX:
                raise ValueError
        except ValueError:
            children_ages = None
            fail(
                "children_ages",
                _(
                    "자녀 나이는 0부터 30 사이의 정수를 쉼표로 나누어 15명까지 입력하세요 (예: 3, 7)."
                ),
            )
    elif isinstance(data.get("children_ages"), list | tuple):
        children_ages = ()  # an explicit empty list: no children

    # Contradictions.
    if age is not None and children_ages and max(children_ages) > age - PARENT_GAP:
        fail(
            "children_ages",
            _(
                "자녀 나이(만 %(child)s세)가 본인 나이(만 %(age)s세)에 비해 너무 많습니다. 확인하세요."
            )
            % {"child": max(children_ages), "age": age},
        )
    if household_size is not None and children_ages and household_size < 1 + len(children_ages):
        fail(
            "household_size",
            _("가구원 수(%(size)s명)가 본인과 자녀 %(children)s명을 더한 수보다 적습니다.")
            % {"size": household_size, "children": len(children_ages)},
        )
    if household_type == "single" and household_size is not None and household_size > 1:
        fail("household_size", _("1인 가구라면 가구원 수는 1명입니다."))
    if household_type == "couple" and household_size == 1:
        fail("household_size", _("부부 가구라면 가구원 수는 2명 이상입니다."))
    if pregnant and age is not None and age < 10:
        fail("pregnant", _("나이(만 %(age)s세)와 임신 여부가 맞지 않습니다.") % {"age": age})

    if errors:
        raise ValidationError(errors)
    return Answers(
        on_date=on_date,
        on_date_given=on_date_given,
        age=age,
        age_given=age_given,
        birth_date=birth_date,
        organization=organization,
        dong=dong,
        household_size=household_size,
        monthly_income=monthly_income,
        household_type=household_type,
        disability=disability,
        employment=employment,
        pregnant=pregnant,
        children_ages=children_ages,
    )


# --- rules -------------------------------------------------------------------------------------

RULE_KEYS = {
    "age": {"min", "max"},
    "residence": {"organizations", "dongs"},
    "income": {"percent_of_median", "parameter", "by"},
    "household_size": {"min", "max"},
    "household_type": {"in"},
    "disability": {"required"},
    "employment": {"in"},
    "pregnancy": {"required"},
    "child_age": {"min_months", "max_months"},
}


def _range(params: Mapping, low: str, high: str, top: int, label: str) -> dict[str, int]:
    result = {}
    for key in (low, high):
        if params.get(key) is not None:
            try:
                result[key] = _int(params[key], 0, top)
            except ValueError:
                raise ValidationError(
                    _("%(label)s 기준 '%(key)s'은(는) 0부터 %(top)s 사이의 정수여야 합니다.")
                    % {"label": label, "key": key, "top": top}
                ) from None
    if not result:
        raise ValidationError(
            _("%(label)s 기준에는 '%(low)s'나 '%(high)s' 중 하나 이상이 있어야 합니다.")
            % {"label": label, "low": low, "high": high}
        )
    if low in result and high in result and result[low] > result[high]:
        raise ValidationError(
            _("%(label)s 기준의 '%(low)s'이(가) '%(high)s'보다 큽니다.")
            % {"label": label, "low": low, "high": high}
        )
    return result


def _members(params: Mapping, allowed: tuple[str, ...], label: str) -> dict[str, list[str]]:
    values = params.get("in")
    if not isinstance(values, list | tuple) or not values:
        raise ValidationError(_("%(label)s 기준에는 'in' 목록이 있어야 합니다.") % {"label": label})
    wrong = [str(v) for v in values if v not in allowed]
    if wrong:
        raise ValidationError(
            _("%(label)s 기준의 값 %(wrong)s은(는) 쓸 수 없습니다. 쓸 수 있는 값: %(allowed)s")
            % {"label": label, "wrong": ", ".join(wrong), "allowed": ", ".join(allowed)}
        )
    return {"in": list(dict.fromkeys(values))}


def rule_validate(kind: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Normalised `params` of a rule of `kind`, or a ValidationError with a Korean message."""
    if kind not in RULE_KEYS:
        raise ValidationError(
            _("자격 기준 종류 '%(kind)s'은(는) 없습니다. 쓸 수 있는 종류: %(kinds)s")
            % {"kind": str(kind)[:30], "kinds": ", ".join(RULE_KEYS)}
        )
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise ValidationError(_("자격 기준값은 객체(JSON object)여야 합니다."))
    label = str(EligibilityRule.Kind(kind).label)
    extra = sorted(set(params) - RULE_KEYS[kind])
    if extra:
        raise ValidationError(
            _("%(label)s 기준에 모르는 항목이 있습니다: %(keys)s")
            % {"label": label, "keys": ", ".join(map(str, extra))}
        )
    if kind == "age":
        return _range(params, "min", "max", AGE_MAX, label)
    if kind == "household_size":
        result = _range(params, "min", "max", HOUSEHOLD_MAX, label)
        if result.get("min") == 0 or result.get("max") == 0:
            raise ValidationError(_("가구원 수 기준은 1명 이상이어야 합니다."))
        return result
    if kind == "child_age":
        return _range(params, "min_months", "max_months", MONTHS_MAX, label)
    if kind == "household_type":
        return _members(params, HOUSEHOLD_TYPE_VALUES, label)
    if kind == "employment":
        return _members(params, EMPLOYMENT_VALUES, label)
    if kind in ("disability", "pregnancy"):
        required = params.get("required", True)
        if not isinstance(required, bool):
            raise ValidationError(
                _("%(label)s 기준의 'required'는 true 또는 false여야 합니다.") % {"label": label}
            )
        return {"required": required}
    if kind == "residence":
        return _residence_validate(params)
    return _income_validate(params)


def _residence_validate(params: Mapping) -> dict[str, Any]:
    codes = params.get("organizations")
    if (
        not isinstance(codes, list | tuple)
        or not codes
        or not all(isinstance(c, str) for c in codes)
    ):
        raise ValidationError(_("거주지 기준에는 기관 코드 목록 'organizations'가 있어야 합니다."))
    codes = list(dict.fromkeys(c.strip().lower() for c in codes))
    wrong = [c for c in codes if not CODE_RE.match(c)]
    if wrong:
        raise ValidationError(
            _("거주지 기준의 기관 코드는 영문 소문자로 씁니다: %(codes)s")
            % {"codes": ", ".join(repr(c) for c in wrong)}
        )
    found = set(Organization.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationError(
            _("거주지 기준의 기관 코드 %(codes)s이(가) 없습니다.") % {"codes": ", ".join(missing)}
        )
    result: dict[str, Any] = {"organizations": codes}
    dongs = params.get("dongs")
    if dongs:
        if not isinstance(dongs, list | tuple) or not all(isinstance(d, str) for d in dongs):
            raise ValidationError(_("거주지 기준의 'dongs'는 행정동 이름 목록이어야 합니다."))
        dongs = list(dict.fromkeys(" ".join(d.split()) for d in dongs))
        if any(CONTROL_RE.search(d) or len(d) > 30 for d in dongs):
            raise ValidationError(_("거주지 기준의 행정동 이름을 확인하세요."))
        known = set(
            Dong.objects.filter(organization__code__in=codes, name__in=dongs).values_list(
                "name", flat=True
            )
        )
        missing = [d for d in dongs if d not in known]
        if missing:
            raise ValidationError(
                _("거주지 기준의 행정동 %(dongs)s은(는) 그 기관의 행정동이 아닙니다.")
                % {"dongs": ", ".join(missing)}
            )
        result["dongs"] = dongs
    return result


def _income_validate(params: Mapping) -> dict[str, Any]:
    if params.get("percent_of_median") is not None:
        if params.get("parameter") is not None or params.get("by") is not None:
            raise ValidationError(
                _("소득 기준에는 'percent_of_median'이나 'parameter' 중 하나만 쓰세요.")
            )
        try:
            percent = _int(params["percent_of_median"], 1, PERCENT_MAX)
        except ValueError:
            raise ValidationError(
                _("소득 기준의 'percent_of_median'은 1부터 1000 사이의 정수(%)여야 합니다.")
            ) from None
        return {"percent_of_median": percent}
    code = params.get("parameter")
    if not isinstance(code, str) or not CODE_RE.match(code.strip()):
        raise ValidationError(
            _(
                "소득 기준에는 'percent_of_median'(기준중위소득 %) 또는 'parameter'(기준값 코드, "
                "영문 소문자)가 있어야 합니다."
            )
        )
    by = params.get("by", "household")
    if by not in ("single", "couple", "household"):
        raise ValidationError(_("소득 기준의 'by'는 single, couple, household 중 하나여야 합니다."))
    return {"parameter": code.strip(), "by": by}


# --- evaluation --------------------------------------------------------------------------------


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
