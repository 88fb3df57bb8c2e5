"""Confirming that a person receives messages at an address: the one rule behind notify's
subscription double opt-in (`subscriptions/confirm.py`, state in `Confirmation` rows) and the
anonymous petitioner's contact (`petitions/confirm.py`, state in the session).

- A phone gets a 6-digit code by SMS, good for CODE_MINUTES and CODE_TRIES tries; only a keyed
  hash of it is kept (`code_hash`), and what is typed back is normalised (full-width digits,
  spaces, hyphens) and compared in constant time (`code_typed`, `code_check`).
- An e-mail address gets a signed link (`link_token`, `link_payload`); its lifetime and salt
  belong to the caller.
- A new code or link for the same address at most once every RESEND_SECONDS and at most
  SENDS_PER_HOUR an hour (`resend_refusal`): a form that can make us send texts must not become
  a way to flood someone's phone.

Callers keep their own storage, their own hash purpose and link salt (codes and links already
sent must keep verifying) and their own wording where it differs (a link's lifetime); the
messages here are the shared ones, with their error codes."""

from __future__ import annotations

import hmac
import secrets
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Channel, Priority
from .transactional import Event

CODE_DIGITS = 6
CODE_MINUTES = 10
CODE_TRIES = 5
RESEND_SECONDS = 60
SENDS_PER_HOUR = 5

TOO_SOON = "too_soon"
TOO_MANY = "too_many"


# --- codes --------------------------------------------------------------------------------------


def code_sms_event(*, key: str, label: str, subject: str = "") -> Event:
    """The text message that carries a confirmation code. `subject` names what is confirmed
    before the word 인증번호 ("민원"), so a person who gets two codes knows which is which.
    90 bytes as carriers count (Hangul 2 bytes): "[시험구] 민원 인증번호 123456 (10분 안에
    입력하세요)" is about 50, room for a long organisation name."""
    words = f"{subject} 인증번호" if subject else "인증번호"
    return Event(
        key=key,
        label=label,
        channels=(Channel.SMS,),
        templates={
            Channel.SMS: (
                "",
                f"[{{{{ organization }}}}] {words} {{{{ code }}}} "
                "({{ minutes }}분 안에 입력하세요)",
            )
        },
        sample_context={"organization": "시험구", "code": "123456", "minutes": CODE_MINUTES},
        # The person is waiting at the form: ahead of campaigns, like every transactional message.
        priority=Priority.TRANSACTIONAL,
    )


