"""Background tasks that keep the index in step (queue "search"). Both are safe to run twice
and take only ids: they read the object as it is when they run."""

from __future__ import annotations

from django_tasks import task

from sotong.core.search.backends import get_backend
from sotong.core.search.indexing import sync_document


@task(queue_name="search")
def index_document(type_name: str, object_id: str) -> str:
    """Index the object, or remove it when it is gone or left its type's queryset."""
    return sync_document(type_name, object_id)


@task(queue_name="search")
def remove_document(type_name: str, object_id: str) -> int:
    return get_backend().delete([(type_name, object_id)])
