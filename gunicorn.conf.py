"""gunicorn settings for sotong, read from the environment; docs/deploy.md explains each.

.venv/bin/gunicorn sotong.wsgi:application -c gunicorn.conf.py
"""

import multiprocessing
import os
from pathlib import Path


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]
# Sync workers: each handles one request at a time, and nginx in front buffers slow clients.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request that takes longer than this is killed: slow work belongs in a background task.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so that a slow leak never grows into an outage. Not too often:
# a new worker loads the Korean analyser (2–7 s of CPU, post_worker_init), which under a burst
# of requests costs more than any leak (every ~2 s at 500 req/s with 1,000).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
# Load the application once in the master: a broken deploy fails before any worker starts, and
# workers share the loaded code's memory.
preload_app = True
# The heartbeat file of each worker on tmpfs: a disk stall must not make workers look dead.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# Trust X-Forwarded-Proto only from the reverse proxy on this machine (override behind a LB).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "sotong"
# gunicorn's runtime control socket (`gunicornc`) only when asked for: by default every instance
# on a machine would share one path under $HOME.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

# Logs go to stdout (access) and stderr (errors), for systemd's journal or a log shipper. The
# access line never holds the query string, and its path is masked (sotong.core.logging).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("SOTONG_LOG_LEVEL", "info").lower()
_json = _env_bool("SOTONG_LOG_JSON", os.environ.get("SOTONG_ENV") == "production")
logger_class = (
    "sotong.core.logging.GunicornJsonLogger"
    if _json
    else "sotong.core.logging.SotongGunicornLogger"
)

# Prometheus: each worker process writes its counters to files in this directory and /metrics
# adds them up, whichever worker answers. Set before the application (and prometheus_client) is
# imported; one directory per running server, emptied when the server starts.
_var_dir = Path(os.environ.get("SOTONG_VAR_DIR") or Path(__file__).resolve().parent / "var")
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_var_dir / "prometheus"))
Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)


def on_starting(server):
    # Counts of the previous run would be added to this one's. (Runs once, after the preload:
    # the master's own files go too, which is harmless: a worker writes to files of its own pid.)
    for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    # Load the Korean analyser (kiwi, 2–7 s) when the worker starts, not inside the first search
    # or petition it serves — a petition tokenises its text in its transaction. Not in the master
    # before the fork: kiwi's worker threads would not survive it.
    from sotong.core.kiwi import kiwi

    kiwi()
