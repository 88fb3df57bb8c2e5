"""The service guide's newsletter source: frequent questions added or changed in the period.
Registered with notify's digest by the guide's manifest (notify does not import the guide)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sotong.core.vocab import Interest
from sotong.guide.models import FaqEntry
from sotong.notify.digest import (
    MAX_ITEMS_PER_SOURCE,
    DigestItem,
    DigestSource,
    summary,
)

FAQ_INTERESTS = {
    "welfare": (Interest.WELFARE,),
    "environment": (Interest.ENVIRONMENT,),
    "culture": (Interest.CULTURE,),
    "transport": (Interest.TRANSPORT,),
    "safety": (Interest.DISASTER_SAFETY,),
    "health": (Interest.HEALTH,),
    "family": (Interest.CHILDCARE,),
    "economy": (Interest.JOBS,),
    # 행정, 주택도시계획 and 기타 match no interest: such items go to every subscriber.
}


def faq_items(organization, since: datetime, until: datetime) -> list[DigestItem]:
    """Frequent questions of the service guide answered by this organisation (or by nobody in
    particular) that were added or changed in the period."""
    entries = (
        FaqEntry.objects.filter(published=True, updated_at__gte=since, updated_at__lt=until)
        .filter(Q(organization=organization) | Q(organization__isnull=True))
        .order_by("-updated_at", "-pk")[:MAX_ITEMS_PER_SOURCE]
    )
    return [
        DigestItem(
            title=entry.title,
            summary=summary(entry.answer),
            url=f"{settings.SITE_URL}{entry.get_absolute_url()}",
            interests=tuple(str(i) for i in FAQ_INTERESTS.get(entry.category, ())),
            published_at=entry.updated_at,
        )
        for entry in entries
    ]


FAQ_DIGEST = DigestSource(key="services.faq", label=_("자주 묻는 질문"), collect=faq_items)
