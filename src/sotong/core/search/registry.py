"""Document types: what an app tells the index about one of its models.

An app registers its types in its `AppConfig.ready()`:

    register(DocumentType(name="faq", label=_("자주 묻는 질문"), model=FaqEntry, ...))

Registering hooks `post_save` and `post_delete` of the model so that every create, change and
delete enqueues a background re-index after the transaction commits. That hook keeps derived
data in step; it holds no business rule (which objects are searchable is the type's `queryset`).

Nothing here imports models at import time: this module is imported while Django loads apps."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from django.db.models.signals import post_delete, post_save

# The fields of the index. A type maps some of them to a weight; a field it leaves out stays
# empty for its documents.
INDEX_FIELDS = ("title", "body")
# Weights are scaled so that the largest is 1 (PostgreSQL's ranking takes weights in [0, 1]) and
# rounded to 1/64, which float4 (PostgreSQL) and double (SQLite) both hold exactly: the two
# backends then compute the very same scores.
WEIGHT_QUANTUM = 64
_NAME_RE = re.compile(r"^[a-z_]{1,40}$")


@dataclass(frozen=True)
class Visibility:
    """Who may find a document: everyone (`Visibility.public()`), or only the listed users, the
    holders of the listed staff posts (`org.Staff` ids, only while the post is active), the staff
    of the listed departments and all staff of the listed organisations
    (`Visibility.restricted(...)`). A restricted document without any grant is found by nobody.

    Grant a member of staff through their post (`staff_ids`), never their user id: a user grant
    outlives the post (a former official would keep finding the document)."""

    is_public: bool = True
    user_ids: frozenset[int] = field(default_factory=frozenset)
    staff_ids: frozenset[int] = field(default_factory=frozenset)
    department_ids: frozenset[int] = field(default_factory=frozenset)
    organization_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def public(cls) -> Visibility:
        return cls(is_public=True)

    @classmethod
    def restricted(
        cls,
        *,
        user_ids: Iterable[int] = (),
        staff_ids: Iterable[int] = (),
        department_ids: Iterable[int] = (),
        organization_staff: int | Iterable[int] | None = None,
    ) -> Visibility:
        if organization_staff is None:
            organizations: Iterable[int] = ()
        elif isinstance(organization_staff, int):
            organizations = (organization_staff,)
        else:
            organizations = organization_staff
        return cls(
            is_public=False,
            user_ids=_ids(user_ids, "user_ids"),
            staff_ids=_ids(staff_ids, "staff_ids"),
            department_ids=_ids(department_ids, "department_ids"),
            organization_ids=_ids(organizations, "organization_staff"),
        )


def _ids(values: Iterable[Any], what: str) -> frozenset[int]:
    result = set()
    for value in values:
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"Visibility {what} must be integer ids, not {value!r}")
        result.add(value)
    return frozenset(result)


def _nothing(obj: Any) -> None:
    return None


def _no_category(obj: Any) -> str:
    return ""


def _everyone(obj: Any) -> Visibility:
    return Visibility.public()


@dataclass(frozen=True, eq=False)
class DocumentType:
    """One kind of searchable object. `fields` maps index fields ("title", "body") to weights;
    `extract(obj)` returns the raw text per index field. `queryset()` is what `search_reindex`
    indexes and what decides whether a saved object belongs in the index at all (an object
    outside it is removed). The other callables describe one object. `index_on_save(obj)` False
    skips the re-index a save would queue (an object whose text is not final yet; the save that
    finishes it queues it).

    `permitted(user, object_ids)`: of these restricted documents that the grants let `user`
    find, the ids `user` may open *now* (the app's own permission rule, asked when the search
    runs). Grants are written when an object is indexed; a post that ended, a department
    changed or an update that re-indexed nothing must not leave access behind. A type with
    restricted documents should set it; without it, the grants alone decide.

    `user_written`: the title and body are text people wrote (petitions): they are indexed and
    shown (titles, snippets) only through `core.privacy.public.public_text`, so that no type's
    `extract` can put personal data into a hit."""

    name: str
    label: Any
    model: type[Model]
    fields: Mapping[str, float]
    extract: Callable[[Any], Mapping[str, str]]
    url: Callable[[Any], str]
    organization: Callable[[Any], int | None] = _nothing
    category: Callable[[Any], str] = _no_category
    date: Callable[[Any], datetime | None] = _nothing
    visibility: Callable[[Any], Visibility] = _everyone
    queryset: Callable[[], QuerySet] | None = None
    index_on_save: Callable[[Any], bool] = lambda obj: True
    permitted: Callable[[Any, list[str]], Iterable[str]] | None = None
    user_written: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME_RE.match(self.name):
            raise ImproperlyConfigured(
                f"search type name {self.name!r} must be 1-40 characters of a-z and _"
            )
        if not (isinstance(self.model, type) and issubclass(self.model, Model)):
            raise ImproperlyConfigured(f"search type {self.name!r}: model must be a Django model")
        unknown = set(self.fields) - set(INDEX_FIELDS)
        if unknown or "title" not in self.fields:
            raise ImproperlyConfigured(
                f"search type {self.name!r}: fields must map 'title' (shown as the hit) and "
                f"optionally 'body' to weights; the index has no field {sorted(unknown)}"
            )
        for name, weight in self.fields.items():
            if (
                isinstance(weight, bool)
                or not isinstance(weight, int | float)
                or not math.isfinite(weight)
                or weight <= 0
            ):
                raise ImproperlyConfigured(
                    f"search type {self.name!r}: weight of {name!r} must be a positive number"
                )

    @property
    def weights(self) -> tuple[float, ...]:
        """The weight of each index field (INDEX_FIELDS order), largest scaled to 1, in 1/64."""
        top = max(self.fields.values())
        return tuple(
            max(1, round(self.fields[name] / top * WEIGHT_QUANTUM)) / WEIGHT_QUANTUM
            if name in self.fields
            else 0.0
            for name in INDEX_FIELDS
        )

    def get_queryset(self) -> QuerySet:
        if self.queryset is not None:
            return self.queryset()
        return self.model._default_manager.all()


_types: dict[str, DocumentType] = {}


def register(doctype: DocumentType) -> DocumentType:
    """Make `doctype` searchable and hook its model's saves and deletes. Registering a type
    again under the same name replaces it (a reloaded app); another model under a taken name is
    a configuration error."""
    if not isinstance(doctype, DocumentType):
        raise TypeError("register() takes a DocumentType")
    current = _types.get(doctype.name)
    if current is not None and current.model is not doctype.model:
        raise ImproperlyConfigured(
            f"search type {doctype.name!r} is already registered for {current.model.__name__}"
        )
    _types[doctype.name] = doctype
    uid = _dispatch_uid(doctype.model)
    post_save.connect(_on_save, sender=doctype.model, weak=False, dispatch_uid=f"{uid}.save")
    post_delete.connect(_on_delete, sender=doctype.model, weak=False, dispatch_uid=f"{uid}.delete")
    return doctype


def unregister(name: str) -> None:
    """Forget a type (tests register their own). Its documents stay in the index until the next
    full `search_reindex`, but no search returns them any more."""
    doctype = _types.pop(name, None)
    if doctype is None or types_for_model(doctype.model):
        return
    uid = _dispatch_uid(doctype.model)
    post_save.disconnect(sender=doctype.model, dispatch_uid=f"{uid}.save")
    post_delete.disconnect(sender=doctype.model, dispatch_uid=f"{uid}.delete")


def get_type(name: str) -> DocumentType | None:
    return _types.get(name)


def registered_types() -> list[DocumentType]:
    """Every registered type, in the order of registration."""
    return list(_types.values())


def types_for_model(model: type[Model]) -> list[DocumentType]:
    concrete = model._meta.concrete_model
    return [t for t in _types.values() if t.model._meta.concrete_model is concrete]


def type_choices() -> dict[str, str]:
    """name → label of every registered type, for a filter on the search page."""
    return {doctype.name: str(doctype.label) for doctype in _types.values()}


def _dispatch_uid(model: type[Model]) -> str:
    return f"sotong.core.search.{model._meta.label_lower}"


# What a save or a delete of a registered object does: `tasks.on_save` / `tasks.on_delete`,
# handed over by `SearchConfig.ready()` (tasks, which queues the work, imports this module).
_hooks: dict[str, Callable[..., None]] = {}


def connect_hooks(*, on_save: Callable[..., None], on_delete: Callable[..., None]) -> None:
    _hooks["save"] = on_save
    _hooks["delete"] = on_delete


def _on_save(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    _hooks["save"](sender, instance, **kwargs)


def _on_delete(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    _hooks["delete"](sender, instance, **kwargs)
