"""What a channel transport is: the one place where a message leaves the platform.

The pipeline (`notify/pipeline.py`) claims due deliveries, renders them into `Outgoing` items and
hands a batch to the transport of their channel; the transport answers one `Outcome` per item.
Transports never touch the database: they are plain I/O, so the pipeline alone decides states.

Exactly-once rests on `Outgoing.key`, the delivery's stable idempotency key ("d<id>"): a
transport sends it to the provider (custom field, Message-ID), and `reconcile` asks the provider
which keys it already holds, so that a delivery interrupted by a crash between hand-over and
commit is settled instead of sent twice. A transport that cannot ask (SMTP) returns
`reconcilable = False`; README.md says what that means."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

OutcomeStatus = Literal["sent", "delivered", "temporary", "permanent"]


@dataclass(frozen=True)
class KakaoMessage:
    """An 알림톡: an approved template (by code) and the values of its #{variables}. The
    provider falls back to SMS with `fallback_text` when KakaoTalk cannot deliver it."""

    template_code: str
    variables: dict[str, str]
    fallback_text: str = ""


@dataclass(frozen=True)
class Outgoing:
    delivery_id: int
    key: str  # stable idempotency key of the delivery, "d<id>"
    channel: str  # "email" | "sms" | "kakao"
    to: str  # e-mail address or phone number as digits ("01012345678")
    body: str  # plain text; for SMS/LMS the exact text counted in bytes
    subject: str = ""  # e-mail subject, LMS title
    html: str = ""  # optional e-mail HTML alternative
    headers: dict[str, str] = field(default_factory=dict)  # e-mail headers (List-Unsubscribe …)
    kakao: KakaoMessage | None = None


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    status: OutcomeStatus
    provider_message_id: str = ""
    code: str = ""  # stable failure code ("invalid_number", "timeout", "http_503" …)
    detail: str = ""  # short human-readable detail, never personal data
    retry_after: float | None = None  # seconds, when the provider asked us to wait


class TransportError(Exception):
    """The whole batch failed before any item got an answer (connection refused, timeout, 5xx).
    The pipeline treats every item as a temporary failure and retries with backoff."""

    def __init__(self, code: str, detail: str = "", *, retry_after: float | None = None):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.retry_after = retry_after


class Transport:
    """A transport that cannot reconcile may also offer `send_each(batch) -> Iterator[Outcome]`:
    the same hand-over, yielding each item's outcome in batch order as soon as the server accepted
    or refused it, so the pipeline commits it before the next item leaves. When the connection
    fails it raises `TransportError` after the outcomes already yielded; the items not yet
    yielded were not handed over. For a reconcilable transport, a temporary outcome with code
    `timeout`, `connection_error`, `unanswered` or `bad_answer` is ambiguous: the provider may
    hold the message, so it must be reconciled before it is sent again."""

    name: ClassVar[str]  # e.g. "smtp", "solapi"; stored on Delivery.transport
    channels: ClassVar[frozenset[str]]
    max_batch: ClassVar[int] = 100
    reconcilable: ClassVar[bool] = False

    def rate_per_second(self) -> int:
        """The provider's limit on messages per second across all workers (0 = none)."""
        return 0

    def send(self, batch: list[Outgoing]) -> list[Outcome]:
        """Hand every item to the provider; one Outcome per item, in any order. Raise
        TransportError when nothing could be handed over."""
        raise NotImplementedError

    def reconcile(self, batch: list[Outgoing]) -> dict[int, Outcome]:
        """For items that may already have been handed over by a worker that crashed: the
        outcome the provider knows, by delivery id. An item missing from the answer was never
        received and is sent again."""
        return {}
