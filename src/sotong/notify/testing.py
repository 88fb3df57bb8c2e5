"""Test doubles for everyone's notify tests: the fake SMS/KakaoTalk provider and a real SMTP
server, each started on a free port for the length of a `with` block.

    from django.test import override_settings
    from sotong.notify import transports
    from sotong.notify.testing import running_fake_provider, running_smtp_server

    with running_fake_provider() as provider, override_settings(**provider.settings()):
        ...                                  # transports.reset() runs on the settings change
        assert provider.messages()[0]["key"] == f"d{delivery.id}"

    with running_smtp_server() as smtp, override_settings(**smtp.settings()):
        ...
        assert smtp.messages()[0]["Message-ID"].startswith("<d")

`running_fake_provider(process=True)` runs the provider as its own process (what the demo does,
and what a benchmark or a test that kills workers wants: the provider keeps its own interpreter).
Either way the handle talks to it over HTTP (`/_fake/...`), so the state is the same."""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import requests

DEFAULT_API_KEY = "NCSDEMOKEY0000000"
DEFAULT_API_SECRET = "demo-secret"  # noqa: S105 - the demo's public placeholder
DEFAULT_WEBHOOK_SECRET = "demo-webhook-secret"  # noqa: S105


def _settings_value(name: str, default: str) -> str:
    try:
        from django.conf import settings

        return getattr(settings, name, default) if settings.configured else default
    except ImportError:  # pragma: no cover - Django is always there in this project
        return default


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float = 10.0, interval: float = 0.02, message: str = ""):
    """Poll `predicate` until it returns something truthy (returned) or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message or "condition not met in time")
        time.sleep(interval)


class FakeProvider:
    """A handle on a running fake provider."""

    def __init__(self, url: str, *, api_key: str, api_secret: str, webhook_secret: str) -> None:
        self.url = url
        self.api_key = api_key
        self.api_secret = api_secret
        self.webhook_secret = webhook_secret
        self._http = requests.Session()

    def settings(self) -> dict[str, Any]:
        """Settings that point the solapi transport (and the webhooks) at this provider."""
        return {
            "SOLAPI_URL": self.url,
            "SOLAPI_API_KEY": self.api_key,
            "SOLAPI_API_SECRET": self.api_secret,
            "SOLAPI_WEBHOOK_SECRET": self.webhook_secret,
        }

    def messages(self, *, key: str | None = None) -> list[dict[str, Any]]:
        """Messages the provider accepted, oldest first: to, text, type, subject, key,
        template, variables, status ("accepted" | "delivered" | "failed"), status_code,
        message_id, group_id, replacement (알림톡 delivered as SMS)."""
        params = {"key": key} if key else None
        response = self._http.get(self.url + "/_fake/messages", params=params, timeout=10)
        response.raise_for_status()
        return response.json()

    def wait_for_messages(self, count: int, *, timeout: float = 10.0) -> list[dict[str, Any]]:
        def enough() -> list[dict[str, Any]] | None:
            found = self.messages()
            return found if len(found) >= count else None

        return wait_until(
            enough,
            timeout=timeout,
            message=f"fake provider did not receive {count} messages",
        )

    def health(self) -> dict[str, Any]:
        return self._http.get(self.url + "/_fake/health", timeout=10).json()

    def wait_for_reports(self, count: int, *, timeout: float = 10.0) -> int:
        """Wait until `count` delivery reports were accepted by the report URL."""

        def enough() -> int | None:
            sent = self.health()["reports_sent"]
            return sent if sent >= count else None

        return wait_until(
            enough,
            timeout=timeout,
            message=f"fake provider did not deliver {count} reports",
        )

    def clear(self) -> None:
        self._http.post(self.url + "/_fake/clear", timeout=10).raise_for_status()

    def set_failure(self, **failure: Any) -> None:
        """See `sotong.notify.fakeprovider.state.FakeState.set_failure`: status, retry_after,
        times, delay, drop, invalid_numbers, blocked_numbers, bad_templates,
        undeliverable_numbers, no_kakao_numbers, report_delay. No arguments: behave again."""
        for name, value in failure.items():
            if isinstance(value, set | frozenset | tuple):
                failure[name] = list(value)
        response = self._http.post(self.url + "/_fake/failure", json=failure, timeout=10)
        response.raise_for_status()

    def send_inbound(self, *, phone: str, text: str) -> int:
        """A resident replies by SMS: the provider posts it to its inbound URL. Returns the
        webhook's HTTP status (0 when no inbound URL or unreachable)."""
        response = self._http.post(
            self.url + "/_fake/inbound", json={"from": phone, "text": text}, timeout=10
        )
        response.raise_for_status()
        return response.json()["webhook_status"]

    def close(self) -> None:
        self._http.close()


