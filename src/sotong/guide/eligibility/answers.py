"""A resident's questionnaire answers, checked (`answers_clean`) into `Answers`.

Every question is optional; a wrong value or a contradiction gives one `ValidationError` naming
each wrong field in Korean. Nothing here writes to the database. Answers are personal data: never
log or audit them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sotong.org.models import Dong, Organization

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


class _Reader:
    """Reads one set of raw answers, collecting every field's errors (so the form shows them all
    at once) instead of stopping at the first."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, list[str]] = {}
        self.today = timezone.localdate()

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def get(self, name: str) -> Any:
        value = self.data.get(name)
        return None if _blank(value) else value

    def number(self, name: str, lo: int, hi: int, message: str) -> int | None:
        if self.get(name) is None:
            return None
        try:
            return _int(self.get(name), lo, hi)
        except ValueError:
            self.fail(name, message)
            return None

    def choice(self, name: str, values: tuple[str, ...], message: str) -> str | None:
        value = self.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or value.strip() not in values:
            self.fail(name, message)
            return None
        return value.strip()

    def boolean(self, name: str, message: str) -> bool | None:
        if self.get(name) is None:
            return None
        try:
            return _bool(self.get(name))
        except ValueError:
            self.fail(name, message)
            return None

    def on_date(self) -> tuple[date, bool]:
        """The date the answers are for (default today) and whether it was given."""
        if self.get("on_date") is None:
            return self.today, False
        try:
            on_date = _date(self.get("on_date"))
            if not ON_DATE_MIN <= on_date <= ON_DATE_MAX:
                raise ValueError
        except ValueError:
            self.fail(
                "on_date",
                _("기준일은 2000-01-01부터 2100-12-31 사이의 날짜(YYYY-MM-DD)로 입력하세요."),
            )
            return self.today, False
        return on_date, True

    def birth_date(self, on_date: date) -> date | None:
        if self.get("birth_date") is None:
            return None
        try:
            birth_date = _date(self.get("birth_date"))
        except ValueError:
            self.fail("birth_date", _("생년월일은 YYYY-MM-DD 형식의 날짜로 입력하세요."))
            return None
        if birth_date > self.today:
            self.fail("birth_date", _("생년월일은 오늘보다 뒤일 수 없습니다."))
        elif birth_date > on_date:
            self.fail("birth_date", _("생년월일이 기준일보다 뒤입니다."))
        elif _age_on(birth_date, on_date) > AGE_MAX:
            self.fail("birth_date", _("생년월일을 확인하세요 (만 120세를 넘습니다)."))
        else:
            return birth_date
        return None

    def age(self, age_given: int | None, birth_date: date | None, on_date: date) -> int | None:
        """The 만 나이: from the birth date when given, which must agree with a given age."""
        if birth_date is None:
            return age_given
        age = _age_on(birth_date, on_date)
        if age_given is not None and age_given != age:
            message = _(
                "나이(만 %(age)s세)와 생년월일(기준일에 만 %(computed)s세)이 맞지 않습니다. "
                "둘 중 하나만 입력하거나 바로잡으세요."
            ) % {"age": age_given, "computed": age}
            self.fail("age", message)
            self.fail("birth_date", message)
        return age

    def organization(self) -> Organization | None:
        value = self.get("organization")
        if value is None:
            return None
        organization = find_organization(value) if isinstance(value, str | int) else None
        if organization is None:
            self.fail(
                "organization",
                _(
                    "'%(value)s' 기관을 찾을 수 없습니다. 구 이름(예: 서대문구)이나 영문 코드를 입력하세요."
                )
                % {"value": str(value)[:50]},
            )
        return organization

    def dong(self, organization: Organization | None) -> Dong | None:
        if self.get("dong") is None:
            return None
        name = " ".join(str(self.get("dong")).split())[:50]
        if CONTROL_RE.search(name):
            name = "?"
        if organization is None:
            if "organization" not in self.errors:
                self.fail("dong", _("행정동을 입력하려면 사는 구도 입력하세요."))
            return None
        dong = organization.dongs.filter(name=name).first()
        if dong is None:
            self.fail(
                "dong",
                _("'%(dong)s'은(는) %(organization)s의 행정동이 아닙니다.")
                % {"dong": name[:30], "organization": organization.name},
            )
        return dong

    def children_ages(self) -> tuple[int, ...] | None:
        raw = self.data.get("children_ages")
        if raw is not None and not _blank(raw):
            try:
                children_ages = _children(raw)
                if len(children_ages) > CHILDREN_MAX:
                    raise ValueError
            except ValueError:
                self.fail(
                    "children_ages",
                    _(
                        "자녀 나이는 0부터 30 사이의 정수를 쉼표로 나누어 15명까지 입력하세요 (예: 3, 7)."
                    ),
                )
                return None
            return children_ages
        if isinstance(raw, list | tuple):
            return ()  # an explicit empty list: no children
        return None

    def contradictions(self, answers: Answers) -> None:
        age, children, size = answers.age, answers.children_ages, answers.household_size
        if age is not None and children and max(children) > age - PARENT_GAP:
            self.fail(
                "children_ages",
                _(
                    "자녀 나이(만 %(child)s세)가 본인 나이(만 %(age)s세)에 비해 너무 많습니다. 확인하세요."
                )
                % {"child": max(children), "age": age},
            )
        if size is not None and children and size < 1 + len(children):
            self.fail(
                "household_size",
                _("가구원 수(%(size)s명)가 본인과 자녀 %(children)s명을 더한 수보다 적습니다.")
                % {"size": size, "children": len(children)},
            )
        if answers.household_type == "single" and size is not None and size > 1:
            self.fail("household_size", _("1인 가구라면 가구원 수는 1명입니다."))
        if answers.household_type == "couple" and size == 1:
            self.fail("household_size", _("부부 가구라면 가구원 수는 2명 이상입니다."))
        if answers.pregnant and age is not None and age < 10:
            self.fail(
                "pregnant", _("나이(만 %(age)s세)와 임신 여부가 맞지 않습니다.") % {"age": age}
            )


