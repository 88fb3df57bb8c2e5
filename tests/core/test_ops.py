"""Operations: /healthz, /metrics, request ids, JSON logs with personal data masked, and
gunicorn.conf.py (several workers, one set of metrics, JSON access log)."""

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.db import OperationalError, connections
from django_tasks_db.models import DBTaskResult
from prometheus_client import REGISTRY

from sotong.core.tasks import ping
from sotong.core.tasks.testing import PROJECT_DIR, ManageProcess, rq_queues

REDIS_TEST_URL = "redis://127.0.0.1:6379/5"
START = datetime(2025, 3, 3, 0, 0, tzinfo=UTC)
ALL_OK = {"database": "ok", "cache": "ok", "pages": "ok", "tasks": "ok"}


@pytest.fixture
def db_tasks(settings):
    """The database task backend as the default, as in a one-machine install."""
    settings.TASKS = {**settings.TASKS, "default": settings.TASKS["db"]}
    return settings


@pytest.fixture
def rq_tasks(settings):
    """The Redis task backend as the default, on Redis database 5, emptied around the test."""
    import redis

    settings.TASKS = {**settings.TASKS, "default": settings.TASKS["rq"]}
    settings.RQ_QUEUES = rq_queues(REDIS_TEST_URL)
    client = redis.Redis.from_url(REDIS_TEST_URL)
    client.flushdb()
    yield settings
    client.flushdb()
    client.close()


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# --- /healthz ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_is_ok_and_sends_one_canary_per_queue(client, db_tasks):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": ALL_OK}
    assert "no-cache" in response["Cache-Control"]
    canaries = DBTaskResult.objects.filter(task_path="sotong.core.tasks.diagnostics.ping")
    assert sorted(canaries.values_list("queue_name", flat=True)) == sorted(db_tasks.TASK_QUEUES)
    # The next probes within the canary interval send none (the cache arbitrates).
    assert client.get("/healthz").status_code == 200
    assert canaries.count() == len(db_tasks.TASK_QUEUES)


@pytest.mark.django_db
def test_healthz_reports_a_dead_worker_through_its_canary(client, db_tasks):
    with time_machine.travel(START, tick=False):
        assert client.get("/healthz").status_code == 200
    # Nobody ran the canaries: once they have waited too long, the queue is stalled.
    stalled_at = START + timedelta(seconds=db_tasks.TASK_STALL_SECONDS + 1)
    with time_machine.travel(stalled_at, tick=False):
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "error", "checks": {**ALL_OK, "tasks": "stalled"}}
        # A load balancer asks only whether this web process can serve: it can.
        web = client.get("/healthz?scope=web")
        assert web.status_code == 200
        assert web.json() == {
            "status": "ok",
            "checks": {"database": "ok", "cache": "ok", "pages": "ok"},
        }


