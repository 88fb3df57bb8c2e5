"""The confirmed contact of an anonymous web petitioner (민원처리법: a petition needs a way to
reach its petitioner; we accept a phone or an e-mail address only once its owner has shown they
receive messages there).

The form's data waits in the visitor's session (`SESSION_KEY`) — its files in storage under
`petitions/pending/` — until the code sent by SMS is typed in or the link sent by e-mail is
opened in the same browser; then the view submits the petition through `services.petition_submit`
and `pending_clear` forgets it. Nothing is written to the petitions tables before that, so an
unconfirmed request leaves no petition behind.

The rule is notify's subscription confirmation (`sotong.notify.confirmation`): a 6-digit code,
10 minutes, 5 tries, only its keyed hash kept; a signed link (here valid 24 hours); a new code or
link at most once a minute and 5 an hour per address (a form that sends texts must not become a
way to flood someone's phone). Only the storage — the session, and the cache for the hourly
count — is this module's."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sotong.core import ratelimit
from sotong.core.privacy.public import public_text
from sotong.notify.confirmation import (
    CODE_MINUTES,
    CODE_TRIES,
    LinkExpired,
    LinkInvalid,
    code_check,
    code_hash,
    code_missing_error,
    code_new,
    code_sms_event,
    code_typed,
    link_invalid_error,
    link_payload,
    link_token,
    resend_error,
    resend_refusal,
)
from sotong.notify.models import Channel, Priority
from sotong.notify.services import Address, Event, notification_send

SESSION_KEY = "petitions_pending"
PENDING_DIR = "petitions/pending"
LINK_HOURS = 24
# The pending request itself is forgotten after this long; the files of a request that was
# never confirmed are deleted by the petitions tick an hour later (`pending_files_prune`).
PENDING_HOURS = 24
_SALT_EMAIL = "sotong.petitions.confirm_email"
# The purpose in the keyed hash of codes: never change it (nor the salt above), or codes and links
# already sent no longer verify.
_CODE_PURPOSE = "petitions.code"

CONFIRM_SMS = code_sms_event(
    key="petitions.confirm_sms", label=str(_("민원 신청 휴대전화 인증번호")), subject="민원"
)
CONFIRM_EMAIL = Event(
    key="petitions.confirm_email",
    label=str(_("민원 신청 이메일 확인")),
    channels=(Channel.EMAIL,),
    templates={
        Channel.EMAIL: (
            "[{{ organization }}] 민원 신청을 확인해 주세요",
            "{{ organization }}에 민원 \u300c{{ title }}\u300d 신청을 시작하셨습니다.\n\n"
            "아래 주소를 신청한 브라우저에서 열고 '확인하고 접수' 단추를 누르면 민원이 "
            "접수됩니다. 이 주소는 {{ hours }}시간 동안 쓸 수 있습니다.\n\n"
            "{{ confirm_url }}\n\n"
            "신청하지 않으셨다면 이 메일을 무시하세요. 확인하지 않으면 민원은 접수되지 "
            "않습니다.",
        )
    },
    sample_context={
        "organization": "시험구",
        "title": "가로등이 꺼져 있습니다",
        "confirm_url": "https://example.kr/petitions/confirm/email/…",
        "hours": LINK_HOURS,
    },
    priority=Priority.TRANSACTIONAL,
)


# --- the pending request in the session ---------------------------------------------------------


def _now_ts() -> float:
    return timezone.now().timestamp()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def _stage_file(upload) -> dict:
    """Keeps an upload until the contact is confirmed, under a random name (the person's file
    name is kept only in the session, as `file_store` keeps it only in its row)."""
    extension = os.path.splitext(upload.name or "")[1].lower()[:10]
    name = default_storage.save(f"{PENDING_DIR}/{secrets.token_hex(16)}{extension}", upload)
    return {"path": name, "name": upload.name or "file"}


def pending_start(
    request: HttpRequest, *, board, arguments: dict, contact: dict, uploads, form_key: str
) -> dict:
    """Puts a validated form into the session and returns the pending request (not sent yet:
    call `send_confirmation`). A previous pending request of this browser is replaced."""
    pending_clear(request)
    pending = {
        "board": board.pk,
        "arguments": {key: _jsonable(value) for key, value in arguments.items()},
        "method": contact["method"],
        "phone": contact.get("phone", ""),
        "email": contact.get("email", ""),
        "name": contact.get("name", ""),
        "files": [_stage_file(upload) for upload in uploads],
        "key": form_key,
        "nonce": secrets.token_urlsafe(16),
        "created": _now_ts(),
        "code_hash": "",
        "code_expires": 0.0,
        "tries": 0,
        "sent_at": 0.0,
    }
    request.session[SESSION_KEY] = pending
    return pending


def pending_get(request: HttpRequest) -> dict | None:
    pending = request.session.get(SESSION_KEY)
    if not isinstance(pending, dict) or "nonce" not in pending:
        return None
    if _now_ts() - float(pending.get("created", 0)) > PENDING_HOURS * 3600:
        pending_clear(request)
        return None
    return pending


def _save(request: HttpRequest, pending: dict) -> None:
    request.session[SESSION_KEY] = pending
    request.session.modified = True


def pending_clear(request: HttpRequest, *, delete_files: bool = True) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if delete_files and isinstance(pending, dict):
        for staged in pending.get("files", ()):
            # Already gone or odd: nothing to forget.
            with contextlib.suppress(OSError, KeyError, TypeError):
                default_storage.delete(staged["path"])


def pending_files_prune(now: datetime | None = None) -> int:
    """Deletes staged uploads older than the pending request's lifetime plus an hour: those of
    requests abandoned before the contact was confirmed (a confirmed or cleared request deletes
    its own). A step of the petitions tick; returns how many files went."""
    cutoff = (now or timezone.now()) - timedelta(hours=PENDING_HOURS + 1)
    try:
        _dirs, names = default_storage.listdir(PENDING_DIR)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    deleted = 0
    for name in names:
        path = f"{PENDING_DIR}/{name}"
        # A file another process deletes meanwhile is simply gone.
        with contextlib.suppress(OSError):
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                deleted += 1
    return deleted


def pending_files(pending: dict) -> list[File]:
    """The staged uploads as files named as the person named them (the type checks of
    `file_store` read the extension of that name)."""
    files = []
    for staged in pending.get("files", ()):
        handle = default_storage.open(staged["path"], "rb")
        files.append(File(handle, name=staged["name"]))
    return files


def pending_arguments(pending: dict) -> dict:
    """The form's service arguments back from the session (decimals and the category)."""
    from .models import Category

    arguments = dict(pending["arguments"])
    for field in ("latitude", "longitude"):
        if arguments.get(field) is not None:
            arguments[field] = Decimal(arguments[field])
    if arguments.get("category") is not None:
        arguments["category"] = Category.objects.filter(pk=arguments["category"]).first()
    return arguments


