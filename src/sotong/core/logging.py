"""Logging pieces: the personal-data filter, the request id, and gunicorn's JSON logger.

Every log line passes `PersonalDataFilter` (settings.LOGGING puts it on the one root handler),
so no log, plain or JSON, carries personal data, whoever logged it. `ClientErrorFilter` keeps a
client's error (a 4xx) to one line. `RequestIdFilter` stamps each
line with the id of the request being served (set by `sotong.core.middleware.RequestIdMiddleware`).
"""

from __future__ import annotations

import logging
import logging.config
from contextvars import ContextVar, Token
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

# "-" outside a request (workers, commands), the request's id inside one.
REQUEST_ID: ContextVar[str] = ContextVar("sotong_request_id", default="-")
WITHHELD = "[message withheld: the personal-data filter failed]"
# Attributes every LogRecord has; anything else was passed with `extra=` and is logged too.
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
}


def configure(config: dict) -> None:
    """settings.LOGGING_CONFIG: the standard dictConfig, and Python's warnings (deprecations, a
    missing directory …) through the same handler, instead of raw text on stderr."""
    logging.config.dictConfig(config)
    logging.captureWarnings(True)


def set_request_id(request_id: str) -> Token[str]:
    return REQUEST_ID.set(request_id)


def reset_request_id(token: Token[str]) -> None:
    REQUEST_ID.reset(token)


def _mask(value: Any, mask_text) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: _mask(item, mask_text) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(item, mask_text) for item in value]
    # Objects (a request, a model instance) are written by their text, which may hold anything.
    return mask_text(str(value))


class PersonalDataFilter(logging.Filter):
    """Masks resident numbers, phone numbers, e-mail and the like in the message, the exception
    text and every `extra` field of a log record. If masking fails, the line is kept (the event
    matters) but its text is withheld: a broken filter must not leak."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            self._mask_record(record)
        except Exception:
            record.msg, record.args = WITHHELD, None
            record.exc_info = record.exc_text = record.stack_info = None
            for key in set(vars(record)) - _RECORD_ATTRS:
                delattr(record, key)
        return True

    def _mask_record(self, record: logging.LogRecord) -> None:
        from sotong.core.privacy.detect import mask_text

        if isinstance(record.msg, dict):  # structured message, logged as JSON fields
            record.msg = _mask(record.msg, mask_text)
        else:
            try:
                message = record.getMessage()
            except Exception:  # a broken format string must not lose the line
                message = f"{record.msg} {record.args!r}"
            record.msg, record.args = mask_text(message), None
        if record.exc_info:
            # Formatted now so that the text can be masked; formatters then use exc_text.
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        for key in set(vars(record)) - _RECORD_ATTRS:
            if not key.startswith("_"):
                setattr(record, key, _mask(getattr(record, key), mask_text))


class ClientErrorFilter(logging.Filter):
    """Django logs every 4xx it makes from an exception — a denial (403), a body it refused
    (400, `django.security.*`) — with that exception's full traceback: a stack per refused
    request, about nothing that went wrong on our side. Such a record keeps its level and
    becomes one line: the message and the exception's type and text. 5xx records keep their
    traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if (
            record.exc_info
            and isinstance(status, int)
            and 400 <= status < 500
            and record.name.startswith(("django.request", "django.security"))
        ):
            error = record.exc_info[1]
            try:
                message = record.getMessage()
            except Exception:
                message = str(record.msg)
            if error is not None:
                detail = " ".join(str(error).split())
                message = f"{message} ({type(error).__name__}{': ' + detail if detail else ''})"
            record.msg, record.args = message, None
            record.exc_info = record.exc_text = None
        return True


class RequestIdFilter(logging.Filter):
    """Stamps `request_id` on every record: the id of the request the record names (Django logs
    a 4xx/5xx response after the middleware has finished), else of the request being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = getattr(getattr(record, "request", None), "request_id", None)
            record.request_id = request_id if isinstance(request_id, str) else REQUEST_ID.get()
        return True


def json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
    )


class SotongGunicornLogger(GunicornLogger):
    """gunicorn's logger, with an access line that holds no query string (it may carry personal
    data) and a masked path, and the personal-data filter on its error log (which names the URL
    of a failed request). `request_id` is the X-Request-ID the application answered with, so an
    access line joins the application's own lines for the same request."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
                handler.addFilter(PersonalDataFilter())

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        try:
            fields = self.access_fields(resp, environ, request_time)
            message, args, extra = self.access_record(fields)
            self.access_log.info(message, *args, extra=extra)
        except Exception:
            self.error_log.exception("access log line could not be written")

    def access_fields(self, resp, environ, request_time) -> dict[str, Any]:
        headers = {name.lower(): value for name, value in resp.headers}
        status = str(resp.status).split(None, 1)[0]
        return {
            "method": environ.get("REQUEST_METHOD"),
            "path": self._masked(environ.get("PATH_INFO", "")),
            "status": int(status) if status.isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "request_id": headers.get("x-request-id", "-"),
        }

    def access_record(self, fields: dict[str, Any]) -> tuple[str, tuple, dict | None]:
        """(message, args, extra) of the access line."""
        names = ("remote_addr", "method", "path", "status", "bytes", "duration_ms", "request_id")
        values = {**fields, "remote_addr": fields["forwarded_for"] or fields["remote_addr"]}
        return '%s "%s %s" %s %s %sms %s', tuple(values[name] for name in names), None

    @staticmethod
    def _masked(text: str) -> str:
        try:
            from sotong.core.privacy.detect import mask_text

            return mask_text(text)
        except Exception:
            return "[withheld]"


class GunicornJsonLogger(SotongGunicornLogger):
    """The same, one JSON object per line (error log included), for log shipping."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        formatter = json_formatter()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter)

    def access_record(self, fields: dict[str, Any]) -> tuple[str, tuple, dict | None]:
        return "request", (), fields