def code_new() -> str:
    """A fresh code: CODE_DIGITS random digits, leading zeros kept."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(purpose: str, key: str, code: str) -> str:
    """The keyed hash kept instead of the code (or of a link's nonce). Keyed: a leaked table must
    not be brute-forced over the million possible codes. `purpose` ("notify.code",
    "petitions.code") and `key` (what the code belongs to) keep one code from matching elsewhere."""
    secret = settings.FIELD_LOOKUP_KEY.encode("utf-8")
    return hmac.new(secret, f"{purpose}\x00{key}\x00{code}".encode(), "sha256").hexdigest()


def code_matches(stored_hash: str, *, purpose: str, key: str, code: str) -> bool:
    """Whether `code` is the one `stored_hash` was made of, in constant time."""
    return hmac.compare_digest(stored_hash, code_hash(purpose, key, code))


def _code_error(message: str, code: str) -> ValidationError:
    """An error on the field "code" that keeps its stable code (a dict of plain messages would
    drop it): `error.error_dict["code"][0].code`, and a form's `errors.as_data()`."""
    return ValidationError({"code": ValidationError(message, code=code)})


def code_typed(code: str | None) -> str:
    """The code as typed, normalised: full-width digits (NFKC), spaces and hyphens are what
    people type from a text message. ValidationError on "code" (code "format") unless that
    leaves exactly CODE_DIGITS ASCII digits; a malformed code uses no try."""
    typed = "".join(unicodedata.normalize("NFKC", code or "").split()).replace("-", "")
    if not (len(typed) == CODE_DIGITS and typed.isascii() and typed.isdigit()):
        raise _code_error(_("인증번호 6자리 숫자를 입력하세요."), "format")
    return typed


def code_missing_error() -> ValidationError:
    """No code is waiting to be typed (none sent, or the address is gone)."""
    return _code_error(_("확인할 인증번호가 없습니다. 인증번호를 다시 받으세요."), "missing")


def _too_many_tries() -> str:
    return _("인증번호를 5번 잘못 입력했습니다. 인증번호를 다시 받으세요.")


def code_check(
    *,
    stored_hash: str,
    purpose: str,
    key: str,
    typed: str,
    expires_at: datetime,
    now: datetime,
    count_try: Callable[[], int | None],
) -> None:
    """Accepts `typed` (from `code_typed`) or raises ValidationError on "code": expired once
    `expires_at` has come, too many once CODE_TRIES tries were used, wrong (with the tries left)
    otherwise; each error carries its code ("expired", "too_many", "wrong").

    `count_try` records one more try where the caller keeps them and returns how many had been
    used before it, or None when CODE_TRIES were already used (a caller with a database counts
    atomically, so parallel guesses cannot get more). Every try counts, the right one too."""
    if expires_at <= now:
        raise _code_error(
            _("인증번호의 유효 시간(10분)이 지났습니다. 인증번호를 다시 받으세요."), "expired"
        )
    used = count_try()
    if used is None:
        raise _code_error(_too_many_tries(), "too_many")
    if not code_matches(stored_hash, purpose=purpose, key=key, code=typed):
        left = CODE_TRIES - used - 1
        if left <= 0:
            message = _too_many_tries()
        else:
            message = _("인증번호가 맞지 않습니다. (남은 횟수 %(left)d번)") % {"left": left}
        raise _code_error(message, "wrong")


# --- links --------------------------------------------------------------------------------------


class LinkError(Exception):
    """A confirmation link that cannot be used."""


class LinkInvalid(LinkError):
    """Not a link we signed with this salt (mistyped, cut short, tampered with)."""


class LinkExpired(LinkError):
    """A link we signed, older than its lifetime."""


def link_token(payload: Any, *, salt: str) -> str:
    """The signed token of a confirmation link (the payload is readable, not secret: put a
    nonce in it whose hash only the server keeps)."""
    return signing.dumps(payload, salt=salt)


def link_payload(token: str, *, salt: str, max_age: timedelta) -> Any:
    """The payload of a token from `link_token`; LinkExpired or LinkInvalid otherwise."""
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkInvalid from None


def link_invalid_error() -> ValidationError:
    return ValidationError(
        _("확인 링크가 올바르지 않습니다. 메일에 있는 주소를 그대로 열었는지 확인하세요."),
        code="invalid",
    )


# --- resending ----------------------------------------------------------------------------------


def resend_refusal(
    *, last_sent: datetime | None, now: datetime, earlier_sends: Callable[[], int]
) -> str | None:
    """Why a new code or link for an address must not go now: TOO_SOON within RESEND_SECONDS of
    the last one (`last_sent`), TOO_MANY when `earlier_sends()` — how many went to the address in
    the past hour — has reached SENDS_PER_HOUR; None when it may go. `earlier_sends` is called
    only when the first rule lets the send through."""
    if last_sent is not None and (now - last_sent).total_seconds() < RESEND_SECONDS:
        return TOO_SOON
    if earlier_sends() >= SENDS_PER_HOUR:
        return TOO_MANY
    return None


def resend_error(refusal: str) -> ValidationError:
    """The refusal (code "throttled") to show for `resend_refusal`'s answer."""
    if refusal == TOO_MANY:
        message = _(
            "이 연락처로 한 시간에 %(max)d번까지 보낼 수 있습니다. 잠시 뒤 다시 시도하세요."
        ) % {"max": SENDS_PER_HOUR}
    else:
        message = _("방금 보냈습니다. 잠시 뒤(1분 이상 지나서) 다시 요청하세요.")
    return ValidationError(message, code="throttled")
