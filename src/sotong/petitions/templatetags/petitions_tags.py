"""Template filters of petitions."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sotong.core.calendar import Period, PeriodUnit

register = template.Library()


@register.filter
def period_label(text: str) -> str:
    """A stored processing period ("14일", "즉시", "1개월") in the reader's language. Text that is
    not a period is shown as it is."""
    try:
        period = Period.parse(text or "")
    except ValueError:
        return text
    n = period.amount
    labels = {
        PeriodUnit.IMMEDIATE: lambda: _("즉시"),
        PeriodUnit.HOURS: lambda: ngettext("%(n)d시간", "%(n)d시간", n) % {"n": n},
        PeriodUnit.DAYS: lambda: ngettext("%(n)d일", "%(n)d일", n) % {"n": n},
        PeriodUnit.WEEKS: lambda: ngettext("%(n)d주", "%(n)d주", n) % {"n": n},
        PeriodUnit.MONTHS: lambda: ngettext("%(n)d개월", "%(n)d개월", n) % {"n": n},
        PeriodUnit.YEARS: lambda: ngettext("%(n)d년", "%(n)d년", n) % {"n": n},
    }
    return labels[period.unit]()
