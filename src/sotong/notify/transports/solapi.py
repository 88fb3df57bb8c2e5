"""SMS, LMS and KakaoTalk 알림톡 through an HTTP provider modelled on solapi's REST API v4.

Protocol (what the fake provider in `sotong.notify.fakeprovider` speaks too):

- Authentication: every request carries
  ``Authorization: HMAC-SHA256 apiKey=<key>, date=<ISO 8601>, salt=<random>, signature=<hex>``
  where ``signature = hex(HMAC-SHA256(api_secret, date + salt))``. The provider refuses a wrong
  key or signature, a date more than `CLOCK_SKEW_SECONDS` away from its clock and a salt used
  twice (401, ``{"errorCode": ..., "errorMessage": ...}``).
- Sending: ``POST /messages/v4/send-many/detail`` with ``{"messages": [{"to", "from", "text",
  "type", "subject", "kakaoOptions": {"pfId", "templateId", "variables", "disableSms"},
  "customFields": {"sotongKey": "d123"}}]}``. The answer holds ``groupInfo``, the accepted
  ``messageList`` (messageId, statusCode "2000" …) and ``failedMessageList`` (refused at
  registration, statusCode 1xxx). Both lists echo ``customFields``, which is how an answer is
  matched to our delivery.
- Querying: ``GET /messages/v4/list`` with solapi's filters (``to``, ``from``, ``type``,
  ``groupId``, ``messageId``, ``statusCode``, ``dateType``, ``startDate``, ``endDate``,
  ``startKey``, ``limit``; the older ``criteria``/``cond``/``value`` form as well) answering
  ``{"messageList": {messageId: message}, "startKey", "nextKey", "limit"}``.
- Delivery reports: the provider POSTs a JSON list of ``{"eventDataId", "data": {"messageId",
  "statusCode", "dateReceived", "customFields", …}}`` to our webhook (`webhooks.py`).

Reconciliation — solapi cannot filter its message list by ``customFields``, so `reconcile` asks
what it can: the messages to each recipient number created in the last `RECONCILE_DAYS` days
(``to`` + ``dateType=CREATED`` + ``startDate``, one paginated query per distinct number, run a
few at a time), and recognises ours by ``customFields.sotongKey``. This needs no state of ours
stored before the hand-over (the alternative, an explicit group created first and listed after a
crash, would need the pipeline to commit the group id between two requests) and costs one query
per recipient, which is cheap because reconciliation is only for deliveries whose previous
attempt may have reached the provider.

Status codes follow solapi's grouping — 2000/3000 in progress, 4000 received, 1xxx refused at
registration, 3xxx failed at the carrier or KakaoTalk. The exact numbers the adapter maps to our
stable codes are listed in `PROVIDER_CODES` (the fake answers with the same ones); check them
against the provider's published table when connecting to the real service."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from typing import Any

from django.core.exceptions import ValidationError

from sotong.notify.sms import byte_length, message_type

from .base import Outcome, Outgoing, Transport, TransportError

log = logging.getLogger(__name__)

SEND_PATH = "/messages/v4/send-many/detail"
LIST_PATH = "/messages/v4/list"
CLOCK_SKEW_SECONDS = 15 * 60
RECONCILE_DAYS = 7
KEY_FIELD = "sotongKey"  # our idempotency key inside the provider's customFields

# statusCode → (our stable failure code, final?) — see the module docstring.
ACCEPTED_CODES = frozenset({"2000", "3000"})
DELIVERED_CODE = "4000"
PROVIDER_CODES: dict[str, str] = {
    # refused at registration (failedMessageList)
    "1020": "invalid_number",  # 수신번호 형식 오류
    "1024": "blocked",  # 수신 차단(080 수신거부 등록) 번호
    "1026": "sender_unregistered",  # 발신번호 미등록
    "1030": "template_mismatch",  # 알림톡 템플릿 불일치
    "1040": "too_long",  # 메시지 길이 초과
    # failed at the carrier / KakaoTalk (delivery reports)
    "3008": "invalid_number",  # 결번 · 없는 번호
    "3018": "unreachable",  # 전원 꺼짐 · 음영 지역
    "3040": "expired",  # 전송 시간 초과
    "3104": "not_kakao_user",  # 카카오톡 미사용자 (대체 발송 없음)
    "3105": "template_mismatch",  # 템플릿 불일치
}

SMS_MAX_BYTES = 90
LMS_MAX_BYTES = 2000


def provider_code(status_code: str) -> str:
    """Our stable failure code for one of the provider's status codes."""
    return PROVIDER_CODES.get(str(status_code), f"provider_{status_code}")


