"""The search index: one row per indexed object (with who may see it) and term statistics.

These tables are derived data: `manage.py search_reindex` rebuilds them from the registered
models at any time. They are written only by `indexing.py` through the backend (never by views or
other apps). The full-text structures beside them are created per database vendor by migration
0002: an FTS5 table kept in step by triggers on SQLite, a `tsvector` column with a GIN index on
PostgreSQL (README.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

GRANT_USER = "u"
GRANT_STAFF = "s"
GRANT_DEPARTMENT = "d"
GRANT_ORGANIZATION = "o"


def grant(kind: str, target: int) -> str:
    """One entry of `SearchDocument.grants`: "u12", "s7", "d3", "o1"."""
    return f"{kind}{int(target)}"


class SearchDocument(models.Model):
    """One object of a registered document type, as the index knows it. `title` and `body` are
    the raw text (for showing a hit and cutting its snippet); `title_tokens` and `body_tokens`
    are their kiwi tokens, space-separated, which the full-text index is built from."""

    type = models.CharField(_("종류"), max_length=40)
    object_id = models.CharField(_("객체 ID"), max_length=64)
    organization_id = models.BigIntegerField(_("기관 ID"), null=True, blank=True)
    category = models.CharField(_("분류"), max_length=100, blank=True)
    date = models.DateTimeField(_("날짜"), null=True, blank=True)
    public = models.BooleanField(_("공개"), default=True)
    # Who may see a document that is not public, as " u12 s7 d3 o1 " (user, active staff post,
    # department staff, organisation staff): checked per candidate with LIKE, cheaper than a
    # join. A type's `permitted` hook narrows it further when the search runs.
    grants = models.TextField(_("열람 권한"), blank=True)
    url = models.CharField(_("주소"), max_length=500)
    title = models.TextField(_("제목"))
    body = models.TextField(_("본문"), blank=True)
    title_tokens = models.TextField(_("제목 토큰"), blank=True)
    body_tokens = models.TextField(_("본문 토큰"), blank=True)
    length = models.PositiveIntegerField(_("토큰 수"), default=0)
    indexed_at = models.DateTimeField(_("색인 시각"), auto_now=True)

    class Meta:
        db_table = "search_document"
        verbose_name = _("검색 문서")
        verbose_name_plural = _("검색 문서")
        constraints = [
            models.UniqueConstraint(fields=["type", "object_id"], name="search_document_unique")
        ]
        indexes = [
            models.Index(fields=["type", "category"], name="search_doc_type_category"),
            models.Index(fields=["organization_id"], name="search_doc_organization"),
            models.Index(fields=["category"], name="search_doc_category"),
            models.Index(fields=["date"], name="search_doc_date"),
        ]

    def __str__(self) -> str:
        return f"{self.type}:{self.object_id}"


class SearchTerm(models.Model):
    """In how many documents a token occurs (document frequency), kept exact in the same
    transaction as every index change. Two reserved keys, which no token can equal (tokens are
    letters and digits only), hold the totals: `#documents` and `#tokens`."""

    DOCUMENTS = "#documents"
    TOKENS = "#tokens"

    token = models.CharField(_("토큰"), max_length=64, primary_key=True)
    documents = models.BigIntegerField(_("문서 수"), default=0)

    class Meta:
        db_table = "search_term"
        verbose_name = _("검색어 통계")
        verbose_name_plural = _("검색어 통계")

    def __str__(self) -> str:
        return f"{self.token}: {self.documents}"
