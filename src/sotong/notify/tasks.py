"""Background tasks of notify.

- `deliver` (queue "notify"; the same task on queue "urgent" for emergencies, see
  `pipeline.wake_workers`) delivers due messages for up to `NOTIFY_TASK_TIME_BUDGET` seconds
  (default 30).
  While a backlog lasts it wakes one more worker after its first full batch, and when its time is
  up with rows still due it enqueues itself again, so a large campaign keeps flowing through
  every worker without a scheduler.
- `tick` (queue "notify") does what `manage.py notify_scheduler` does once: start scheduled
  campaigns, wake workers for rows that became due (retries after backoff, quiet hours ended),
  prune old rate-limit windows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskContext, task
from django_tasks.backends.immediate import ImmediateBackend

from . import pipeline
from .operations import delivery_paused


def _time_budget() -> float:
    return float(getattr(settings, "NOTIFY_TASK_TIME_BUDGET", 30.0))


def _inline() -> bool:
    """The immediate backend (tests) runs a task inside the enqueue call: re-enqueueing from a
    task would recurse instead of handing over."""
    return isinstance(deliver.get_backend(), ImmediateBackend)


@task(queue_name="notify", takes_context=True)
def deliver(context: TaskContext, urgent: bool = False) -> dict[str, Any]:
    """Deliver due messages (all channels, emergency first) for a bounded time."""
    # Rows committed from now on must wake a new task; this one may already be past them.
    pipeline._clear_wake(urgent)
    inline = _inline()
    # The task worker's own id (rq worker name, db_worker id) makes `Delivery.worker` say which
    # worker process did the work; rq runs each job in a fork with a pid of its own.
    worker_ids = context.task_result.worker_ids

    def wake_another() -> None:
        pipeline.wake_workers(urgent=urgent)

    stats = pipeline.deliver_due(
        worker=pipeline.worker_name(worker_ids[-1] if worker_ids else ""),
        time_budget=_time_budget(),
        on_backlog=None if inline else wake_another,
    )
    if stats.stopped == "budget" and not inline:
        if pipeline.due_exists(urgent=True):
            pipeline.wake_workers(urgent=True)
        elif pipeline.due_exists():
            pipeline.wake_workers()
    return stats.as_dict()


def run_tick(*, now: datetime | None = None) -> dict[str, Any]:
    """One scheduler step; see `notify_scheduler`."""
    now = now or timezone.now()
    if delivery_paused():
        # Nothing starts and nobody is woken while an operator holds delivery (operations.py).
        return {"campaigns_started": 0, "woke": [], "rate_windows_pruned": 0, "paused": True}
    from . import campaigns  # campaigns sends through the pipeline, which enqueues these tasks

    started = campaigns.campaign_start_due(now=now) or 0
    woke: list[str] = []
    if pipeline.due_exists(now=now, urgent=True):
        pipeline.wake_workers(urgent=True)
        woke.append("urgent")
    if pipeline.due_exists(now=now):
        pipeline.wake_workers()
        woke.append("notify")
    pruned = pipeline.rate_prune()
    return {"campaigns_started": started, "woke": woke, "rate_windows_pruned": pruned}


@task(queue_name="notify")
def tick() -> dict[str, Any]:
    """`run_tick` as a task, for installs that trigger it from elsewhere (a cron `enqueue`)."""
    return run_tick()