@pytest.mark.django_db
def test_healthz_reports_a_waiting_task_and_counts_a_deferred_one_from_its_due_time(
    client, db_tasks
):
    db_tasks.TASK_CANARY_SECONDS = 0
    stall = timedelta(seconds=db_tasks.TASK_STALL_SECONDS + 1)
    with time_machine.travel(START, tick=False):
        ping.using(queue_name="notify", run_after=START + timedelta(hours=1)).enqueue()
    with time_machine.travel(START + stall, tick=False):
        assert client.get("/healthz").json()["checks"]["tasks"] == "ok"  # not due yet
    with time_machine.travel(START + timedelta(hours=1) + stall, tick=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["tasks"] == "stalled"


@pytest.mark.django_db
def test_healthz_is_ok_while_the_worker_keeps_up(client, db_tasks):
    db_tasks.TASK_CANARY_SECONDS = 0
    with time_machine.travel(START, tick=False):
        result = ping.enqueue()
    DBTaskResult.objects.filter(id=result.id).update(status="SUCCESSFUL", finished_at=START)
    with time_machine.travel(START + timedelta(days=1), tick=False):
        assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_when_the_database_is_down_says_so_without_details(client, db_tasks, caplog):
    secret = "connection to server at 10.9.8.7 failed: password=hunter2"
    with mock.patch.object(connections["default"], "cursor", side_effect=OperationalError(secret)):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "unavailable"
    text = response.content.decode()
    for leak in ("10.9.8.7", "hunter2", "OperationalError", "Traceback"):
        assert leak not in text
    # The reason is for the operators' log.
    assert any(r.name == "sotong.core.ops" and r.levelno == logging.WARNING for r in caplog.records)


@pytest.mark.django_db
def test_healthz_when_redis_is_unreachable(client, settings):
    settings.TASKS = {**settings.TASKS, "default": settings.TASKS["rq"]}
    settings.RQ_QUEUES = rq_queues("redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {**ALL_OK, "tasks": "unavailable"}
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.redis
@pytest.mark.django_db
def test_healthz_on_redis_without_a_worker(client, rq_tasks):
    rq_tasks.TASK_CANARY_SECONDS = 0
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["tasks"] == "no_workers"


@pytest.mark.redis
@pytest.mark.django_db
def test_healthz_and_metrics_on_redis_with_a_live_worker(client, rq_tasks, tmp_path):
    import django_rq
    from rq.worker_registration import get_keys

    queue = django_rq.get_queue("default")
    worker = ManageProcess(
        ["rqworker", "--job-class", "django_tasks_rq.Job", *rq_tasks.TASK_QUEUES],
        tmp_path / "rqworker.log",
        REDIS_URL=REDIS_TEST_URL,
        SOTONG_TASK_BACKEND="rq",
    )
    try:
        worker.wait_until(lambda: bool(get_keys(queue=queue)), "registered worker")
        response = client.get("/healthz")
        assert response.status_code == 200, response.json()
        assert response.json() == {"status": "ok", "checks": ALL_OK}
        # The worker takes the canaries that the probe sent.
        worker.wait_until(lambda: queue.count == 0, "empty queue")
        metrics = client.get("/metrics").content.decode()
        assert "sotong_task_workers 1.0" in metrics
        assert 'sotong_task_queue_depth{queue="default",status="READY"} 0.0' in metrics
    finally:
        assert worker.stop() == 0, worker.output()


# --- /metrics ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_metrics_from_this_machine(client, db_tasks):
    ping.using(queue_name="notify").enqueue()
    ping.using(queue_name="notify").enqueue()
    before = _sample("sotong_http_requests_total", method="GET", view="healthz", status="200")
    client.get("/healthz?scope=web")
    response = client.get("/metrics")  # the test client's REMOTE_ADDR is 127.0.0.1
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert "sotong_database_up 1.0" in text
    assert "sotong_task_backend_up 1.0" in text
    assert 'sotong_task_queue_depth{queue="notify",status="READY"} 2.0' in text
    assert 'sotong_task_queue_depth{queue="default",status="RUNNING"} 0.0' in text
    assert 'sotong_task_oldest_ready_seconds{queue="notify"}' in text
    assert "sotong_http_request_seconds_bucket" in text
    openmetrics = client.get("/metrics", HTTP_ACCEPT="application/openmetrics-text; version=1.0.0")
    assert openmetrics["Content-Type"].startswith("application/openmetrics-text")
    assert openmetrics.content.decode().endswith("# EOF\n")
    assert _sample("sotong_http_requests_total", method="GET", view="healthz", status="200") == (
        before + 1
    )


@pytest.mark.django_db
def test_metrics_labels_stay_bounded_whatever_the_paths(client):
    before = _sample("sotong_http_requests_total", method="GET", view="<unmatched>", status="404")
    guesses = [f"/scan/{uuid.uuid4().hex}" for _ in range(3)]
    for path in guesses:
        assert client.get(path).status_code == 404
    client.generic("BREW", "/")
    after = _sample("sotong_http_requests_total", method="GET", view="<unmatched>", status="404")
    assert after == before + 3
    text = client.get("/metrics").content.decode()
    assert not any(path in text for path in guesses)
    assert 'method="BREW"' not in text
    assert 'method="OTHER"' in text


@pytest.mark.django_db
def test_metrics_refused_from_elsewhere(client, settings):
    settings.METRICS_TOKEN = "scrape-token-7f3a"
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **remote).status_code == 403
    # Forwarded by the reverse proxy on this machine: not a local scrape.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert client.get("/metrics", HTTP_X_REAL_IP="203.0.113.9").status_code == 403
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-7f3b", **remote)
    assert wrong.status_code == 403
    assert b"sotong_" not in wrong.content
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION="Basic scrape-token-7f3a", **remote).status_code
        == 403
    )


@pytest.mark.django_db
def test_metrics_with_the_bearer_token(client, settings):
    settings.METRICS_TOKEN = "scrape-token-7f3a"
    response = client.get(
        "/metrics",
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        HTTP_AUTHORIZATION="Bearer scrape-token-7f3a",
    )
    assert response.status_code == 200
    assert b"sotong_database_up" in response.content


