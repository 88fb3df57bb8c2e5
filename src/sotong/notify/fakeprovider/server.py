"""A small local HTTP server that speaks the SMS/KakaoTalk provider protocol of
`sotong.notify.transports.solapi` (solapi's API v4: HMAC auth, send-many/detail, message list,
signed delivery-report webhooks), records every message and shows them in an inbox page.

Tests start it through `sotong.notify.testing.running_fake_provider`; the demo and the benchmark
run it as its own process (`python -m sotong.notify.fakeprovider`). It uses only the standard
library and never imports Django, so it starts in a moment.

Besides the provider's API it serves, without authentication (it is a test double):

- ``GET /`` — the inbox (what residents would receive; numbers masked), Korean, no JavaScript;
- ``GET /_fake/messages[?key=d12]`` — recorded messages as JSON (to, text, type, subject, key,
  template, variables, status, status_code, message_id, group_id, replacement);
- ``POST /_fake/clear`` — forget every message and failure setting;
- ``POST /_fake/failure`` — JSON body of failure settings (see `FakeState.set_failure`);
- ``POST /_fake/inbound`` — JSON ``{"from", "text"}`` or the inbox's form: a resident's reply,
  posted to the inbound webhook URL;
- ``GET /_fake/health`` — ``{"ok": true, "messages": n, "reports_sent": n}``.

What it records and decides (accepting, failing, listing, reporting) is `state.py`; this
module is the HTTP side, the report loop and the inbox page.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import html
import json
import secrets
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .state import (
    MAX_MESSAGES_PER_REQUEST,
    STATUS_LABELS,
    FakeState,
    _bytes,
    _iso,
    _now,
    mask_number,
)


def post_json(url: str, payload: Any, secret: str, *, timeout: float = 5.0) -> int:
    """POST a signed webhook body; the receiver's HTTP status (0 when unreachable)."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    ts = str(int(time.time()))
    sig = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(  # noqa: S310 - the URL is ours (http://127.0.0.1 …)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Solapi-Timestamp": ts,
            "X-Solapi-Signature": sig,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


class FakeProviderServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], state: FakeState) -> None:
        self.state = state
        super().__init__(address, Handler)
        self._stop = threading.Event()
        self._reporter = threading.Thread(
            target=self._report_loop, name="fake-reports", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> threading.Thread:
        self._reporter.start()
        thread = threading.Thread(target=self.serve_forever, name="fake-provider", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
        with self.state.lock:
            self.state.wake.notify_all()
        self.shutdown()
        self.server_close()
        self.state.save()

    def _report_loop(self) -> None:
        state = self.state
        retries: deque[tuple[float, int, list[dict[str, Any]]]] = deque()
        last_save = time.monotonic()
        while not self._stop.is_set():
            reports = state.due_reports()
            if reports and state.report_url:
                self._deliver(reports, 0, retries)
            while retries and retries[0][0] <= time.monotonic():
                _, attempt, batch = retries.popleft()
                self._deliver(batch, attempt, retries)
            if time.monotonic() - last_save > 1.0:
                state.save()
                last_save = time.monotonic()
            if reports:
                continue
            nxt = state.next_due()
            wait = 0.5 if nxt is None else max(0.0, min(0.5, nxt - time.monotonic()))
            if retries:
                wait = min(wait, max(0.0, retries[0][0] - time.monotonic()))
            with state.lock:
                state.wake.wait(wait)

    def _deliver(self, batch: list[dict[str, Any]], attempt: int, retries: deque) -> None:
        for report in batch:
            report["retryCount"] = attempt
        status = post_json(self.state.report_url, batch, self.state.webhook_secret)
        if 200 <= status < 300:
            with self.state.lock:
                self.state.reports_sent += len(batch)
        elif attempt < 3:
            retries.append((time.monotonic() + 0.5 * (attempt + 1), attempt + 1, batch))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeProviderServer
    server_version = "FakeSolapi/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet: the numbers in request lines are personal data in a real deployment.
        return

    # --- plumbing ---------------------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None):
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client went away (a worker killed mid-request in the crash test): what it
            # sent is recorded already; there is nobody left to answer.
            self.close_connection = True

    def _json(self, status: int, data: Any, headers: dict | None = None) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        self._send(status, body, "application/json; charset=utf-8", headers)

    def _error(self, status: int, code: str, message: str, headers: dict | None = None) -> None:
        self._json(status, {"errorCode": code, "errorMessage": message}, headers)

    # --- routes -----------------------------------------------------------------------------

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        state = self.server.state
        if parts.path == "/":
            self._send(
                200, render_inbox(state, query.get("sent") == "1"), "text/html; charset=utf-8"
            )
        elif parts.path == "/_fake/health":
            with state.lock:
                data = {
                    "ok": True,
                    "messages": len(state.messages),
                    "reports_sent": state.reports_sent,
                }
            self._json(200, data)
        elif parts.path == "/_fake/messages":
            key = query.get("key")
            with state.lock:
                found = [state.public(m) for m in state.messages.values()]
            if key:
                found = [m for m in found if m["key"] == key]
            self._json(200, found)
        elif parts.path in ("/messages/v4/list", "/messages/v4/list-old"):
            problem = state.check_auth(self.headers.get("Authorization"))
            if problem:
                self._error(401, *problem)
                return
            self._json(200, state.list_messages(query))
        else:
            self._error(404, "NotFound", "no such resource")

    do_HEAD = do_GET

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        state = self.server.state
        raw = self._body()
        if parts.path == "/messages/v4/send-many/detail":
            self._send_many(raw)
        elif parts.path == "/_fake/clear":
            state.clear()
            self._json(200, {"ok": True})
        elif parts.path == "/_fake/failure":
            try:
                settings = json.loads(raw or b"{}")
            except ValueError:
                self._error(400, "InvalidJSON", "body is not JSON")
                return
            state.set_failure(**settings)
            self._json(200, {"ok": True})
        elif parts.path == "/_fake/inbound":
            self._inbound(raw)
        else:
            self._error(404, "NotFound", "no such resource")

    def _send_many(self, raw: bytes) -> None:
        state = self.server.state
        problem = state.check_auth(self.headers.get("Authorization"))
        if problem:
            self._error(401, *problem)
            return
        failure = state.take_failure("status")
        if failure:
            headers = {}
            if failure.get("retry_after") is not None:
                headers["Retry-After"] = str(failure["retry_after"])
            self._error(int(failure["status"]), "FakeFailure", "configured failure", headers)
            return
        delay = state.take_failure("delay")
        if delay:
            time.sleep(float(delay["delay"]))
        try:
            payload = json.loads(raw)
            messages = payload["messages"]
            if not isinstance(messages, list) or not messages:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            self._error(400, "ValidationError", "messages must be a non-empty list")
            return
        if len(messages) > MAX_MESSAGES_PER_REQUEST:
            self._error(400, "ValidationError", "at most 10,000 messages per request")
            return
        answer = state.send_many(messages)
        if state.take_failure("drop"):
            # The provider holds the messages; the sender sees the connection die.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._json(200, answer)

    def _inbound(self, raw: bytes) -> None:
        state = self.server.state
        form = "form" in (self.headers.get("Content-Type") or "")
        try:
            data = (
                {k: v[-1] for k, v in parse_qs(raw.decode()).items()} if form else json.loads(raw)
            )
            sender = str(data["from"]).replace("-", "")
            text = str(data["text"])
        except (ValueError, KeyError, TypeError):
            self._error(400, "ValidationError", "from and text are required")
            return
        status = 0
        if state.inbound_url:
            stamp = _iso(_now())
            event = {
                "eventDataId": secrets.token_hex(12),
                "data": {
                    "messageId": state._new_id("M"),
                    "type": "SMS" if _bytes(text) <= 90 else "LMS",
                    "from": sender,
                    "to": str(data.get("to") or ""),
                    "text": text,
                    "dateReceived": stamp,
                },
            }
            status = post_json(state.inbound_url, [event], state.webhook_secret)
        if form:
            self.send_response(HTTPStatus.SEE_OTHER)
            self.send_header("Location", "/?sent=1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._json(200, {"ok": True, "webhook_status": status})


def render_inbox(state: FakeState, sent: bool = False) -> bytes:
    with state.lock:
        latest = list(state.messages.values())[-200:]
        total = len(state.messages)
    rows = []
    for message in reversed(latest):
        public = state.public(message)
        kind = "알림톡" if public["type"] == "ATA" else public["type"]
        if public["replacement"]:
            kind += " (문자로 대체 발송)"
        subject = (
            f"<strong>{html.escape(public['subject'])}</strong><br>" if public["subject"] else ""
        )
        rows.append(
            "<tr>"
            f"<td>{html.escape(public['created'][:19].replace('T', ' '))}</td>"
            f"<td>{html.escape(mask_number(public['to']))}</td>"
            f"<td>{html.escape(kind)}</td>"
            f'<td class="text">{subject}{html.escape(public["text"])}</td>'
            f"<td>{STATUS_LABELS[public['status']]}</td>"
            "</tr>"
        )
    table = (
        "<table><caption>최근 받은 문자·알림톡 (최대 200건, 새 것부터)</caption>"
        '<thead><tr><th scope="col">받은 때(UTC)</th><th scope="col">받는 번호</th>'
        '<th scope="col">종류</th><th scope="col">내용</th><th scope="col">상태</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p>아직 받은 메시지가 없습니다.</p>"
    )
    notice = '<p role="status">답장을 보냈습니다.</p>' if sent else ""
    page = f"""<!doctype html>
<html lang="ko"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>시험용 문자 수신함 — 소통</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; line-height: 1.5; color: #1e2124; }}
table {{ border-collapse: collapse; width: 100%; }}
caption {{ text-align: left; font-weight: bold; padding: .5rem 0; }}
th, td {{ border: 1px solid #8a949e; padding: .4rem .6rem; vertical-align: top; text-align: left; }}
td.text {{ white-space: pre-wrap; }}
a, button {{ color: #0b50d0; }}
:focus-visible {{ outline: 3px solid #0b50d0; outline-offset: 2px; }}
</style></head>
<body><main>
<h1>시험용 문자 수신함</h1>
<p>이 화면은 실제로 발송하지 않는 시험용 문자 서비스가 받은 문자와 알림톡입니다.
주민이 받게 될 내용을 확인할 수 있습니다. 전화번호는 가려서 보여 줍니다. 모두 {total}건.</p>
<p><a href="/">새로 고침</a></p>
{notice}
{table}
<h2>주민 답장 흉내 내기</h2>
<form method="post" action="/_fake/inbound">
<p><label for="from">보내는 번호</label><br>
<input id="from" name="from" inputmode="numeric" autocomplete="off" required></p>
<p><label for="text">내용</label> <span id="text-hint">(예: 수신거부)</span><br>
<input id="text" name="text" aria-describedby="text-hint" required></p>
<p><button type="submit">답장 보내기</button></p>
</form>
</main></body></html>"""
    return page.encode()


def make_server(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    api_key: str,
    api_secret: str,
    webhook_secret: str,
    report_url: str | None = None,
    inbound_url: str | None = None,
    report_delay: float = 0.2,
    state_file: str | None = None,
    max_messages: int | None = None,
) -> FakeProviderServer:
    state = FakeState(
        api_key=api_key,
        api_secret=api_secret,
        webhook_secret=webhook_secret,
        report_url=report_url,
        inbound_url=inbound_url,
        report_delay=report_delay,
        state_file=state_file,
        max_messages=max_messages,
    )
    return FakeProviderServer((host, port), state)
