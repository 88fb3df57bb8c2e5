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
- ``GET /_fake/health`` — ``{"ok": true, "messages": n, "reports_sent": n}``."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import html
import itertools
import json
import os
import re
import secrets
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

CLOCK_SKEW_SECONDS = 15 * 60
MAX_MESSAGES_PER_REQUEST = 10_000
NUMBER_RE = re.compile(r"^01[016789]\d{7,8}$")
STATUS_MESSAGES = {
    "2000": "정상 접수(이통사로 접수 예정)",
    "3000": "이통사로 접수",
    "4000": "수신 완료",
    "1020": "수신번호 형식 오류",
    "1024": "수신 차단된 번호",
    "1030": "알림톡 템플릿 불일치",
    "1040": "메시지 길이 초과",
    "3018": "전송 실패(단말기 응답 없음)",
}
REPORT_FIELDS = (
    "messageId", "groupId", "type", "to", "from", "statusCode", "statusMessage",
    "customFields", "replacement", "dateReceived",
)  # fmt: skip
STATUS_LABELS = {"accepted": "접수", "delivered": "도달", "failed": "실패"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_iso(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _bytes(text: str) -> int:
    return sum(1 if ord(ch) < 128 else 2 for ch in text)


def _status(code: str) -> str:
    if code in ("2000", "3000"):
        return "accepted"
    if code == "4000":
        return "delivered"
    return "failed"


def mask_number(number: str) -> str:
    """010-****-5678: enough for a demo visitor to tell messages apart, never the number."""
    digits = re.sub(r"\D", "", number)
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}-****-{digits[-4:]}"


class FakeState:
    """Everything the fake knows; one lock guards it (requests are served by threads)."""

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        webhook_secret: str,
        report_url: str | None = None,
        inbound_url: str | None = None,
        report_delay: float = 0.2,
        state_file: str | os.PathLike | None = None,
        clock_skew: float = CLOCK_SKEW_SECONDS,
        max_messages: int | None = None,
    ) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.webhook_secret = webhook_secret
        self.report_url = report_url
        self.inbound_url = inbound_url
        self.report_delay = report_delay
        self.clock_skew = clock_skew
        # A benchmark sends millions: keep only the newest in memory when asked to.
        self.max_messages = max_messages
        self.state_file = Path(state_file) if state_file else None
        self.lock = threading.RLock()
        self.wake = threading.Condition(self.lock)
        self.messages: dict[str, dict[str, Any]] = {}
        self.by_to: dict[str, list[str]] = {}
        self.pending: deque[tuple[float, str]] = deque()
        self.salts: dict[str, float] = {}
        self.failure: dict[str, Any] = {}
        self.reports_sent = 0
        self.requests = 0
        self.dirty = False
        self._ids = itertools.count(1)
        self._run = secrets.token_hex(3).upper()
        if self.state_file and self.state_file.exists():
            self._load()

    # --- ids and persistence ----------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        stamp = _now().strftime("%Y%m%d%H%M%S")
        return f"{prefix}4V{stamp}{self._run}{next(self._ids):010d}"

    def _load(self) -> None:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        for message in data.get("messages", []):
            self.messages[message["messageId"]] = message
            self.by_to.setdefault(message["to"], []).append(message["messageId"])
        self._ids = itertools.count(len(self.messages) + 1)

    def save(self) -> None:
        if not self.state_file:
            return
        with self.lock:
            if not self.dirty:
                return
            data = {"messages": list(self.messages.values())}
            self.dirty = False
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.state_file)

    # --- test controls ----------------------------------------------------------------------

    def set_failure(self, **settings: Any) -> None:
        """Make the fake misbehave (all optional; `set_failure()` alone clears everything):

        - ``status``: HTTP status to answer send requests with (429, 500, 503, 400 …);
          ``retry_after``: its Retry-After header; ``times``: for how many requests (default:
          until cleared);
        - ``delay``: seconds to wait before answering a send request (a client timeout);
        - ``drop``: store the messages, then close the connection without answering (the
          provider got them but the sender never learns it); ``times`` applies too;
        - ``invalid_numbers`` / ``blocked_numbers``: numbers refused at registration (1020 /
          1024); ``bad_templates``: 알림톡 template codes refused (1030);
        - ``undeliverable_numbers``: accepted, then reported failed (3018);
        - ``no_kakao_numbers``: 알림톡 to them is delivered as the SMS fallback;
        - ``report_delay``: seconds before a delivery report."""
        with self.lock:
            self.failure = {k: v for k, v in settings.items() if v is not None}
            if "report_delay" in self.failure:
                self.report_delay = float(self.failure.pop("report_delay"))
            for name in ("invalid_numbers", "blocked_numbers", "bad_templates",
                         "undeliverable_numbers", "no_kakao_numbers"):  # fmt: skip
                if name in self.failure:
                    self.failure[name] = set(self.failure[name])

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.by_to.clear()
            self.pending.clear()
            self.failure = {}
            self.reports_sent = 0
            self.dirty = True

    def take_failure(self, kind: str) -> dict[str, Any] | None:
        """The failure to apply to this send request, counting down `times`."""
        with self.lock:
            failure = self.failure
            if not failure or kind not in failure:
                return None
            times = failure.get("times")
            if times is not None:
                if times <= 0:
                    return None
                failure["times"] = times - 1
            return dict(failure)

    # --- authentication ---------------------------------------------------------------------

    def check_auth(self, header: str | None) -> tuple[str, str] | None:
        """None when the request is authentic, else (errorCode, errorMessage)."""
        if not header:
            return "InvalidAuthorization", "Authorization header is missing"
        scheme, _, rest = header.strip().partition(" ")
        fields: dict[str, str] = {}
        for part in rest.split(","):
            name, sep, value = part.strip().partition("=")
            if sep:
                fields[name.strip().lower()] = value.strip()
        if scheme != "HMAC-SHA256" or not {"apikey", "date", "salt", "signature"} <= set(fields):
            return "InvalidAuthorization", "Authorization header is malformed"
        if fields["apikey"] != self.api_key:
            return "InvalidAPIKey", "Unknown API key"
        date = _parse_iso(fields["date"])
        if date is None:
            return "InvalidDate", "date is not ISO 8601"
        if abs((_now() - date).total_seconds()) > self.clock_skew:
            return "RequestTimeTooSkewed", "date is too far from the server's clock"
        expected = hmac.new(
            self.api_secret.encode(), (fields["date"] + fields["salt"]).encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, fields["signature"].lower()):
            return "SignatureDoesNotMatch", "signature does not match"
        with self.lock:
            now = time.monotonic()
            if fields["salt"] in self.salts:
                return "DuplicatedSignature", "salt was used before"
            self.salts[fields["salt"]] = now
            if len(self.salts) > 10_000:
                horizon = now - 2 * self.clock_skew
                self.salts = {s: t for s, t in self.salts.items() if t > horizon}
        return None

    # --- the API ----------------------------------------------------------------------------

    def send_many(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        failure = self.failure
        invalid = failure.get("invalid_numbers", ())
        blocked = failure.get("blocked_numbers", ())
        bad_templates = failure.get("bad_templates", ())
        group_id = self._new_id("G")
        now = _now()
        created = _iso(now)
        accepted: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        due = time.monotonic() + self.report_delay
        with self.lock:
            for raw in messages:
                to = str(raw.get("to") or "").replace("-", "")
                text = str(raw.get("text") or "")
                kind = str(raw.get("type") or ("SMS" if _bytes(text) <= 90 else "LMS"))
                kakao = raw.get("kakaoOptions") or {}
                custom = raw.get("customFields") or {}
                code = "2000"
                if not NUMBER_RE.match(to) or to in invalid:
                    code = "1020"
                elif to in blocked:
                    code = "1024"
                elif kind == "ATA" and (
                    not kakao.get("templateId") or kakao.get("templateId") in bad_templates
                ):
                    code = "1030"
                elif (kind == "SMS" and _bytes(text) > 90) or _bytes(text) > 2000 or not text:
                    code = "1040"
                message = {
                    "messageId": self._new_id("M"),
                    "groupId": group_id,
                    "to": to,
                    "from": str(raw.get("from") or ""),
                    "type": kind,
                    "text": text,
                    "subject": str(raw.get("subject") or ""),
                    "country": "82",
                    "kakaoOptions": kakao or None,
                    "customFields": custom,
                    "statusCode": code,
                    "statusMessage": STATUS_MESSAGES.get(code, ""),
                    "replacement": False,
                    "dateCreated": created,
                    "dateUpdated": created,
                    "dateReceived": None,
                }
                if code == "2000":
                    self.messages[message["messageId"]] = message
                    self.by_to.setdefault(to, []).append(message["messageId"])
                    if self.max_messages and len(self.messages) > self.max_messages:
                        self._evict_oldest()
                    self.pending.append((due, message["messageId"]))
                    accepted.append(message)
                else:
                    failed.append(message)
            self.dirty = True
            self.wake.notify()
        count = {
            "total": len(messages),
            "sentTotal": 0,
            "sentFailed": 0,
            "sentSuccess": 0,
            "sentPending": len(accepted),
            "sentReplacement": 0,
            "refund": 0,
            "registeredFailed": len(failed),
            "registeredSuccess": len(accepted),
        }
        return {
            "groupInfo": {
                "_id": group_id,
                "groupId": group_id,
                "status": "SENDING",
                "count": count,
                "dateCreated": created,
                "dateSent": created,
            },
            "failedMessageList": [
                {
                    "to": m["to"],
                    "from": m["from"],
                    "type": m["type"],
                    "country": "82",
                    "messageId": m["messageId"],
                    "statusCode": m["statusCode"],
                    "statusMessage": m["statusMessage"],
                    "accountId": "FAKE",
                    "customFields": m["customFields"],
                }
                for m in failed
            ],
            "messageList": [
                {
                    "messageId": m["messageId"],
                    "to": m["to"],
                    "from": m["from"],
                    "type": m["type"],
                    "country": "82",
                    "statusCode": m["statusCode"],
                    "statusMessage": m["statusMessage"],
                    "customFields": m["customFields"],
                }
                for m in accepted
            ],
        }

    def _evict_oldest(self) -> None:
        oldest_id = next(iter(self.messages))
        oldest = self.messages.pop(oldest_id)
        same = self.by_to.get(oldest["to"], [])
        if oldest_id in same:
            same.remove(oldest_id)
        if not same:
            self.by_to.pop(oldest["to"], None)

    def list_messages(self, query: dict[str, str]) -> dict[str, Any]:
        """solapi's message list: the newer named filters and the older criteria/cond/value."""
        filters = {
            k: query[k]
            for k in ("to", "from", "type", "groupId", "messageId", "statusCode")
            if query.get(k)
        }
        if query.get("criteria"):
            names = query["criteria"].split(",")
            values = query.get("value", "").split(",")
            conds = query.get("cond", "").split(",")
            for i, name in enumerate(names):
                if i < len(values) and (i >= len(conds) or conds[i] in ("", "eq")):
                    filters[name] = values[i]
        ids = set(filter(None, query.get("messageIds", "").split(","))) or None
        date_field = (
            "dateUpdated" if query.get("dateType", "").upper() == "UPDATED" else "dateCreated"
        )
        start = _parse_iso(query["startDate"]) if query.get("startDate") else None
        end = _parse_iso(query["endDate"]) if query.get("endDate") else None
        try:
            limit = max(1, min(int(query.get("limit") or 20), 1000))
        except ValueError:
            limit = 20
        start_key = query.get("startKey") or ""
        with self.lock:
            if "to" in filters:
                candidates = [self.messages[i] for i in self.by_to.get(filters["to"], ())]
            else:
                candidates = list(self.messages.values())
            picked: list[dict[str, Any]] = []
            next_key = None
            started = not start_key  # startKey: the first message of the page asked for
            for message in candidates:
                if not started:
                    if message["messageId"] != start_key:
                        continue
                    started = True
                if any(str(message.get(k)) != v for k, v in filters.items()):
                    continue
                if ids is not None and message["messageId"] not in ids:
                    continue
                moment = _parse_iso(message[date_field])
                if (start and moment < start) or (end and moment > end):
                    continue
                if len(picked) == limit:
                    next_key = message["messageId"]
                    break
                picked.append(dict(message))
        return {
            "startKey": start_key or None,
            "nextKey": next_key,
            "limit": limit,
            "messageList": {m["messageId"]: m for m in picked},
        }

    # --- delivery reports -------------------------------------------------------------------

    def due_reports(self) -> list[dict[str, Any]]:
        """Settle the messages whose report is due (the carrier answered) and return reports."""
        now = time.monotonic()
        reports = []
        failure = self.failure
        undeliverable = failure.get("undeliverable_numbers", ())
        no_kakao = failure.get("no_kakao_numbers", ())
        with self.lock:
            while self.pending and self.pending[0][0] <= now and len(reports) < 1000:
                _, message_id = self.pending.popleft()
                message = self.messages.get(message_id)
                if message is None or message["statusCode"] != "2000":
                    continue
                stamp = _iso(_now())
                if message["to"] in undeliverable:
                    message["statusCode"] = "3018"
                else:
                    message["statusCode"] = "4000"
                    message["dateReceived"] = stamp
                    if message["type"] == "ATA" and message["to"] in no_kakao:
                        message["replacement"] = True
                        message["type"] = "SMS" if _bytes(message["text"]) <= 90 else "LMS"
                message["statusMessage"] = STATUS_MESSAGES.get(message["statusCode"], "")
                message["dateUpdated"] = stamp
                reports.append(
                    {
                        "eventDataId": secrets.token_hex(12),
                        "retryCount": 0,
                        "data": {k: message.get(k) for k in REPORT_FIELDS}
                        | {"dateProcessed": stamp, "dateReported": stamp, "networkCode": "FAKE"},
                    }
                )
            if reports:
                self.dirty = True
        return reports

    def next_due(self) -> float | None:
        with self.lock:
            return self.pending[0][0] if self.pending else None

    def public(self, message: dict[str, Any]) -> dict[str, Any]:
        kakao = message.get("kakaoOptions") or {}
        return {
            "message_id": message["messageId"],
            "group_id": message["groupId"],
            "to": message["to"],
            "from": message["from"],
            "type": message["type"],
            "text": message["text"],
            "subject": message["subject"],
            "key": (message.get("customFields") or {}).get("sotongKey", ""),
            "template": kakao.get("templateId", ""),
            "variables": kakao.get("variables") or {},
            "status_code": message["statusCode"],
            "status": _status(message["statusCode"]),
            "replacement": message.get("replacement", False),
            "created": message["dateCreated"],
        }


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
