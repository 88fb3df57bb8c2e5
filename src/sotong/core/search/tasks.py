"""Background tasks that keep the index in step (queue "search"), and what queues them. Both
tasks are safe to run twice and take only ids: they read the object as it is when they run.
`on_save` / `on_delete` are the registry's save and delete hooks (`SearchConfig.ready()` hands
them over, since the registry, below this module, does not import it)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django_tasks import task

from sotong.core.search.backends import get_backend
from sotong.core.search.indexing import sync_document
from sotong.core.search.registry import types_for_model


@task(queue_name="search")
def index_document(type_name: str, object_id: str) -> str:
    """Index the object, or remove it when it is gone or left its type's queryset."""
    return sync_document(type_name, object_id)


@task(queue_name="search")
def remove_document(type_name: str, object_id: str) -> int:
    return get_backend().delete([(type_name, object_id)])


def index_object(obj: Model, *, saved: bool = False) -> None:
    """Re-index `obj` in the background once the current transaction commits (at once when there
    is none). An object outside its type's queryset is removed from the index instead. `saved`:
    called for a save, which a type may skip (`DocumentType.index_on_save`)."""
    from sotong.core.tasks import enqueue_on_commit

    for doctype in types_for_model(type(obj)):
        if saved and not doctype.index_on_save(obj):
            continue
        enqueue_on_commit(index_document, doctype.name, str(obj.pk))


def remove_object(obj: Model) -> None:
    """Remove `obj` from the index in the background once the current transaction commits."""
    from sotong.core.tasks import enqueue_on_commit

    for doctype in types_for_model(type(obj)):
        enqueue_on_commit(remove_document, doctype.name, str(obj.pk))


def on_save(sender: type[Model], instance: Model, raw: bool = False, **kwargs: Any) -> None:
    # Fixtures (loaddata) arrive raw and possibly half-related: `search_reindex` indexes them.
    if raw:
        return
    index_object(instance, saved=True)


def on_delete(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    remove_object(instance)
