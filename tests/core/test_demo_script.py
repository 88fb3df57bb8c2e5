"""The ports of `make demo` (scripts/demo.sh), issue 11: several demos share a machine. The fake
SMS provider listens on PORT + 10090 unless FAKE_PROVIDER_PORT says otherwise, another free port
when that one is taken; a port asked for and taken stops the start before anything is done.
DEMO_DRY_RUN=1 stops the script after its port checks. Starting the whole demo (and a side process
stopping it, with its reason) is checked by CI's smoke run (.ci/run)."""

from __future__ import annotations

import os
import random
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings

SCRIPT = settings.PROJECT_DIR / "scripts" / "demo.sh"


def _free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture
def web_port() -> int:
    """A free port whose fake provider port (+10090) is free too."""
    for _ in range(200):
        port = random.randint(20000, 50000)
        if _free(port) and _free(port + 10090):
            return port
    pytest.fail("no free pair of ports")


@contextmanager
def listening(port: int = 0) -> Iterator[int]:
    """Holds `port` (0: one the system picks, so it cannot collide) and yields its number."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen()
        yield sock.getsockname()[1]


def _demo(tmp_path, port: int, dry_run: bool = True, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "FAKE_PROVIDER_PORT"}
    environment |= {"SOTONG_VAR_DIR": str(tmp_path / "var"), **env}
    environment.pop("SOTONG_SOLAPI_URL", None)
    if dry_run:
        environment["DEMO_DRY_RUN"] = "1"
    return subprocess.run(
        ["bash", str(SCRIPT), "127.0.0.1", str(port), "1"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_fake_provider_listens_next_to_the_site(tmp_path, web_port):
    result = _demo(tmp_path, web_port)

    assert result.returncode == 0, result.stderr
    assert f"http://127.0.0.1:{web_port}/" in result.stdout
    assert f"fake provider: http://127.0.0.1:{web_port + 10090}/" in result.stdout


def test_a_taken_provider_port_gives_way_to_a_free_one(tmp_path, web_port):
    with listening(web_port + 10090):
        result = _demo(tmp_path, web_port)

    assert result.returncode == 0, result.stderr
    assert f"port {web_port + 10090} is taken" in result.stdout
    chosen = int(result.stdout.split("fake provider: http://127.0.0.1:")[-1].split("/")[0])
    assert chosen != web_port + 10090


def test_fake_provider_port_chooses_the_port(tmp_path, web_port):
    with listening() as chosen:
        pass  # a port the system just had free (web_port + 1 could be anyone's)
    result = _demo(tmp_path, web_port, FAKE_PROVIDER_PORT=str(chosen))

    assert result.returncode == 0, result.stderr
    assert f"fake provider: http://127.0.0.1:{chosen}/" in result.stdout


def test_a_taken_fake_provider_port_stops_the_start(tmp_path, web_port):
    with listening() as taken:
        result = _demo(tmp_path, web_port, FAKE_PROVIDER_PORT=str(taken))

    assert result.returncode == 1
    assert f"FAKE_PROVIDER_PORT={taken}" in result.stderr


def test_a_taken_site_port_stops_the_start_before_anything_is_done(tmp_path, web_port):
    with listening(web_port):
        result = _demo(tmp_path, web_port, dry_run=False)

    assert result.returncode == 1
    assert f"port {web_port} is taken" in result.stderr
    assert not (tmp_path / "var").exists()
