"""Loads the demo government from the data files in `data/` (curated from the seed documents,
each file citing its source). Idempotent: rows are found by natural keys (organisation code,
department (organisation, name), team (department, name), user e-mail), created when missing and
corrected when different, so a second run changes and creates nothing. Organisation data is
written through `sotong.org.services` (audited, with the demo superuser as actor)."""

from __future__ import annotations

import datetime
import importlib.util
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from sotong.accounts.models import User
from sotong.guide.faq.services import faq_import
from sotong.guide.models import FaqEntry, Service
from sotong.notify.models import Campaign, Subscriber
from sotong.org import services
from sotong.org.models import (
    Department,
    Dong,
    Organization,
    Position,
    Staff,
    StaffingEntry,
    Team,
)

ORGANIZATION_FILES = ("seoul.json", "seodaemun.json", "junggu.json", "yeongdeungpo.json")
PEOPLE_FILE = "people.json"
# An excerpt of the Seoul 120 knowledge base (see data/seoul120_faq_excerpt.README.md).
FAQ_FILE = "seoul120_faq_excerpt.csv"
ORG_ADMIN_GROUP = "기관 관리자"
# Everything about organisations except creating or deleting an organisation itself.
ORG_ADMIN_PERMISSIONS = [
    "view_organization",
    "change_organization",
    "add_dong",
    "change_dong",
    "delete_dong",
    "view_dong",
    "add_department",
    "change_department",
    "view_department",
    "add_team",
    "change_team",
    "delete_team",
    "view_team",
    "add_staff",
    "change_staff",
    "view_staff",
    "add_staffingentry",
    "change_staffingentry",
    "delete_staffingentry",
    "view_staffingentry",
    "add_closingday",
    "delete_closingday",
    "view_closingday",
]
ROLE_LABELS = {
    Position.CHIEF: "기관장",
    Position.DEPUTY: "부기관장",
    Position.DIRECTOR: "국장",
    Position.HEAD: "과장·담당관",
    Position.TEAM_LEAD: "팀장",
    Position.OFFICER: "주무관",
}


class DemoDataError(Exception):
    """The data files contradict themselves (a typo in a number, a missing department)."""


def read_data(name: str) -> dict[str, Any]:
    return json.loads(resources.files("sotong.demo").joinpath("data", name).read_text("utf-8"))


@dataclass
class Login:
    role: str
    organization: str
    email: str
    password: str


@dataclass
class DemoResult:
    created: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    logins: list[Login] = field(default_factory=list)
    account_lines: list[str] = field(default_factory=list)
    accounts_setup: bool = False

    def count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1


# --- staffing tables ------------------------------------------------------------------------


def staffing_cells(staffing: dict[str, Any]) -> list[tuple[str, str, str, int, int]]:
    """Turns a seed-shaped staffing grid into (department, series, grade, 정원, 현원) cells,
    after checking every row and column total against the totals printed in the seed."""
    columns = staffing["columns"]
    cells = []
    column_sums = [[0, 0] for _ in columns]
    grand = [0, 0]
    for row in staffing["rows"]:
        authorized_cells, current_cells = row["authorized_cells"], row["current_cells"]
        if len(authorized_cells) != len(columns) or len(current_cells) != len(columns):
            raise DemoDataError(f"{row['department']}: wrong number of staffing cells")
        row_sum = [0, 0]
        for i, ((series, grade), a, c) in enumerate(
            zip(columns, authorized_cells, current_cells, strict=True)
        ):
            if a is None and c is None:
                continue
            a, c = a or 0, c or 0
            cells.append((row["department"], series, grade, a, c))
            row_sum[0] += a
            row_sum[1] += c
            column_sums[i][0] += a
            column_sums[i][1] += c
        if row_sum != [row["authorized"], row["current"]]:
            raise DemoDataError(f"{row['department']}: cells sum to {row_sum}, seed says otherwise")
        grand[0] += row_sum[0]
        grand[1] += row_sum[1]
    total = staffing["total"]
    if grand != [total["authorized"], total["current"]]:
        raise DemoDataError(f"staffing total {grand} differs from the seed's")
    expected_columns = [
        [a or 0, c or 0]
        for a, c in zip(total["authorized_cells"], total["current_cells"], strict=True)
    ]
    if column_sums != expected_columns:
        raise DemoDataError("staffing column totals differ from the seed's 계 row")
    return cells


# --- the loader -----------------------------------------------------------------------------


