"""Hand a task to the queue once the data it works on is committed."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django_tasks.base import Task
from django_tasks.utils import normalize_json

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, /, *args: Any, **kwargs: Any) -> None:
    """Enqueue `task(*args, **kwargs)` after the current transaction commits (at once when there
    is none), so that a worker never runs before the rows it reads exist, and a rolled-back change
    sends nothing.

    The task and its arguments are checked now, inside the caller's transaction, so that a
    mistake fails the service call instead of being discovered after the commit. A queue that
    refuses the task after the commit cannot undo the change any more: the failure is logged and
    the caller's state row (status "to send", "to convert" …) is what a retry starts from.
    """
    task.get_backend().validate_task(task)
    normalize_json({"args": args, "kwargs": kwargs})

    def enqueue() -> None:
        try:
            task.enqueue(*args, **kwargs)
        except Exception:
            logger.exception("enqueue after commit failed: task=%s", task.module_path)

    transaction.on_commit(enqueue)
