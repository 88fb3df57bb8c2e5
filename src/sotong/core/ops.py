"""Operations endpoints: `GET /healthz` (for load balancers and monitors) and `GET /metrics`
(Prometheus). docs/deploy.md explains how to use them."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Callable, Iterator

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from sotong.core.tasks.status import backend_state, send_canary

logger = logging.getLogger(__name__)

OK = "ok"
UNAVAILABLE = "unavailable"


# --- health -----------------------------------------------------------------------------------
# Each check answers "ok" or a short fixed word; the reason goes to the log, never to the page
# (no exception text, host name or connection string leaves the server).


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_cache() -> str:
    cache.get("sotong:healthz")
    return OK


def check_tasks() -> str:
    state = backend_state()  # first: it fails fast (short timeouts) when the store is away
    try:
        send_canary()
    except Exception:  # the queue's state is the answer; a canary missed is retried next probe
        logger.warning("health check: the canary task could not be sent", exc_info=True)
    return state.problem(stall_seconds=settings.TASK_STALL_SECONDS) or OK


STATIC_MISSING = "static_missing"
TEMPLATE_ERROR = "template_error"
# The page every other page's layout is made of, rendered as the 500 page is: no request, no
# context processors, no database. Its header, footer and `{% static %}` assets are every page's.
PAGES_PROBE_TEMPLATE = "errors/500.html"


def check_pages() -> str:
    """Whether this process can render an HTML page: a missing or stale static files manifest
    (a var directory restored without `collectstatic`) makes every `{% static %}` raise, so
    every page would answer 500 while the database and cache are fine."""
    try:
        loader.get_template(PAGES_PROBE_TEMPLATE).render({"SITE_NAME": "소통"})
    except ValueError:
        # ManifestStaticFilesStorage: "Missing staticfiles manifest entry for …"
        logger.warning("health check pages: a static file is not collected", exc_info=True)
        return STATIC_MISSING
    except Exception:
        logger.warning("health check pages: the layout does not render", exc_info=True)
        return TEMPLATE_ERROR
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "pages": check_pages,
    "tasks": check_tasks,
}
# What a load balancer should ask (`/healthz?scope=web`): whether this web process can serve.
# A stalled task queue is an alarm for people, not a reason to take every web server out.
SCOPES = {"all": tuple(CHECKS), "web": ("database", "cache", "pages")}


def run_checks(names: tuple[str, ...]) -> dict[str, str]:
    results = {}
    for name in names:
        try:
            results[name] = CHECKS[name]()
        except Exception:
            logger.warning("health check %s failed", name, exc_info=True)
            results[name] = UNAVAILABLE
    return results


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    names = SCOPES.get(request.GET.get("scope", "all"), SCOPES["all"])
    checks = run_checks(names)
    healthy = all(result == OK for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )


# --- metrics ----------------------------------------------------------------------------------


class OperationsCollector:
    """Values read at scrape time (so they are right whichever process is scraped): whether the
    database answers, and the task queue's depth, age and workers."""

    def collect(self) -> Iterator[Metric]:
        database_up = GaugeMetricFamily(
            "sotong_database_up", "1 when the database answers a query, else 0"
        )
        try:
            check_database()
            database_up.add_metric([], 1)
        except Exception:
            logger.warning("metrics: database check failed", exc_info=True)
            database_up.add_metric([], 0)
        yield database_up
        yield from self._tasks()

    def _tasks(self) -> Iterator[Metric]:
        backend_up = GaugeMetricFamily(
            "sotong_task_backend_up", "1 when the task queue's store answers, else 0"
        )
        try:
            state = backend_state()
        except Exception:
            logger.warning("metrics: task queue state unavailable", exc_info=True)
            backend_up.add_metric([], 0)
            yield backend_up
            return
        backend_up.add_metric([], 1)
        yield backend_up
        depth = GaugeMetricFamily(
            "sotong_task_queue_depth",
            "Tasks waiting (READY) or running (RUNNING), by queue",
            labels=["queue", "status"],
        )
        oldest = GaugeMetricFamily(
            "sotong_task_oldest_ready_seconds",
            "How long the oldest waiting task has waited, by queue (0 when none waits)",
            labels=["queue"],
        )
        for queue in state.queues:
            depth.add_metric([queue.name, "READY"], queue.ready)
            depth.add_metric([queue.name, "RUNNING"], queue.running)
            oldest.add_metric([queue.name], queue.oldest_ready_seconds or 0)
        yield depth
        yield oldest
        if state.workers is not None:
            yield GaugeMetricFamily(
                "sotong_task_workers", "Live workers registered with the queue", value=state.workers
            )


class _Collectors:
    """Lets a registry be collected as part of another."""

    def __init__(self, source: CollectorRegistry):
        self.source = source

    def collect(self) -> Iterator[Metric]:
        return self.source.collect()


def scrape_registry() -> CollectorRegistry:
    """The registry one scrape reads. Under gunicorn with several workers, each process counts
    its own requests: with PROMETHEUS_MULTIPROC_DIR set, prometheus_client writes the counts to
    files there and MultiProcessCollector adds them up, whichever worker answers the scrape."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_Collectors(REGISTRY))
    registry.register(OperationsCollector())
    return registry


def _direct_from_this_machine(request: HttpRequest) -> bool:
    # A reverse proxy on this machine makes every request come from 127.0.0.1; what it forwarded
    # carries a forwarding header, a scrape made here does not.
    forwarded = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")
    if any(header in request.META for header in forwarded):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _has_token(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def metrics_allowed(request: HttpRequest) -> bool:
    return _direct_from_this_machine(request) or _has_token(request)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse(
            gettext("접근 권한이 없습니다.") + " (metrics: forbidden)\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    # The format the scraper asks for (Prometheus text 0.0.4 by default, or OpenMetrics).
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encoder(scrape_registry()), content_type=content_type)
