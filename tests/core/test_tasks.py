"""Background tasks: `enqueue_on_commit`, and a real task through each backend with a real worker
process (`manage.py db_worker`, `manage.py rqworker`)."""

import os

import pytest
from django.db import transaction
from django_tasks import TaskResultStatus
from django_tasks.exceptions import InvalidTaskError
from django_tasks.signals import task_finished
from django_tasks_db.models import DBTaskResult

from sotong.core.tasks import enqueue_on_commit, ping
from sotong.core.tasks.testing import ManageProcess, rq_queues, shared_test_database

REDIS_TEST_URL = "redis://127.0.0.1:6379/5"


@pytest.fixture
def worker_database_url(transactional_db, tmp_path):
    with shared_test_database(tmp_path) as url:
        yield url


# --- enqueue_on_commit ------------------------------------------------------------------------


@pytest.mark.django_db
def test_enqueue_on_commit_enqueues_only_when_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    db_ping = ping.using(backend="db")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_on_commit(db_ping, "after-commit")
        assert not DBTaskResult.objects.exists()
    assert len(callbacks) == 1
    row = DBTaskResult.objects.get()
    assert row.task_path == "sotong.core.tasks.diagnostics.ping"
    assert row.args_kwargs == {"args": ["after-commit"], "kwargs": {}}
    assert row.status == TaskResultStatus.READY


@pytest.mark.django_db
def test_enqueue_on_commit_sends_nothing_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_on_commit(ping.using(backend="db"), "rolled-back")
        raise RuntimeError("the service failed")
    assert callbacks == []
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_enqueue_on_commit_refuses_bad_arguments_before_the_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(TypeError):
            enqueue_on_commit(ping.using(backend="db"), object())
        with pytest.raises(InvalidTaskError):
            enqueue_on_commit(ping.using(backend="db", queue_name="no-such-queue"), "x")
    assert callbacks == []
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_enqueue_on_commit_hands_the_arguments_to_the_task(django_capture_on_commit_callbacks):
    finished = []

    def on_finished(sender, task_result, **kwargs):
        finished.append(task_result)

    task_finished.connect(on_finished)
    try:
        # The immediate backend runs the task in the caller, here at the commit.
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_on_commit(ping.using(backend="immediate"), token="inline")
            assert finished == []
    finally:
        task_finished.disconnect(on_finished)
    assert [result.status for result in finished] == [TaskResultStatus.SUCCESSFUL]
    assert finished[0].return_value["pong"] == "inline"


@pytest.mark.django_db
def test_a_queue_that_refuses_after_the_commit_is_logged_not_raised(
    settings, django_capture_on_commit_callbacks, caplog
):
    # Nothing listens on port 1: the enqueue itself fails, after the caller's data is committed.
    settings.RQ_QUEUES = rq_queues("redis://127.0.0.1:1/0")
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(ping.using(backend="rq"), "lost")
    failures = [r for r in caplog.records if r.name == "sotong.core.tasks.outbox"]
    assert len(failures) == 1
    assert failures[0].levelname == "ERROR"
    assert "sotong.core.tasks.diagnostics.ping" in failures[0].getMessage()


# --- real workers -----------------------------------------------------------------------------


def test_database_worker_runs_a_real_task(worker_database_url, tmp_path):
    with transaction.atomic():
        enqueue_on_commit(ping.using(backend="db"), "through-the-database")
        # Inside the transaction the task is not there yet, for this process or any worker.
        assert not DBTaskResult.objects.exists()
    row = DBTaskResult.objects.get()
    result = ping.using(backend="db").get_result(str(row.id))
    assert result.status == TaskResultStatus.READY

    worker = ManageProcess(
        [
            "db_worker",
            "--backend=db",
            "--queue-name=default",
            "--interval=0.1",
            "--no-startup-delay",
            "--no-reload",
            "--worker-id=test-db-worker",
        ],
        tmp_path / "db_worker.log",
        DATABASE_URL=worker_database_url,
        SOTONG_TASK_BACKEND="db",
    )
    try:

        def finished() -> bool:
            result.refresh()
            return result.is_finished

        worker.wait_until(finished, "finished task")
    finally:
        exit_code = worker.stop()

    assert result.status == TaskResultStatus.SUCCESSFUL, worker.output()
    assert result.worker_ids == ["test-db-worker"]
    value = result.return_value
    assert value["pong"] == "through-the-database"
    assert value["pid"] != os.getpid()  # ran in the worker, not here
    assert exit_code == 0, worker.output()  # SIGTERM stops the worker cleanly


@pytest.fixture
def rq_test_redis(settings):
    """Queues on Redis database 5, emptied before and after the test."""
    import redis

    settings.RQ_QUEUES = rq_queues(REDIS_TEST_URL)
    client = redis.Redis.from_url(REDIS_TEST_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_rq_worker_runs_a_real_task(rq_test_redis, tmp_path):
    import django_rq

    queue = django_rq.get_queue("default")
    with transaction.atomic():
        enqueue_on_commit(ping.using(backend="rq"), "through-redis")
        # Redis knows nothing of our transaction: the helper is what holds the job back.
        assert queue.count == 0
    assert queue.count == 1
    job_id = queue.get_job_ids()[0]
    assert ping.using(backend="rq").get_result(job_id).status == TaskResultStatus.READY

    worker = ManageProcess(
        ["rqworker", "--burst", "--job-class", "django_tasks_rq.Job", "default"],
        tmp_path / "rqworker.log",
        REDIS_URL=REDIS_TEST_URL,
        SOTONG_TASK_BACKEND="rq",
    )
    exit_code = worker.wait_exit()

    assert exit_code == 0, worker.output()
    result = ping.using(backend="rq").get_result(job_id)
    assert result.status == TaskResultStatus.SUCCESSFUL, worker.output()
    value = result.return_value
    assert value["pong"] == "through-redis"
    assert value["pid"] != os.getpid()
    assert queue.count == 0
