"""The structured rules of a service (`EligibilityRule`): `rule_validate(kind, params)` checks a
rule's params before the catalogue saves it, with a Korean message for each mistake."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sotong.guide.models import EligibilityRule
from sotong.org.models import Dong, Organization

from .answers import (
    AGE_MAX,
    CODE_RE,
    CONTROL_RE,
    EMPLOYMENT_VALUES,
    HOUSEHOLD_MAX,
    HOUSEHOLD_TYPE_VALUES,
    MONTHS_MAX,
    PERCENT_MAX,
    _int,
)

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
