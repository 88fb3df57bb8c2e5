"""Fixtures for the search tests. The index needs a registered document type; these tests
register their own on existing models (org.Department and org.Organization), so no app's real
types are involved, and unregister them afterwards.

Kiwi's analysis of a text is memoised for the session (it is deterministic and takes most of the
time); everything else — the index, its triggers, the database — is real, on SQLite or on
PostgreSQL as DATABASE_URL selects."""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
_names = itertools.count(1)


@pytest.fixture(autouse=True, scope="session")
def _memoised_analysis():
    from sotong.core.search import analyzer, indexing

    cache: dict[str, list[str]] = {}
    original = analyzer.analyze_many

    def analyze_many(texts):
        missing = [text for text in dict.fromkeys(texts) if text not in cache]
        if missing:
            cache.update(zip(missing, original(missing), strict=True))
        return [list(cache[text]) for text in texts]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(indexing, "analyze_many", analyze_many)
        yield


@dataclass
class Meta:
    """What a test says about one object beyond its text."""

    visibility: object = None
    category: str = ""
    date: object = None
    organization: int | None = None


@dataclass
class Docs:
    """Registers the test type "note" on org.Department: title = first line of `duties`,
    body = the rest. `add()` creates one and indexes it at once."""

    district: object
    meta: dict[int, Meta] = field(default_factory=dict)

    def add(self, title, body="", *, visibility=None, category="", date=None, organization=None):
        from sotong.core.search import index_objects
        from sotong.org.models import Department

        department = Department.objects.create(
            organization=self.district, name=f"n{next(_names)}", duties=f"{title}\n{body}"
        )
        self.meta[department.pk] = Meta(visibility, category, date, organization)
        index_objects("note", [department])
        return department

    def described(self, department):
        return self.meta.get(department.pk, Meta())


def note_type(docs: Docs, *, weights=None):
    from sotong.core.search import DocumentType, Visibility
    from sotong.org.models import Department

    def visibility(department):
        return docs.described(department).visibility or Visibility.public()

    def split(department):
        title, _, body = department.duties.partition("\n")
        return {"title": title, "body": body}

    return DocumentType(
        name="note",
        label="메모",
        model=Department,
        fields=weights or {"title": 3.0, "body": 1.0},
        extract=split,
        url=lambda department: f"/notes/{department.pk}",
        organization=lambda department: docs.described(department).organization,
        category=lambda department: docs.described(department).category,
        date=lambda department: docs.described(department).date,
        visibility=visibility,
        queryset=lambda: Department.objects.filter(active=True),
    )


@pytest.fixture
def docs(district):
    from sotong.core.search import register, unregister

    collection = Docs(district=district)
    register(note_type(collection))
    yield collection
    unregister("note")


def load_excerpt():
    """The excerpt of the Seoul 120 knowledge base in data/ (see data/README.md)."""
    with (DATA / "seoul120_excerpt.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def corpus(docs):
    """The 148 Seoul 120 entries as "note" documents. Returns {내용번호: Department}."""
    from sotong.core.search import index_objects
    from sotong.org.models import Department

    rows = load_excerpt()
    departments = Department.objects.bulk_create(
        [
            Department(
                organization=docs.district,
                name=row["내용번호"],
                duties=f"{row['제목']}\n{row['내용']}",
            )
            for row in rows
        ]
    )
    for department, row in zip(departments, rows, strict=True):
        docs.meta[department.pk] = Meta(category=row["분류"])
    index_objects("note", departments)
    return {department.name: department for department in departments}
