"""Dated parameters of eligibility rules (기준중위소득, 기초연금 선정기준액 …): the value in force on
a date for (code, key).

A `Parameter` row is in force from its `valid_from` until the next row of the same code and key
starts (or until its own `valid_until`, inclusive). A missing value is not an error: callers get
None and the rule that needed it evaluates to "정보 부족".

`ParameterTable(on_date)` reads every row that may be in force on the date in ONE query, the first
time a value is asked for; the matching of many services shares one table."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from sotong.guide.models import Parameter

MEDIAN_INCOME = "median_income"

# Korean names of the well-known codes, for the rule texts ("소득 기준중위소득 50% 이하").
PARAMETER_NAMES = {
    MEDIAN_INCOME: _("기준중위소득"),
    "basic_pension_threshold": _("기초연금 선정기준액"),
}

KEY_NAMES = {"single": _("단독가구"), "couple": _("부부가구")}


class ParameterTable:
    """The parameters in force on `on_date`."""

    def __init__(self, on_date: date) -> None:
        self.on_date = on_date
        self._values: dict[tuple[str, str], Parameter] | None = None

    def _load(self) -> dict[tuple[str, str], Parameter]:
        if self._values is None:
            values: dict[tuple[str, str], Parameter] = {}
            # Newest first per (code, key): the first row seen is the one in force.
            rows = Parameter.objects.filter(valid_from__lte=self.on_date).order_by(
                "code", "key", "-valid_from"
            )
            for row in rows:
                values.setdefault((row.code, row.key), row)
            self._values = {
                k: row
                for k, row in values.items()
                if row.valid_until is None or row.valid_until >= self.on_date
            }
        return self._values

    def get(self, code: str, key: str = "") -> Parameter | None:
        """The row in force for (code, key), or None."""
        return self._load().get((code, str(key)))

    def amount(self, code: str, key: str = "") -> int | None:
        row = self.get(code, key)
        return None if row is None else row.amount

    def label(self, code: str) -> str:
        """A readable name of `code`: the known Korean name, else a row's label, else the code."""
        if code in PARAMETER_NAMES:
            return str(PARAMETER_NAMES[code])
        for (row_code, _key), row in self._load().items():
            if row_code == code and row.label:
                return row.label
        return code

    def median_income(self, household_size: int) -> int | None:
        """The 기준중위소득 (monthly, KRW) of a household of `household_size` on the date. Beyond
        the table's largest size N, the official rule: each extra person adds the difference
        between the N- and (N−1)-person amounts (with a table up to 6 persons, the 6- and
        5-person difference). None when the table lacks what is needed."""
        if household_size < 1:
            return None
        direct = self.amount(MEDIAN_INCOME, str(household_size))
        if direct is not None:
            return direct
        sizes = sorted(
            int(key)
            for code, key in self._load()
            if code == MEDIAN_INCOME and key.isdigit() and int(key) >= 1
        )
        if not sizes or household_size < sizes[-1]:
            return None
        largest = sizes[-1]
        top = self.amount(MEDIAN_INCOME, str(largest))
        below = self.amount(MEDIAN_INCOME, str(largest - 1))
        if top is None or below is None:
            return None
        return top + (household_size - largest) * (top - below)


def parameter_in_force(code: str, key: str, on_date: date) -> Parameter | None:
    """The Parameter row in force on `on_date` for (code, key), or None."""
    return ParameterTable(on_date).get(code, key)


def median_income(household_size: int, on_date: date) -> int | None:
    """The 기준중위소득 of a household size on a date (see `ParameterTable.median_income`)."""
    return ParameterTable(on_date).median_income(household_size)
