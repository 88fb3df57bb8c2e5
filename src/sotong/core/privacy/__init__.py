"""Personal data (개인정보): finding and masking it in text, encrypting it at rest, and logging
every staff read of it. See README.md.

    from sotong.core.privacy import find_personal_data, mask_text, mask_name

Only the Django-free modules are imported here; models and services are imported from their
modules (`sotong.core.privacy.services`)."""

from __future__ import annotations

from .detect import KINDS, Finding, contains_personal_data, find_personal_data, mask_text
from .mask import mask_name, mask_value

__all__ = [
    "KINDS",
    "Finding",
    "contains_personal_data",
    "find_personal_data",
    "mask_name",
    "mask_text",
    "mask_value",
]
