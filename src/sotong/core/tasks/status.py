"""What the task queue looks like right now: read by `/healthz` and `/metrics`.

Both backends answer the same questions: how many tasks wait and run per queue, how long the
oldest waiting task has waited, and (where the backend can tell) how many workers are alive.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min, Q
from django.utils import timezone
from django_tasks import TaskResultStatus, task_backends
from django_tasks.backends.base import BaseTaskBackend
from django_tasks_db import DatabaseBackend
from django_tasks_rq import RQBackend

from sotong.core.tasks.diagnostics import ping

# Statuses that make up a queue's depth. Finished tasks are history, not depth: counting them
# would grow with the table and say nothing about the workers.
DEPTH_STATUSES = (TaskResultStatus.READY, TaskResultStatus.RUNNING)
# Short timeouts: a health probe must answer even when Redis does not.
PROBE_TIMEOUT_SECONDS = 2


@dataclass(frozen=True)
class QueueState:
    name: str
    ready: int
    running: int
    oldest_ready_seconds: float | None  # None when nothing is waiting


@dataclass(frozen=True)
class BackendState:
    kind: str  # "db", "rq" or "inline" (a backend that runs tasks in the caller)
    queues: tuple[QueueState, ...]
    workers: int | None  # None when the backend cannot count its workers

    def problem(self, *, stall_seconds: float) -> str | None:
        """The reason the queue is unhealthy, or None. A queue is stalled when a task has waited
        longer than `stall_seconds`: its worker is dead, stuck or far too slow."""
        if self.workers == 0:
            return "no_workers"
        for queue in self.queues:
            if (
                queue.oldest_ready_seconds is not None
                and queue.oldest_ready_seconds > stall_seconds
            ):
                return "stalled"
        return None


def backend_state(alias: str = "default") -> BackendState:
    """Read the state of the task backend `alias`. Raises whatever the store raises when it is
    unreachable; callers turn that into "unavailable"."""
    backend = task_backends[alias]
    if isinstance(backend, DatabaseBackend):
        return _db_state(backend)
    if isinstance(backend, RQBackend):
        return _rq_state(backend)
    return BackendState(kind="inline", queues=(), workers=None)


def send_canary(alias: str = "default") -> int:
    """Enqueue a `ping` on each queue of `alias`, at most once per TASK_CANARY_SECONDS across all
    processes (the cache arbitrates). A dead worker then shows as a stalled queue even when no
    real work is waiting. Returns the number of pings sent."""
    interval = settings.TASK_CANARY_SECONDS
    backend = task_backends[alias]
    if not interval or not isinstance(backend, DatabaseBackend | RQBackend):
        return 0
    sent = 0
    for queue in sorted(backend.queues):
        if cache.add(f"sotong:tasks:canary:{alias}:{queue}", 1, timeout=interval):
            ping.using(backend=alias, queue_name=queue).enqueue("canary")
            sent += 1
    return sent


def _age(since: datetime | None, now: datetime) -> float | None:
    if since is None:
        return None
    return max(0.0, (now - since).total_seconds())


def _db_state(backend: BaseTaskBackend) -> BackendState:
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    rows = DBTaskResult.objects.filter(backend_name=backend.alias)
    counts: dict[tuple[str, str], int] = {
        (row["queue_name"], row["status"]): row["n"]
        for row in rows.filter(status__in=DEPTH_STATUSES)
        .order_by()
        .values("queue_name", "status")
        .annotate(n=Count("pk"))
    }
    # A task waits from its enqueueing, or from its run_after when it was deferred.
    never = get_date_max()
    oldest = {
        row["queue_name"]: min(t for t in (row["enqueued"], row["due"]) if t is not None)
        for row in rows.ready()
        .order_by()
        .values("queue_name")
        .annotate(
            enqueued=Min("enqueued_at", filter=Q(run_after=never)),
            due=Min("run_after", filter=~Q(run_after=never)),
        )
    }
    names = sorted(set(backend.queues) | {queue for queue, _ in counts} | set(oldest))
    queues = tuple(
        QueueState(
            name=name,
            ready=counts.get((name, TaskResultStatus.READY), 0),
            running=counts.get((name, TaskResultStatus.RUNNING), 0),
            oldest_ready_seconds=_age(oldest.get(name), now),
        )
        for name in names
    )
    # The database backend keeps no register of workers: a dead one shows as a stalled queue.
    return BackendState(kind="db", queues=queues, workers=None)


@contextmanager
def _probe_connection(queue_name: str) -> Iterator:
    """A Redis connection like the queue's own, but with short timeouts, closed afterwards."""
    import django_rq
    import redis

    pool = django_rq.get_connection(queue_name).connection_pool
    probe = redis.Redis(
        connection_pool=redis.ConnectionPool(
            connection_class=pool.connection_class,
            **{
                **pool.connection_kwargs,
                "socket_timeout": PROBE_TIMEOUT_SECONDS,
                "socket_connect_timeout": PROBE_TIMEOUT_SECONDS,
            },
        )
    )
    try:
        yield probe
    finally:
        probe.close()
        probe.connection_pool.disconnect()


def _rq_state(backend: BaseTaskBackend) -> BackendState:
    import django_rq
    from django_tasks_rq.backend import Job
    from rq.registry import ScheduledJobRegistry, StartedJobRegistry
    from rq.worker_registration import get_keys

    now = timezone.now()
    queues = []
    workers: set[str] = set()
    for name in sorted(backend.queues):
        with _probe_connection(name) as connection:
            connection.ping()
            queue = django_rq.get_queue(name, connection=connection, job_class=Job)
            # Deferred jobs that are due but still in the scheduled registry wait as well: they
            # move only while a worker runs with --with-scheduler.
            scheduled = ScheduledJobRegistry(queue=queue)
            due = connection.zrangebyscore(
                scheduled.key, 0, now.timestamp(), start=0, num=1, withscores=True
            )
            waiting_since = [datetime.fromtimestamp(score, tz=UTC) for _, score in due]
            head = queue.get_job_ids(offset=0, length=1)
            job = queue.fetch_job(head[0]) if head else None
            if job is not None and job.enqueued_at is not None:
                waiting_since.append(job.enqueued_at)
            queues.append(
                QueueState(
                    name=name,
                    ready=queue.count + scheduled.get_job_count(cleanup=False),
                    running=StartedJobRegistry(queue=queue).get_job_count(cleanup=False),
                    oldest_ready_seconds=_age(min(waiting_since, default=None), now),
                )
            )
            # A worker killed without a goodbye stays in the set until its own key expires.
            workers |= {str(key) for key in get_keys(queue=queue) if connection.exists(key)}
    return BackendState(kind="rq", queues=tuple(queues), workers=len(workers))