# --- authentication -------------------------------------------------------------------------


def signature(api_secret: str, date: str, salt: str) -> str:
    return hmac.new(api_secret.encode(), (date + salt).encode(), hashlib.sha256).hexdigest()


def auth_header(
    api_key: str, api_secret: str, *, date: str | None = None, salt: str | None = None
) -> str:
    """The Authorization header of one request (date and salt given only by tests)."""
    if date is None:
        date = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if salt is None:
        salt = secrets.token_hex(16)
    sig = signature(api_secret, date, salt)
    return f"HMAC-SHA256 apiKey={api_key}, date={date}, salt={salt}, signature={sig}"


def parse_auth_header(value: str) -> dict[str, str] | None:
    """The fields of an Authorization header (keys lower-cased, as SDKs differ in case)."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme != "HMAC-SHA256" or not rest:
        return None
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, val = part.strip().partition("=")
        if not sep:
            return None
        fields[name.strip().lower()] = val.strip()
    if not {"apikey", "date", "salt", "signature"} <= fields.keys():
        return None
    return fields


def parse_iso(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Signature of a webhook POST: hex(HMAC-SHA256(secret, timestamp + "." + body)). Sent as
    ``X-Solapi-Timestamp`` and ``X-Solapi-Signature``; the receiver refuses stale timestamps."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def webhook_headers(secret: str, body: bytes, *, timestamp: str | None = None) -> dict[str, str]:
    ts = timestamp or str(int(dt.datetime.now(dt.UTC).timestamp()))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "X-Solapi-Timestamp": ts,
        "X-Solapi-Signature": webhook_signature(secret, ts, body),
    }


# --- the transport --------------------------------------------------------------------------


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


class SolapiTransport(Transport):
    """Channels "sms" (SMS/LMS by length) and "kakao" (알림톡 with SMS fallback by the provider).
    Settings: SOLAPI_URL, SOLAPI_API_KEY, SOLAPI_API_SECRET, SOLAPI_SENDER, SOLAPI_KAKAO_PF_ID,
    SOLAPI_RATE_PER_SECOND, SOLAPI_TIMEOUT_SECONDS."""

    name = "solapi"
    channels = frozenset({"sms", "kakao"})
    max_batch = 1000  # solapi takes up to 10,000 per send-many request
    reconcilable = True

    def __init__(
        self,
        *,
        url: str | None = None,
        api_key: str | None = None,
        api_secret: str | None = None,
        sender: str | None = None,
        pf_id: str | None = None,
        timeout: float | None = None,
        rate: int | None = None,
    ) -> None:
        from django.conf import settings

        self.url = (url or settings.SOLAPI_URL).rstrip("/")
        self.api_key = api_key or settings.SOLAPI_API_KEY
        self.api_secret = api_secret or settings.SOLAPI_API_SECRET
        self.sender = sender or settings.SOLAPI_SENDER
        self.pf_id = pf_id or settings.SOLAPI_KAKAO_PF_ID
        self.timeout = timeout if timeout is not None else settings.SOLAPI_TIMEOUT_SECONDS
        self.rate = rate if rate is not None else settings.SOLAPI_RATE_PER_SECOND
        self.reconcile_days = getattr(settings, "SOLAPI_RECONCILE_DAYS", RECONCILE_DAYS)
        self._local = threading.local()

    # requests.Session is not documented as thread-safe: one per thread, kept alive.
    @property
    def _session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            import requests

            session = self._local.session = requests.Session()
        return session

    def rate_per_second(self) -> int:
        return self.rate

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": auth_header(self.api_key, self.api_secret),
            "Content-Type": "application/json; charset=utf-8",
        }

    def message_payload(self, item: Outgoing) -> dict[str, Any]:
        """The provider's message object for one item."""
        payload: dict[str, Any] = {
            "to": item.to,
            "from": self.sender,
            "customFields": {KEY_FIELD: item.key},
        }
        if item.channel == "kakao" and item.kakao is not None:
            # The fallback SMS is the text the provider sends when KakaoTalk cannot deliver.
            text = item.kakao.fallback_text or item.body
            payload["type"] = "ATA"
            payload["text"] = text
            payload["kakaoOptions"] = {
                "pfId": self.pf_id,
                "templateId": item.kakao.template_code,
                "variables": {f"#{{{k}}}": str(v) for k, v in item.kakao.variables.items()},
                "disableSms": False,
            }
            if byte_length(text) > SMS_MAX_BYTES and item.subject:
                payload["subject"] = item.subject
        else:
            payload["type"] = message_type(item.body, item.subject)
            payload["text"] = item.body
            if payload["type"] == "LMS" and item.subject:
                payload["subject"] = item.subject
        return payload

    def send(self, batch: list[Outgoing]) -> list[Outcome]:
        import requests

        if not batch:
            return []
        outcomes: dict[int, Outcome] = {}
        messages = []
        by_key: dict[str, Outgoing] = {}
        for item in batch:
            try:
                messages.append(self.message_payload(item))
            except (ValueError, ValidationError) as exc:
                outcomes[item.delivery_id] = Outcome(
                    item.delivery_id, "permanent", code="too_long", detail=type(exc).__name__
                )
                continue
            by_key[item.key] = item
        if not messages:
            return list(outcomes.values())
        body = json.dumps({"messages": messages}, ensure_ascii=False).encode()
        try:
            response = self._session.post(
                self.url + SEND_PATH, data=body, headers=self._headers(), timeout=self.timeout
            )
        except (requests.Timeout, requests.ConnectionError) as exc:
            # The provider may hold the messages although no answer came: ask before anyone
            # sends them again.
            code = "timeout" if isinstance(exc, requests.Timeout) else "connection_error"
            return [*outcomes.values(), *self._settle_unanswered(list(by_key.values()), code)]
        except requests.RequestException as exc:
            raise TransportError("request_error", type(exc).__name__) from exc

        status = response.status_code
        if status == 429 or status >= 500 or status == 401:
            # 401: our key, secret or clock is wrong — a configuration error worth retrying
            # after it is fixed, not a reason to drop every message for good.
            raise TransportError(
                f"http_{status}",
                _error_detail(response),
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 400:
            detail = _error_detail(response)
            for item in by_key.values():
                outcomes[item.delivery_id] = Outcome(
                    item.delivery_id, "permanent", code=f"http_{status}", detail=detail
                )
            return list(outcomes.values())
        try:
            answer = response.json()
        except ValueError:
            return [
                *outcomes.values(),
                *self._settle_unanswered(list(by_key.values()), "bad_answer"),
            ]

        for message in answer.get("messageList") or []:
            item = by_key.pop(_key_of(message), None)
            if item is not None:
                outcomes[item.delivery_id] = self._outcome(item, message)
        for message in answer.get("failedMessageList") or []:
            item = by_key.pop(_key_of(message), None)
            if item is not None:
                code = str(message.get("statusCode", ""))
                outcomes[item.delivery_id] = Outcome(
                    item.delivery_id,
                    "permanent",
                    provider_message_id=str(message.get("messageId") or ""),
                    code=provider_code(code),
                    detail=f"{code} {message.get('statusMessage', '')}".strip()[:300],
                )
        if by_key:  # accepted answer without some of ours: find them rather than guess
            outcomes.update(
                (o.delivery_id, o)
                for o in self._settle_unanswered(list(by_key.values()), "unanswered")
            )
        return list(outcomes.values())

    def _outcome(self, item: Outgoing, message: dict[str, Any]) -> Outcome:
        code = str(message.get("statusCode", ""))
        message_id = str(message.get("messageId") or message.get("_id") or "")
        if code in ACCEPTED_CODES:
            return Outcome(item.delivery_id, "sent", provider_message_id=message_id)
        if code == DELIVERED_CODE:
            return Outcome(item.delivery_id, "delivered", provider_message_id=message_id)
        if code.startswith("1") or code.startswith("3"):
            return Outcome(
                item.delivery_id,
                "permanent",
                provider_message_id=message_id,
                code=provider_code(code),
                detail=f"{code} {message.get('statusMessage', '')}".strip()[:300],
            )
        return Outcome(item.delivery_id, "sent", provider_message_id=message_id)

    def _settle_unanswered(self, items: list[Outgoing], code: str) -> list[Outcome]:
        """Items handed over without an answer: the provider's record where it has one, a
        temporary failure where it certainly has none. When even asking fails the whole batch
        is a TransportError; the pipeline reconciles it before the next attempt."""
        try:
            found = self.reconcile(items)
        except TransportError as exc:
            raise TransportError(code, f"no answer; reconcile failed: {exc.code}") from exc
        return [
            found.get(item.delivery_id) or Outcome(item.delivery_id, "temporary", code=code)
            for item in items
        ]

    def list_messages(self, **params: Any) -> Iterable[dict[str, Any]]:
        """Every message matching solapi's list filters, following `nextKey`."""
        import requests

        params = {k: v for k, v in params.items() if v is not None}
        params.setdefault("limit", 500)
        while True:
            try:
                response = self._session.get(
                    self.url + LIST_PATH,
                    params=params,
                    headers=self._headers(),
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                raise TransportError("reconcile_failed", type(exc).__name__) from exc
            if response.status_code != 200:
                raise TransportError(
                    f"http_{response.status_code}",
                    _error_detail(response),
                    retry_after=_retry_after(response.headers.get("Retry-After")),
                )
            try:
                answer = response.json()
            except ValueError as exc:
                raise TransportError("bad_answer", "list answer is not JSON") from exc
            listed = answer.get("messageList") or {}
            yield from listed.values() if isinstance(listed, dict) else listed
            next_key = answer.get("nextKey")
            if not next_key or not listed:
                return
            params["startKey"] = next_key

    def reconcile(self, batch: list[Outgoing]) -> dict[int, Outcome]:
        if not batch:
            return {}
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=self.reconcile_days)
        start = since.isoformat(timespec="seconds").replace("+00:00", "Z")
        wanted: dict[str, list[Outgoing]] = {}
        for item in batch:
            wanted.setdefault(item.to, []).append(item)

        def one(number: str) -> dict[int, Outcome]:
            keys = {item.key: item for item in wanted[number]}
            found: dict[int, Outcome] = {}
            for message in self.list_messages(to=number, dateType="CREATED", startDate=start):
                item = keys.get(_key_of(message))
                if item is not None and item.delivery_id not in found:
                    found[item.delivery_id] = self._outcome(item, message)
            return found

        result: dict[int, Outcome] = {}
        numbers = list(wanted)
        if len(numbers) == 1:
            return one(numbers[0])
        with ThreadPoolExecutor(max_workers=min(8, len(numbers))) as pool:
            for found in pool.map(one, numbers):
                result.update(found)
        return result


def _key_of(message: dict[str, Any]) -> str:
    fields = message.get("customFields") or {}
    return str(fields.get(KEY_FIELD, "")) if isinstance(fields, dict) else ""


def _error_detail(response) -> str:
    try:
        data = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(data, dict):
        return f"{data.get('errorCode', '')} {data.get('errorMessage', '')}".strip()[:300]
    return f"HTTP {response.status_code}"