@contextlib.contextmanager
def running_fake_provider(
    *,
    report_url: str | None = None,
    inbound_url: str | None = None,
    fail: dict | None = None,
    report_delay: float = 0.2,
    process: bool = False,
    state_file: str | None = None,
    max_messages: int | None = None,
) -> Iterator[FakeProvider]:
    """Start the fake provider on a free port (a thread, or its own process with
    `process=True`) and yield its handle; `fail` is passed to `set_failure`. It sends signed
    delivery reports to `report_url` and inbound replies to `inbound_url` when given. Key,
    secret and webhook secret are the current settings' (SOLAPI_API_KEY, SOLAPI_API_SECRET,
    SOLAPI_WEBHOOK_SECRET). `max_messages` keeps only the newest N messages in memory (for
    benchmarks that send millions)."""
    keys = {
        "api_key": _settings_value("SOLAPI_API_KEY", DEFAULT_API_KEY),
        "api_secret": _settings_value("SOLAPI_API_SECRET", DEFAULT_API_SECRET),
        "webhook_secret": _settings_value("SOLAPI_WEBHOOK_SECRET", DEFAULT_WEBHOOK_SECRET),
    }
    options = {
        "report_url": report_url,
        "inbound_url": inbound_url,
        "report_delay": report_delay,
        "state_file": state_file,
        "max_messages": max_messages,
    }
    start = _provider_process if process else _provider_thread
    with start(keys, options, fail) as provider:
        yield provider


@contextlib.contextmanager
def _provider_process(keys: dict[str, str], options: dict, fail: dict | None):
    """The fake provider as its own process (`python -m sotong.notify.fakeprovider`)."""
    args = [
        sys.executable, "-m", "sotong.notify.fakeprovider", "--port", "0",
        "--api-key", keys["api_key"], "--api-secret", keys["api_secret"],
        "--secret", keys["webhook_secret"], "--report-delay", str(options["report_delay"]),
    ]  # fmt: skip
    max_messages = options["max_messages"]
    for flag, value in (
        ("--report-url", options["report_url"]),
        ("--inbound-url", options["inbound_url"]),
        ("--state-file", options["state_file"]),
        ("--max-messages", str(max_messages) if max_messages else None),
    ):
        if value:
            args += [flag, value]
    env = dict(os.environ)
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    child = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        args, stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        line = child.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"fake provider did not start: {line!r}")
        provider = FakeProvider(line.removeprefix("listening on "), **keys)
        if fail:
            provider.set_failure(**fail)
        yield provider
        provider.close()
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@contextlib.contextmanager
def _provider_thread(keys: dict[str, str], options: dict, fail: dict | None):
    """The fake provider on a thread of this process."""
    from sotong.notify.fakeprovider import make_server

    server = make_server(**keys, **options)
    server.start()
    provider = FakeProvider(server.url, **keys)
    provider.server = server  # direct access for tests that want it
    try:
        if fail:
            provider.set_failure(**fail)
        yield provider
    finally:
        provider.close()
        server.stop()


# --- SMTP -----------------------------------------------------------------------------------


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.sink._refused.get(address.lower())
        if code:
            return f"{code} {'5.1.1' if code >= 500 else '4.2.1'} recipient refused"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.sink._lock:
            self.sink._received.append(
                (envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
            )
        return "250 Message accepted for delivery"


class SmtpSink:
    """A real SMTP server (aiosmtpd) that keeps what it receives."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._lock = threading.Lock()
        self._received: list[tuple[str, list[str], bytes]] = []
        self._refused: dict[str, int] = {}

    def settings(self) -> dict[str, Any]:
        """Settings that send Django's mail (and the SMTP transport) to this server."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
        }

    def refuse(self, address: str, code: int = 550) -> None:
        """Answer RCPT TO for `address` with `code` (550 permanent, 450 temporary)."""
        self._refused[address.lower()] = code

    def messages(self) -> list[EmailMessage]:
        with self._lock:
            raw = [content for _, _, content in self._received]
        return [email.message_from_bytes(data, policy=email.policy.default) for data in raw]

    def envelopes(self) -> list[tuple[str, list[str]]]:
        with self._lock:
            return [(sender, rcpts) for sender, rcpts, _ in self._received]

    def wait_for_messages(self, count: int, *, timeout: float = 10.0) -> list[EmailMessage]:
        wait_until(
            lambda: len(self._received) >= count,
            timeout=timeout,
            message=f"SMTP server did not receive {count} messages",
        )
        return self.messages()

    def clear(self) -> None:
        with self._lock:
            self._received.clear()


@contextlib.contextmanager
def running_smtp_server() -> Iterator[SmtpSink]:
    """An aiosmtpd server on a free port of 127.0.0.1 for the block."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink("127.0.0.1", free_port())
    controller = Controller(_Handler(sink), hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
