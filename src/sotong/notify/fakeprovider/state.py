"""What the fake provider records and decides: its messages, the failure settings tests give it,
authentication, send-many, the message list and the delivery reports due. Standard library only."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import os
import re
import secrets
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

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


def _status_code(
    failure: dict[str, Any], to: str, text: str, kind: str, kakao: dict[str, Any]
) -> str:
    """The provider's status code for one message: accepted ("2000") or why not."""
    if not NUMBER_RE.match(to) or to in failure.get("invalid_numbers", ()):
        return "1020"
    if to in failure.get("blocked_numbers", ()):
        return "1024"
    if kind == "ATA" and (
        not kakao.get("templateId") or kakao.get("templateId") in failure.get("bad_templates", ())
    ):
        return "1030"
    if (kind == "SMS" and _bytes(text) > 90) or _bytes(text) > 2000 or not text:
        return "1040"
    return "2000"


def _send_many_answer(
    group_id: str,
    created: str,
    total: int,
    accepted: list[dict[str, Any]],
    failed: list[dict[str, Any]],
) -> dict[str, Any]:
    """The send-many response: the group, its counts and the message lists."""
    count = {
        "total": total,
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
        group_id = self._new_id("G")
        now = _now()
        created = _iso(now)
        accepted: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        due = time.monotonic() + self.report_delay
        with self.lock:
            for raw in messages:
                message = self._message(raw, group_id, created)
                if message["statusCode"] == "2000":
                    self._keep(message, due)
                    accepted.append(message)
                else:
                    failed.append(message)
            self.dirty = True
            self.wake.notify()
        return _send_many_answer(group_id, created, len(messages), accepted, failed)

    def _message(self, raw: dict[str, Any], group_id: str, created: str) -> dict[str, Any]:
        """One message of a send-many request as recorded, with the status code the provider
        would give it (under the failure settings)."""
        to = str(raw.get("to") or "").replace("-", "")
        text = str(raw.get("text") or "")
        kind = str(raw.get("type") or ("SMS" if _bytes(text) <= 90 else "LMS"))
        kakao = raw.get("kakaoOptions") or {}
        custom = raw.get("customFields") or {}
        code = _status_code(self.failure, to, text, kind, kakao)
        return {
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

    def _keep(self, message: dict[str, Any], due: float) -> None:
        """Record an accepted message (under the lock) and queue its delivery report."""
        self.messages[message["messageId"]] = message
        self.by_to.setdefault(message["to"], []).append(message["messageId"])
        if self.max_messages and len(self.messages) > self.max_messages:
            self._evict_oldest()
        self.pending.append((due, message["messageId"]))

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
