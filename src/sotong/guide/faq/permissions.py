"""Who may do what in `services`. Plain functions, no side effects.

The FAQ knowledge base is public to read (published entries). It is written by a superuser, or by
active staff who hold the Django permission `services.change_faqentry` for the entries of their own
organisation. An entry without an organisation, and an import without one, are for superusers.
`actor=None` is the system itself (a management command, the demo loader run from the shell)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sotong.org.permissions import permitted_organization_ids

if TYPE_CHECKING:
    from sotong.accounts.models import User

MANAGE_FAQ_PERMISSION = "services.change_faqentry"


def faq_organization_ids(user: User | None) -> set[int] | None:
    """Organisations whose FAQ entries `user` manages; `None` means every entry."""
    if user is None:
        return None
    return permitted_organization_ids(user, MANAGE_FAQ_PERMISSION)


def can_manage_faq(user: User | None, organization_id: int | None) -> bool:
    ids = faq_organization_ids(user)
    if ids is None:
        return True
    return organization_id is not None and organization_id in ids