# --- sending --------------------------------------------------------------------------------


def _moment(timestamp: float) -> datetime:
    # The session keeps times as timestamps (JSON).
    return datetime.fromtimestamp(timestamp, tz=UTC)


def _address_key(pending: dict) -> str:
    address = pending["phone"] if pending["method"] == "sms" else pending["email"]
    digest = hashlib.sha256(f"{pending['method']}\x00{address}".encode()).hexdigest()[:32]
    return f"petitions:confirm:sent:{digest}"


def _throttle(pending: dict) -> None:
    refusal = resend_refusal(
        last_sent=_moment(float(pending.get("sent_at", 0))),
        now=_moment(_now_ts()),
        # Per address in the cache: a new session (or a new form) does not reset it. The hit
        # counts this send, refused or not.
        earlier_sends=lambda: ratelimit.hits(_address_key(pending), period=3600) - 1,
    )
    if refusal is not None:
        raise resend_error(refusal)


def send_confirmation(request: HttpRequest, pending: dict, *, organization) -> None:
    """Sends a new code (SMS) or link (e-mail) for the pending request. ValidationError when
    asked again too soon."""
    _throttle(pending)
    pending["sent_at"] = _now_ts()
    ref = f"petitions.confirm:{pending['nonce'][:8]}"
    if pending["method"] == "sms":
        code = code_new()
        pending["code_hash"] = code_hash(_CODE_PURPOSE, pending["nonce"], code)
        pending["code_expires"] = _now_ts() + CODE_MINUTES * 60
        pending["tries"] = 0
        _save(request, pending)
        notification_send(
            event="petitions.confirm_sms",
            recipient=Address(phone=pending["phone"]),
            context={"organization": organization.name, "code": code, "minutes": CODE_MINUTES},
            organization=organization,
            ref=ref,
        )
        return
    token = link_token({"n": pending["nonce"]}, salt=_SALT_EMAIL)
    _save(request, pending)
    path = reverse("petitions:confirm_email", args=[token])
    notification_send(
        event="petitions.confirm_email",
        recipient=Address(email=pending["email"]),
        context={
            "organization": organization.name,
            # The address is not confirmed yet: the mail may reach someone else.
            "title": public_text(pending["arguments"].get("title", ""))[:60],
            "confirm_url": f"{settings.SITE_URL}{path}",
            "hours": LINK_HOURS,
        },
        organization=organization,
        ref=ref,
    )


