"""The petitions demo's configuration of one organisation: its policy, kind periods,
categories, boards and handling staff, and the demo's permission groups (saved through the
services, only when different)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from sotong.accounts.models import User
from sotong.org import services as org_services
from sotong.org.models import Department, Organization, Staff, Team
from sotong.petitions import services
from sotong.petitions.models import (
    Board,
    Category,
    KindPolicy,
    Policy,
)

from .petitions_demo_base import DemoPetitionsError, _user


def _permission_groups(data: dict[str, Any]) -> None:
    groups = {}
    for name, codenames in data["permission_groups"].items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = set(
            Permission.objects.filter(content_type__app_label="petitions", codename__in=codenames)
        )
        if set(group.permissions.all()) != wanted:
            group.permissions.set(wanted)
        groups[name] = group
    for email, name in data["group_members"].items():
        user = User.objects.filter(email=email).first()
        if user is not None and not user.groups.filter(pk=groups[name].pk).exists():
            user.groups.add(groups[name])


def _save_if_changed(
    obj: Any, values: dict[str, Any], save: Any, actor: User, keyword: str
) -> bool:
    """Saves through the settings service (audited) only when something differs."""
    if obj.pk is not None and all(getattr(obj, k) == v for k, v in values.items()):
        return False
    for key, value in values.items():
        setattr(obj, key, value)
    save(actor=actor, **{keyword: obj})
    return True


class _Settings:
    """Policy, kind periods, categories, boards and handling staff of one organisation."""

    def __init__(self, data: dict[str, Any], org: Organization, actor: User, result) -> None:
        self.data = data
        self.spec = data["organizations"][org.code]
        self.org = org
        self.actor = actor
        self.result = result
        self.departments = {d.name: d for d in Department.objects.filter(organization=org)}

    def department(self, name: str | None) -> Department | None:
        if not name:
            return None
        try:
            return self.departments[name]
        except KeyError:
            raise DemoPetitionsError(f"{self.org.code}: no department {name!r}") from None

    def run(self) -> None:
        self.staff()
        changed = 0
        policy = Policy.objects.filter(organization=self.org).first() or Policy(
            organization=self.org
        )
        changed += _save_if_changed(
            policy, self.spec["policy"], services.policy_save, self.actor, "policy"
        )
        for row in self.spec["kind_policies"]:
            kind_policy = KindPolicy.objects.filter(
                organization=self.org, kind=row["kind"]
            ).first() or KindPolicy(organization=self.org, kind=row["kind"])
            values = {"period": row["period"], "self_approval": row["self_approval"]}
            changed += _save_if_changed(
                kind_policy, values, services.kind_policy_save, self.actor, "kind_policy"
            )
        for order, row in enumerate(self.spec["categories"], start=1):
            category = Category.objects.filter(
                organization=self.org, code=row["code"]
            ).first() or Category(organization=self.org, code=row["code"])
            values = {
                "name": row["name"],
                "description": row.get("description", ""),
                "keywords": row.get("keywords", ""),
                "department": self.department(row.get("department")),
                "attributes": row.get("attributes", []),
                "order": order,
                "active": True,
            }
            changed += _save_if_changed(
                category, values, services.category_save, self.actor, "category"
            )
        for row in self.spec["boards"]:
            board = Board.objects.filter(organization=self.org, code=row["code"]).first() or Board(
                organization=self.org, code=row["code"]
            )
            values = {
                "name": row["name"],
                "description": row.get("description", ""),
                "kinds": row["kinds"],
                "posting": row["posting"],
                "public_by_default": row["public_by_default"],
                "allow_private": row["allow_private"],
                "department": self.department(row.get("department")),
                "chief_answers": row["chief_answers"],
                "approver": row["approver"],
                "checklist": self.data["checklist"],
                "reopen_days": row["reopen_days"],
                "order": row["order"],
                "active": True,
            }
            changed += _save_if_changed(board, values, services.board_save, self.actor, "board")
        self.result.settings += changed

    def staff(self) -> None:
        for row in self.data["staff"]:
            if row["organization"] != self.org.code:
                continue
            department = self.department(row["department"])
            team = (
                Team.objects.get(department=department, name=row["team"])
                if row.get("team")
                else None
            )
            user, _ = _user(row["email"], row["name"])
            if Staff.objects.filter(user=user).exists():
                continue
            org_services.staff_assign(
                actor=self.actor,
                user=user,
                organization=self.org,
                name=row["name"],
                position=row["position"],
                department=department,
                team=team,
                title=row.get("title", ""),
                grade=row.get("grade"),
            )
            self.result.staff += 1
