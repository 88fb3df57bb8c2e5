"""Organisations and their 행정동 (dong)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from sotong.core.audit import audit_record, audited_update, snapshot

from .. import permissions
from ..models import Dong, Organization
from .common import ORGANIZATION_FIELDS, ORGANIZATION_STRUCTURE_FIELDS, _check_fields, _require

if TYPE_CHECKING:
    from sotong.accounts.models import User


@transaction.atomic
def organization_create(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    head_title: str,
    parent: Organization | None = None,
    admin_code: str = "",
    name_en: str = "",
    address: str = "",
    phone: str = "",
    website: str = "",
    description: str = "",
) -> Organization:
    _require(permissions.can_create_organization(actor))
    org = Organization(
        code=code,
        name=name,
        kind=kind,
        head_title=head_title,
        parent=parent,
        admin_code=admin_code,
        name_en=name_en,
        address=address,
        phone=phone,
        website=website,
        description=description,
    )
    org.full_clean()
    org.save()
    audit_record(
        actor=actor,
        action="org.organization.create",
        obj=org,
        organization=org,
        after=snapshot(org, ORGANIZATION_FIELDS),
    )
    return org


@transaction.atomic
def organization_update(
    *, actor: User, organization: Organization, reason: str = "", **changes: Any
) -> Organization:
    _check_fields(changes, ORGANIZATION_FIELDS)
    _require(permissions.can_manage_organization(actor, organization))
    org = Organization.objects.select_for_update().get(pk=organization.pk)

    def check(changed: list[str]) -> None:
        if ORGANIZATION_STRUCTURE_FIELDS & set(changed):
            _require(permissions.can_restructure_organization(actor))

    audited_update(
        org,
        actor=actor,
        action="org.organization.update",
        changes=changes,
        fields=ORGANIZATION_FIELDS,
        organization=org,
        reason=reason,
        check=check,
    )
    return org


@transaction.atomic
def dong_create(*, actor: User, organization: Organization, name: str) -> Dong:
    _require(permissions.can_manage_organization(actor, organization))
    dong = Dong(organization=organization, name=name.strip())
    dong.full_clean()
    dong.save()
    audit_record(
        actor=actor,
        action="org.dong.create",
        obj=dong,
        organization=organization,
        after={"name": dong.name},
    )
    return dong


@transaction.atomic
def dong_update(*, actor: User, dong: Dong, name: str) -> Dong:
    _require(permissions.can_manage_organization(actor, dong.organization_id))
    before = dong.name
    dong.name = name.strip()
    if dong.name == before:
        return dong
    dong.full_clean()
    dong.save(update_fields=["name"])
    audit_record(
        actor=actor,
        action="org.dong.update",
        obj=dong,
        organization=dong.organization,
        before={"name": before},
        after={"name": dong.name},
    )
    return dong


@transaction.atomic
def dong_delete(*, actor: User, dong: Dong, reason: str = "") -> None:
    _require(permissions.can_manage_organization(actor, dong.organization_id))
    organization = dong.organization
    record = {"id": dong.pk, "name": dong.name}
    try:
        with transaction.atomic():
            dong.delete()
    except models.ProtectedError as exc:
        raise ValidationError(
            _("이 행정동에 사는 주민이 있어 삭제할 수 없습니다. 이름을 고치세요.")
        ) from exc
    audit_record(
        actor=actor,
        action="org.dong.delete",
        organization=organization,
        before=record,
        reason=reason,
    )
