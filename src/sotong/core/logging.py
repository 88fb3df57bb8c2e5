"""Logging filter that masks personal data before any log line is written."""

from __future__ import annotations

import logging


class PersonalDataFilter(logging.Filter):
    """Masks resident numbers, phone numbers, e-mail and the like in every log message, so that
    no log (plain or JSON) ever carries personal data, whoever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        from sotong.core.privacy.detect import mask_text

        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the log line
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