class _Loader:
    def __init__(self) -> None:
        self.result = DemoResult()
        self.people = read_data(PEOPLE_FILE)
        self.password_hash = make_password(self.people["password"])
        self.actor: User
        self.organizations: dict[str, Organization] = {}

    # users

    def user(self, email: str, name: str, *, superuser: bool = False) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            # One hash for the one published demo password: loading stays fast.
            user = User(
                email=email,
                display_name=name,
                password=self.password_hash,
                is_staff=superuser,
                is_superuser=superuser,
            )
            user.save()
            self.result.count("users")
        elif user.display_name != name:
            user.display_name = name
            user.save(update_fields=["display_name"])
        if not EmailAddress.objects.filter(user=user, email=email, verified=True).exists():
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        return user

    # organisations

    def organization(self, data: dict[str, Any]) -> Organization:
        fields = dict(data["organization"])
        parent_code = fields.pop("parent", None)
        fields["parent"] = self.organizations[parent_code] if parent_code else None
        org = Organization.objects.filter(code=fields["code"]).first()
        if org is None:
            org = services.organization_create(actor=self.actor, **fields)
            self.result.count("organizations")
        else:
            org = services.organization_update(actor=self.actor, organization=org, **fields)
        self.organizations[org.code] = org
        existing = set(org.dongs.values_list("name", flat=True))
        for name in data["dongs"]:
            if name not in existing:
                services.dong_create(actor=self.actor, organization=org, name=name)
                self.result.count("dongs")
        departments = self.departments(org, data["departments"])
        self.teams(departments, data["teams"])
        if data.get("staffing"):
            self.staffing(org, departments, data["staffing"])
        return org

    def departments(self, org: Organization, rows: list[dict[str, Any]]) -> dict[str, Department]:
        by_name = {d.name: d for d in Department.objects.filter(organization=org)}
        # Bureaus first, so that divisions find their parent.
        for row in sorted(rows, key=lambda r: r["kind"] != Department.Kind.BUREAU):
            fields = {
                "kind": row["kind"],
                "duties": row.get("duties", ""),
                "phone": row.get("phone", ""),
                "order": row.get("order", 100),
                "name_en": row.get("name_en", ""),
                "parent": by_name[row["parent"]] if row.get("parent") else None,
            }
            dept = by_name.get(row["name"])
            if dept is None:
                dept = services.department_create(
                    actor=self.actor, organization=org, name=row["name"], **fields
                )
                self.result.count("departments")
            else:
                dept = services.department_update(actor=self.actor, department=dept, **fields)
                if not dept.active:
                    dept = services.department_reactivate(actor=self.actor, department=dept)
            by_name[dept.name] = dept
        return by_name

    def teams(self, departments: dict[str, Department], rows: list[dict[str, Any]]) -> None:
        for row in rows:
            dept = departments[row["department"]]
            fields = {"duties": row.get("duties", ""), "order": row.get("order", 100)}
            team = Team.objects.filter(department=dept, name=row["name"]).first()
            if team is None:
                services.team_create(actor=self.actor, department=dept, name=row["name"], **fields)
                self.result.count("teams")
            else:
                services.team_update(actor=self.actor, team=team, **fields)

    def staffing(
        self, org: Organization, departments: dict[str, Department], data: dict[str, Any]
    ) -> None:
        as_of = datetime.date.fromisoformat(data["as_of"])
        wanted = staffing_cells(data)
        have = set(
            StaffingEntry.objects.filter(organization=org, as_of=as_of).values_list(
                "department__name", "series", "grade", "authorized", "current"
            )
        )
        if have == set(wanted):
            return
        rows = [
            services.StaffingRow(departments[name], series, grade, a, c)
            for name, series, grade, a, c in wanted
        ]
        result = services.staffing_import(
            actor=self.actor,
            organization=org,
            as_of=as_of,
            rows=rows,
            reason="데모 데이터 적재",
        )
        self.result.created["staffing entries"] = (
            self.result.created.get("staffing entries", 0) + result.created
        )

    # people

    def staff_member(self, row: dict[str, Any]) -> User:
        org = self.organizations[row["organization"]]
        user = self.user(row["email"], row["name"])
        department = (
            Department.objects.get(organization=org, name=row["department"])
            if row.get("department")
            else None
        )
        team = (
            Team.objects.get(department=department, name=row["team"]) if row.get("team") else None
        )
        staff = Staff.objects.filter(user=user).first()
        if staff is None:
            services.staff_assign(
                actor=self.actor,
                user=user,
                organization=org,
                name=row["name"],
                position=row["position"],
                department=department,
                team=team,
                title=row.get("title", ""),
                grade=row.get("grade"),
            )
            self.result.count("staff")
        else:
            if not staff.active:
                staff = services.staff_reactivate(actor=self.actor, staff=staff)
            staff = services.staff_update(
                actor=self.actor, staff=staff, name=row["name"], title=row.get("title", "")
            )
            services.staff_move(
                actor=self.actor,
                staff=staff,
                organization=org,
                department=department,
                team=team,
                position=row["position"],
                grade=row.get("grade"),
            )
        if row.get("org_admin"):
            self.make_org_admin(user)
        return user

    def org_admin_group(self) -> Group:
        group, _ = Group.objects.get_or_create(name=ORG_ADMIN_GROUP)
        wanted = set(
            Permission.objects.filter(
                content_type__app_label="org", codename__in=ORG_ADMIN_PERMISSIONS
            )
        )
        if set(group.permissions.all()) != wanted:
            group.permissions.set(wanted)
        return group

    def make_org_admin(self, user: User) -> None:
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        user.groups.add(self.org_admin_group())

    # the FAQ knowledge base: imported by (source, 내용번호), so a second run changes nothing

    def faq(self) -> None:
        data = resources.files("sotong.demo").joinpath("data", FAQ_FILE).read_bytes()
        report = faq_import(
            actor=self.actor, file=data, source="seoul120", organization=self.organizations["seoul"]
        )
        if report.errors:
            raise DemoDataError(f"{FAQ_FILE}: {report.errors[0]}")
        if report.created:
            self.result.created["faq entries"] = report.created

    # notifications: permissions, a sample of subscribers, the seeds' campaigns

    def notify(self) -> None:
        from .notify_demo import load_notify

        made = load_notify(read_data("notify.json"), self.organizations)
        if made.subscribers:
            self.result.created["subscribers"] = made.subscribers
        if made.campaigns:
            self.result.created["campaigns"] = len(made.campaigns)

    # petitions: boards, categories, handling staff and a history of petitions (P7)

    def petitions(self) -> None:
        from .petitions_demo import load_petitions

        made = load_petitions(read_data("petitions.json"), self.organizations)
        if made.petitions:
            self.result.created["petitions"] = made.petitions
        # The petitions' handlers are demo staff too: give them the second factor like the rest
        # so that they can log in (`manage.py demo_totp EMAIL` prints a code).
        from allauth.mfa.models import Authenticator

        handlers = list(
            User.objects.filter(staff__isnull=False)
            .exclude(authenticator__type=Authenticator.Type.TOTP)
            .order_by("pk")
        )
        if handlers:
            _setup_accounts(handlers, [])

    # the service guide: parameters, catalogue, Seoul 120 welfare services, helpers (issue 6)

    def services(self) -> None:
        from .services_demo import load_services

        made = load_services(self.organizations)
        if made.services_created:
            self.result.created["services"] = made.services_created
        if made.parameters:
            self.result.created["parameters"] = made.parameters
        if made.helpers:
            self.result.created["helpers"] = made.helpers
        if made.help_requests:
            self.result.created["help requests"] = made.help_requests

    # all of it

    def run(self) -> DemoResult:
        admin = self.people["admin"]
        self.actor = self.user(admin["email"], admin["name"], superuser=True)
        password = self.people["password"]
        self.result.logins.append(Login("관리자 (superuser)", "전체", admin["email"], password))
        for name in ORGANIZATION_FILES:
            self.organization(read_data(name))

        # The superuser enters the admin site, so it needs a second factor like the staff.
        staff_users = [self.actor]
        for row in self.people["staff"]:
            user = self.staff_member(row)
            staff_users.append(user)
            role = ROLE_LABELS[Position(row["position"])]
            if row.get("org_admin"):
                role += " (기관 관리자)"
            org_name = self.organizations[row["organization"]].name
            where = f"{org_name} {row.get('department') or ''}".strip()
            self.result.logins.append(Login(role, where, row["email"], password))

        resident_users = []
        for row in self.people["residents"]:
            user = self.user(row["email"], row["name"])
            org = self.organizations[row["organization"]]
            # Where the resident lives, for the accounts app's profile set-up.
            user.demo_organization = org
            user.demo_dong = Dong.objects.get(organization=org, name=row["dong"])
            resident_users.append(user)
            self.result.logins.append(
                Login("주민", f"{org.name} {row['dong']}", row["email"], password)
            )

        self.result.account_lines, self.result.accounts_setup = _setup_accounts(
            staff_users, resident_users
        )
        self.faq()
        self.notify()
        self.petitions()
        self.services()
        self.result.totals = {
            "organizations": Organization.objects.count(),
            "dongs": Dong.objects.count(),
            "departments": Department.objects.count(),
            "teams": Team.objects.count(),
            "staff": Staff.objects.count(),
            "staffing entries": StaffingEntry.objects.count(),
            "users": User.objects.count(),
            "faq entries": FaqEntry.objects.count(),
            "subscribers": Subscriber.objects.count(),
            "campaigns": Campaign.objects.count(),
            "services": Service.objects.count(),
        }
        return self.result


def _setup_accounts(staff_users: list[User], resident_users: list[User]) -> tuple[list[str], bool]:
    """Staff TOTP devices and resident profiles belong to the accounts app, when it provides
    `sotong.accounts.demo.setup_demo_accounts`."""
    if importlib.util.find_spec("sotong.accounts.demo") is None:
        return [], False
    from sotong.accounts.demo import setup_demo_accounts

    return list(setup_demo_accounts(staff_users, resident_users)), True


@transaction.atomic
def load_demo() -> DemoResult:
    """Loads (or brings up to date) the whole demo government in one transaction."""
    return _Loader().run()
