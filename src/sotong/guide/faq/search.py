"""The FAQ knowledge base as a search document type (registered by the app's manifest).

Only published entries are indexed and every indexed entry is public; unpublishing an entry
takes it out of the index (the registry's save hook re-indexes, and an entry outside the
queryset is removed)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sotong.core.search import DocumentType, Visibility
from sotong.guide.models import FaqEntry

FAQ_TYPE = "faq"


def _published():
    return FaqEntry.objects.filter(published=True)


faq_document = DocumentType(
    name=FAQ_TYPE,
    label=_("자주 묻는 질문"),
    model=FaqEntry,
    # The question says what an entry is about; a long answer mentions many things in passing.
    fields={"title": 3.0, "body": 1.0},
    extract=lambda entry: {"title": entry.title, "body": entry.answer},
    url=lambda entry: entry.get_absolute_url(),
    organization=lambda entry: entry.organization_id,
    # Filed under the Korean name, so that the search page's category filter reads as words.
    category=lambda entry: entry.category_name,
    date=lambda entry: entry.updated_at,
    visibility=lambda entry: Visibility.public(),
    queryset=_published,
)
