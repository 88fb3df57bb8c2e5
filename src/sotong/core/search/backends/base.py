"""The interface every search backend implements, and the values that cross it.

A backend stores documents (`index`, `delete`, `clear`) and answers one ranked, filtered,
permission-checked query (`search`). Analysis (kiwi), registration, snippets and paging of
hits into a page are not its business: `indexing.py` and `query.py` do them once for all
backends. README.md ("Adding OpenSearch with nori") shows how a third backend plugs in."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sotong.core.search.registry import Visibility

DocumentKey = tuple[str, str]  # (type name, object id)


@dataclass(frozen=True)
class IndexedDocument:
    """One object as the index stores it: raw text per index field and its tokens."""

    type: str
    object_id: str
    url: str
    title: str
    body: str
    title_tokens: Sequence[str]
    body_tokens: Sequence[str]
    organization_id: int | None = None
    category: str = ""
    date: datetime | None = None
    visibility: Visibility = field(default_factory=Visibility.public)

    @property
    def key(self) -> DocumentKey:
        return (self.type, self.object_id)


@dataclass(frozen=True)
class Audience:
    """Who is searching, as far as visibility goes: a user id (None for a visitor) and, for
    active staff, their post, department and organisation."""

    user_id: int | None = None
    staff_id: int | None = None
    department_id: int | None = None
    organization_id: int | None = None


@dataclass(frozen=True)
class SearchRequest:
    """A query, already analysed. `types` maps each type to search to its field weights
    (registry.DocumentType.weights); documents of other types are never returned.
    `permitted(type, object_ids)`: of restricted candidates that passed the grants, the object
    ids the searcher may see now; a backend asks it before ranking, counting and slicing."""

    tokens: Sequence[str]
    types: dict[str, tuple[float, ...]]
    audience: Audience
    organization_id: int | None = None
    category: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    offset: int = 0
    limit: int = 10
    permitted: Callable[[str, list[str]], set[str]] | None = None


@dataclass(frozen=True)
class SearchResult:
    """`hits` are (SearchDocument id, score), best first, for the requested slice; `total`
    counts every result. `truncated` is True when a query word was so common that only the
    newest documents containing it were considered."""

    total: int
    hits: list[tuple[int, float]]
    truncated: bool = False


class SearchBackend(ABC):
    """Stores `IndexedDocument`s and finds them again. Every method runs inside the caller's
    transaction where there is one, and is idempotent."""

    vendor: str = ""

    @abstractmethod
    def index(self, docs: Sequence[IndexedDocument]) -> None:
        """Add or replace these documents (matched by key)."""

    @abstractmethod
    def delete(self, keys: Sequence[DocumentKey]) -> int:
        """Remove these documents; keys not in the index are ignored. Returns how many went."""

    @abstractmethod
    def clear(self, type: str | None = None) -> int:
        """Remove every document of `type`, or every document. Returns how many went."""

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResult:
        """Rank the documents that match `request.tokens` (any of them), pass its filters and
        may be seen by `request.audience`; return the requested slice."""

    @abstractmethod
    def rebuild_statistics(self) -> None:
        """Recount whatever term statistics the backend keeps from the stored documents (after
        a full re-index). A backend that keeps none does nothing here."""
