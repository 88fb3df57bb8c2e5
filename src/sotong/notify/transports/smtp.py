"""E-mail through Django's mail connection (EMAIL_BACKEND; the SMTP backend with EMAIL_HOST,
EMAIL_PORT … in production, aiosmtpd in tests).

SMTP cannot be asked afterwards what it received, so this transport is not reconcilable.
Instead every message carries a Message-ID derived from the delivery's key,
``<d123.3f9a0c1e2b4d@sotong.local>``, identical on every attempt, so receiving systems can drop a
repeat; and `send_each` yields each message's outcome right after the server's 250, so the
pipeline commits it before the next message goes out: a crash repeats at most the one message
in flight (the window of RFC 1047)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import smtplib
from collections.abc import Iterator
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from .base import Outcome, Outgoing, Transport, TransportError


def message_id(key: str, domain: str | None = None) -> str:
    """The stable Message-ID of a delivery: its key and a keyed hash (so ids cannot be
    guessed from a delivery number alone)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), key.encode(), hashlib.sha256).hexdigest()
    return f"<{key}.{digest[:12]}@{domain or sender_domain()}>"


def sender_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


class SmtpTransport(Transport):
    name = "smtp"
    channels = frozenset({"email"})
    max_batch = 100
    reconcilable = False

    def build(self, item: Outgoing) -> EmailMultiAlternatives:
        headers = {"Message-ID": message_id(item.key)}
        headers.update(item.headers)  # List-Unsubscribe, List-Unsubscribe-Post …
        message = EmailMultiAlternatives(
            subject=item.subject,
            body=item.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[item.to],
            headers=headers,
        )
        if item.html:
            message.attach_alternative(item.html, "text/html")
        return message

    def send(self, batch: list[Outgoing]) -> list[Outcome]:
        """Every outcome at once. A connection lost midway raises TransportError only when
        nothing was sent; otherwise the rest are temporary failures."""
        outcomes: list[Outcome] = []
        try:
            for outcome in self.send_each(batch):
                outcomes.append(outcome)
        except TransportError as exc:
            if not outcomes:
                raise
            done = {o.delivery_id for o in outcomes}
            outcomes += [
                Outcome(item.delivery_id, "temporary", code=exc.code, detail=exc.detail)
                for item in batch
                if item.delivery_id not in done
            ]
        return outcomes

    def send_each(self, batch: list[Outgoing]) -> Iterator[Outcome]:
        """One connection for the batch; yields each message's outcome as soon as the server
        answered it, in batch order. Raises TransportError (after the outcomes already yielded)
        when the connection cannot be opened or is lost: the items not yet yielded were not
        sent."""
        if not batch:
            return
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportError("connection_error", type(exc).__name__) from exc
        try:
            for item in batch:
                yield self._send_one(connection, item)
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                connection.close()

    def _send_one(self, connection, item: Outgoing) -> Outcome:
        message = self.build(item)
        try:
            connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()), (550, b""))[0]
            if 400 <= code < 500:
                return Outcome(
                    item.delivery_id, "temporary", code="recipient_deferred", detail=f"SMTP {code}"
                )
            return Outcome(
                item.delivery_id, "permanent", code="recipient_refused", detail=f"SMTP {code}"
            )
        except smtplib.SMTPDataError as exc:
            status = "temporary" if 400 <= exc.smtp_code < 500 else "permanent"
            return Outcome(
                item.delivery_id, status, code="data_refused", detail=f"SMTP {exc.smtp_code}"
            )
        except smtplib.SMTPSenderRefused as exc:
            raise TransportError("sender_refused", f"SMTP {exc.smtp_code}") from exc
        except (smtplib.SMTPException, OSError) as exc:  # lost connection, timeout …
            raise TransportError("connection_error", type(exc).__name__) from exc
        except (ValueError, UnicodeError) as exc:  # a header Django refuses (newline …)
            return Outcome(
                item.delivery_id, "permanent", code="bad_message", detail=type(exc).__name__
            )
        return Outcome(
            item.delivery_id, "sent", provider_message_id=message.extra_headers["Message-ID"][:80]
        )