@pytest.mark.django_db
def test_metrics_without_a_token_configured_refuse_any_bearer(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 403


# --- request id and logs ----------------------------------------------------------------------


@pytest.mark.django_db
def test_every_response_carries_a_request_id(client):
    generated = client.get("/healthz?scope=web")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/healthz?scope=web")["X-Request-ID"] != generated
    from_proxy = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    assert client.get("/", HTTP_X_REQUEST_ID=from_proxy)["X-Request-ID"] == from_proxy
    for junk in ("<script>", "x" * 300, "short"):
        answered = client.get("/", HTTP_X_REQUEST_ID=junk)["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", answered)


@pytest.fixture
def console_output():
    """What the configured root console handler writes, while the test runs."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "name", None) == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.mark.django_db
def test_log_lines_carry_the_request_id_and_no_personal_data(client, console_output):
    response = client.get("/petitions/010-2345-6789/hong.gildong@example.kr")
    assert response.status_code == 404
    lines = [line for line in console_output.getvalue().splitlines() if "Not Found" in line]
    assert len(lines) == 1
    assert f"[{response['X-Request-ID']}]" in lines[0]
    assert "010-2345-6789" not in lines[0]
    assert "hong.gildong@example.kr" not in lines[0]


LOG_SCRIPT = """
import logging
log = logging.getLogger("sotong.example")
log.warning("민원인 연락처 %s, 주민번호 %s", "010-2345-6789", "900101-1234567",
            extra={"contact": "hong.gildong@example.kr", "attempt": 2})
try:
    raise ValueError("전화 010-2345-6789 로 회신 요청")
except ValueError:
    log.exception("처리 실패")
"""


def test_production_log_lines_are_json_with_personal_data_masked(tmp_path):
    process = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "manage.py"), "shell", "-c", LOG_SCRIPT],
        cwd=PROJECT_DIR,
        env={
            **os.environ,
            "SOTONG_ENV": "test",
            "SOTONG_LOG_JSON": "1",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = [json.loads(line) for line in process.stderr.splitlines() if line.strip()]
    ours = [line for line in lines if line["logger"] == "sotong.example"]
    assert [line["level"] for line in ours] == ["WARNING", "ERROR"]
    warning, error = ours
    assert warning["message"].startswith("민원인 연락처 ")
    assert warning["request_id"] == "-"
    assert warning["attempt"] == 2
    datetime.fromisoformat(warning["time"])
    assert "ValueError" in error["exc_info"]
    everything = process.stderr
    for personal in ("010-2345-6789", "900101-1234567", "hong.gildong@example.kr"):
        assert personal not in everything


# --- gunicorn.conf.py -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, dict, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, dict(response.headers), response.read().decode()


def test_gunicorn_workers_share_one_set_of_metrics_and_log_access_as_json(tmp_path):
    port = _free_port()
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"left over from the last run")
    env = {
        **os.environ,
        "SOTONG_ENV": "test",
        "SOTONG_LOG_JSON": "1",
        "SOTONG_TASK_BACKEND": "immediate",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'web.sqlite3'}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    access_log = (tmp_path / "access.log").open("w")
    error_log = (tmp_path / "error.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "sotong.wsgi:application"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=access_log,
        stderr=error_log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, (tmp_path / "error.log").read_text()
            try:
                _get(f"{base}/metrics")
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "error.log").read_text()
                time.sleep(0.2)
        assert not (metrics_dir / "counter_999999.db").exists()  # wiped at start
        request_ids = [_get(f"{base}/metrics")[1]["X-Request-ID"] for _ in range(12)]
        status, _, text = _get(f"{base}/metrics")
    finally:
        server.terminate()
        server.wait(timeout=60)
        access_log.close()
        error_log.close()
    assert status == 200
    # Counted by whichever worker answered, summed over both: the first probe, the 12 requests.
    count = re.search(
        r'sotong_http_requests_total\{method="GET",status="200",view="metrics"\} (\S+)', text
    )
    assert count, text
    assert float(count.group(1)) == 13
    assert any(metrics_dir.glob("*.db"))  # the workers wrote their counts there
    access = [json.loads(line) for line in (tmp_path / "access.log").read_text().splitlines()]
    assert len(access) == 14
    assert {line["request_id"] for line in access} >= set(request_ids)
    assert {(line["method"], line["path"], line["status"]) for line in access} == {
        ("GET", "/metrics", 200)
    }
    errors = [json.loads(line) for line in (tmp_path / "error.log").read_text().splitlines()]
    assert any("Booting worker" in line["message"] for line in errors)


def test_gunicorn_error_log_masks_personal_data():
    from gunicorn.config import Config

    from sotong.core.logging import SotongGunicornLogger

    logger = SotongGunicornLogger(Config())
    stream = io.StringIO()
    for handler in logger.error_log.handlers:
        handler.setStream(stream)
    logger.error("Error handling request %s", "/search?q=010-2345-6789")
    assert "Error handling request /search?q=" in stream.getvalue()
    assert "010-2345-6789" not in stream.getvalue()