# --- checking -------------------------------------------------------------------------------


def check_code(request: HttpRequest, pending: dict, code: str) -> None:
    """Accepts the SMS code or raises ValidationError on "code". Every try counts."""
    typed = code_typed(code)
    if pending.get("method") != "sms" or not pending.get("code_hash"):
        raise code_missing_error()

    def count_try() -> int | None:
        used = int(pending.get("tries", 0))
        if used >= CODE_TRIES:
            return None
        pending["tries"] = used + 1
        _save(request, pending)
        return used

    code_check(
        stored_hash=pending["code_hash"],
        purpose=_CODE_PURPOSE,
        key=pending["nonce"],
        typed=typed,
        expires_at=_moment(float(pending.get("code_expires", 0))),
        now=_moment(_now_ts()),
        count_try=count_try,
    )


def check_email_token(pending: dict | None, token: str) -> None:
    """Accepts the e-mail link for the pending request of this browser, or raises
    ValidationError (code "invalid", "expired" or "other_browser")."""
    try:
        data = link_payload(token, salt=_SALT_EMAIL, max_age=timedelta(hours=LINK_HOURS))
    except LinkExpired:
        raise ValidationError(
            _("확인 링크의 유효 기간(24시간)이 지났습니다. 민원을 다시 작성해 주세요."),
            code="expired",
        ) from None
    except LinkInvalid:
        raise link_invalid_error() from None
    if (
        pending is None
        or pending.get("method") != "email"
        or not isinstance(data, dict)
        or not hmac.compare_digest(str(data.get("n", "")), str(pending.get("nonce", "")))
    ):
        raise ValidationError(
            _(
                "이 브라우저에는 확인을 기다리는 민원이 없습니다. 민원을 작성한 브라우저에서 "
                "링크를 열거나, 민원을 다시 작성해 주세요."
            ),
            code="other_browser",
        )


def confirmed_contact(pending: dict) -> dict:
    """The keyword arguments of `petition_submit` for the confirmed contact."""
    return {
        "petitioner_name": pending.get("name", ""),
        "contact_phone": pending["phone"] if pending["method"] == "sms" else "",
        "contact_email": pending["email"] if pending["method"] == "email" else "",
    }


# --- a per-IP limit for requests that make us send something --------------------------------

RATE_LIMITS = {"submit": (30, 3600), "confirm": (30, 600), "resend": (10, 3600)}


def rate_limited(request: HttpRequest, action: str) -> bool:
    limits = {**RATE_LIMITS, **getattr(settings, "PETITIONS_PUBLIC_RATE_LIMITS", {})}
    who = request.META.get("REMOTE_ADDR", "") or "unknown"
    return ratelimit.rate_limited("petitions", action, who, limits)
