"""Staff services of notify: templates and campaigns (compose, preview, count, schedule, send,
cancel), and the two system steps the scheduler and the pipeline drive
(`campaign_start_due`, `campaign_finish_check`).

Every change is keyword-only, transactional, permission-checked (`permissions.py`: campaigns
and templates need `notify.send_campaign` in the organisation; an emergency alert needs
`notify.send_emergency`) and audited. Errors people can fix are Korean `ValidationError`s, per
field where there is one.

A campaign's life: DRAFT (`campaign_create`, `campaign_update`) → SCHEDULED (`campaign_schedule`)
→ SENDING (`campaign_start_due` when its time comes, or `campaign_send_now`: planned — one
`Delivery` per recipient and channel — and handed to the workers) → SENT
(`campaign_finish_check`, when no delivery is left to send). DRAFT, SCHEDULED and SENDING may be
CANCELLED (`campaign_cancel`: deliveries not yet claimed by a worker are cancelled).

One module per use case: `templates`, `compose` (create, update, count), `preview`, `sending`
(schedule, send now, cancel), `system` (the scheduler's and the pipeline's steps);
`validation` holds the content rules, `common` the shared fields and helpers. Callers use
`campaigns.<function>` from here."""

from .common import (
    CAMPAIGN_EDITABLE,
    CAMPAIGN_FIELDS,
    CONVERSION_DAYS_MAX,
    DIGEST_DEFAULT_DAYS,
    KEY_RE,
    PROMO_SMS_OVERHEAD,
    TEMPLATE_EDITABLE,
    TEMPLATE_FIELDS,
    Preview,
)
from .compose import campaign_count, campaign_create, campaign_update
from .preview import campaign_preview
from .sending import campaign_cancel, campaign_schedule, campaign_send_now
from .system import campaign_finish_check, campaign_start_due
from .templates import template_create, template_delete, template_preview, template_update
from .validation import DIGEST_ITEM_KEYS

__all__ = [
    "CAMPAIGN_EDITABLE",
    "CAMPAIGN_FIELDS",
    "CONVERSION_DAYS_MAX",
    "DIGEST_DEFAULT_DAYS",
    "DIGEST_ITEM_KEYS",
    "KEY_RE",
    "PROMO_SMS_OVERHEAD",
    "TEMPLATE_EDITABLE",
    "TEMPLATE_FIELDS",
    "Preview",
    "campaign_cancel",
    "campaign_count",
    "campaign_create",
    "campaign_finish_check",
    "campaign_preview",
    "campaign_schedule",
    "campaign_send_now",
    "campaign_start_due",
    "campaign_update",
    "template_create",
    "template_delete",
    "template_preview",
    "template_update",
]