def answers_clean(data: Mapping[str, Any]) -> Answers:
    """Check raw answers (strings from a form, typed values from JSON). Every question is
    optional; out-of-range values and contradictions raise one ValidationError with a Korean
    message per field."""
    read = _Reader(data)
    on_date, on_date_given = read.on_date()
    age_given = read.number(
        "age", 0, AGE_MAX, _("나이는 0부터 120 사이의 정수(만 나이)로 입력하세요.")
    )
    birth_date = read.birth_date(on_date)
    age = read.age(age_given, birth_date, on_date)
    organization = read.organization()
    dong = read.dong(organization)
    household_size = read.number(
        "household_size", 1, HOUSEHOLD_MAX, _("가구원 수는 1부터 20 사이의 정수로 입력하세요.")
    )
    monthly_income = read.number(
        "monthly_income",
        0,
        INCOME_MAX,
        _("월 소득은 0원부터 1,000,000,000원 사이의 금액(원)으로 입력하세요."),
    )
    household_type = read.choice(
        "household_type", HOUSEHOLD_TYPE_VALUES, _("가구 유형을 목록에서 고르세요.")
    )
    disability = read.boolean("disability", _("장애 여부는 예 또는 아니요로 답하세요."))
    employment = read.choice("employment", EMPLOYMENT_VALUES, _("취업 상태를 목록에서 고르세요."))
    pregnant = read.boolean("pregnant", _("임신 여부는 예 또는 아니요로 답하세요."))
    answers = Answers(
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
        children_ages=read.children_ages(),
    )
    read.contradictions(answers)
    if read.errors:
        raise ValidationError(read.errors)
    return answers
