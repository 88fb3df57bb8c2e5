"""Background tasks: Django's Tasks API (`django-tasks`) on the database or on Redis.

Write a task with `from django_tasks import task`; hand it over with `enqueue_on_commit` from a
service. See README.md beside this file.
"""

from sotong.core.tasks.diagnostics import ping
from sotong.core.tasks.outbox import enqueue_on_commit

__all__ = ["enqueue_on_commit", "ping"]
