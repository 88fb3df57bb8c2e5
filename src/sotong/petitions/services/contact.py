"""The petitioner's contact data for staff (`contact_view`), every read logged."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils.translation import gettext as _

from sotong.core.text import clean_text

from .. import permissions
from ..models import (
    Petition,
)
from ._common import (
    _audit,
    _require,
)

if TYPE_CHECKING:
    from sotong.accounts.models import User


# --- contact data ----------------------------------------------------------------------------


@transaction.atomic
def contact_view(
    *, actor: User, petition: Petition, reason: str = "", request=None
) -> dict[str, str]:
    """The petitioner's name, e-mail and phone for staff who may handle the petition; every
    read is logged (`personal_data_access_record` for an account, the audit trail always)."""
    petition = Petition.objects.select_related("user", "organization").get(pk=petition.pk)
    _require(
        permissions.can_view_contact(actor, petition),
        _("이 민원인의 연락처를 볼 권한이 없습니다."),
    )
    purpose = clean_text(reason) or _("민원 처리")
    contact = {
        "name": petition.petitioner_name,
        "email": petition.contact_email,
        "phone": petition.contact_phone,
    }
    user = petition.user
    if user is not None:
        contact["name"] = contact["name"] or getattr(user, "display_name", "") or ""
        contact["email"] = contact["email"] or user.email or ""
        if not contact["phone"]:
            with contextlib.suppress(ObjectDoesNotExist):
                contact["phone"] = getattr(user.resident_profile, "phone", "") or ""
    from sotong.core.privacy.services import personal_data_access_record

    personal_data_access_record(
        actor=actor,
        subject=user,
        subject_label="" if user is not None else f"민원 #{petition.pk} 민원인",
        fields=[key for key, value in contact.items() if value] or ["name"],
        purpose=purpose[:200],
        obj=petition,
        request=request,
    )
    _audit(
        actor,
        "petitions.petition.contact_view",
        petition,
        after={"fields": [key for key, value in contact.items() if value]},
        reason=purpose[:200],
    )
    return contact
