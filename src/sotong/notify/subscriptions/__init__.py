"""Subscriptions: a resident (or anyone with an e-mail address or a phone) asks an organisation
for notifications, confirms each address (double opt-in), changes preferences and withdraws.

- One subscriber per person per organisation: a new request that names an address (or account)
  already on the organisation's list *merges* into that row instead of creating a second one.
- An address counts only once confirmed: e-mail by a signed link (3 days), a phone by a 6-digit
  code sent by SMS (10 minutes, 5 tries; only a keyed hash of the code is stored) — the rule of
  `notify.confirmation`, which petitions' anonymous contact confirmation shares. A resident
  whose account e-mail is verified gets that address confirmed at once. The subscription is
  PENDING until one chosen channel has a confirmed address, then ACTIVE.
- Every consent and withdrawal is a `Consent` row (what, channel, granted, source, when).
- Withdrawing cancels the subscriber's queued deliveries on that channel and forgets an address
  no channel needs any more (its keyed hash stays, so a later subscription finds the row again).
- Links in messages carry signed tokens (`manage_url`, `unsubscribe_url`): no expiry (an old
  newsletter must still unsubscribe), salted per purpose, and bound to a per-subscriber version so
  they can be revoked.

Audit events name the fields that changed, never addresses or profile values.

One module per use case: `subscribe`, `confirm` (links, codes, resend), `update`, `withdraw`,
`tokens` (signed manage/unsubscribe links); `common` holds the shared helpers and validation.
Callers use `subscriptions.<function>` from here."""

from ..confirmation import CODE_MINUTES, CODE_TRIES, RESEND_SECONDS
from ..confirmation import SENDS_PER_HOUR as RESEND_PER_HOUR
from .common import EMAIL_CONFIRM_DAYS, PHONE_CHANNELS, pending_channels
from .confirm import (
    subscriber_confirm,
    subscriber_confirm_email_token,
    subscriber_resend_confirmation,
)
from .subscribe import subscriber_subscribe
from .tokens import manage_url, subscriber_from_token, unsubscribe_url
from .update import subscriber_update
from .withdraw import subscriber_withdraw, subscriber_withdraw_phone

__all__ = [
    "CODE_MINUTES",
    "CODE_TRIES",
    "EMAIL_CONFIRM_DAYS",
    "PHONE_CHANNELS",
    "RESEND_PER_HOUR",
    "RESEND_SECONDS",
    "manage_url",
    "pending_channels",
    "subscriber_confirm",
    "subscriber_confirm_email_token",
    "subscriber_from_token",
    "subscriber_resend_confirmation",
    "subscriber_subscribe",
    "subscriber_update",
    "subscriber_withdraw",
    "subscriber_withdraw_phone",
    "unsubscribe_url",
]
