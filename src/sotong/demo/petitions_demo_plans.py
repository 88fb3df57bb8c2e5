"""The petitions demo's plan for one organisation: which petitions to write (boards, templates,
slots, dates, who writes them) and the facts the history needs (departments, staff, answers).
`petitions_demo_life._OrgPetitions` takes them through the services."""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sotong.accounts.models import User
from sotong.core.calendar import to_seoul
from sotong.org.models import Department, Dong, Organization, Position, Staff
from sotong.petitions.models import (
    Board,
    Category,
    Channel,
    KindPolicy,
    Petition,
    Status,
)

from .petitions_demo_base import (
    DAY,
    HOUR,
    LOCAL_TOPICS,
    DemoPetitionsError,
    PetitionsResult,
    _Clock,
    _people,
    _scaled,
    _user,
)

# --- one organisation's petitions -----------------------------------------------------------------


@dataclass(frozen=True)
class _Office:
    """Who acts for an organisation in the history: its intake desk, and which kinds its
    handlers may close alone (담당전결)."""

    organization: Organization
    intake: User
    self_approval: frozenset[str]

    @classmethod
    def of(cls, org: Organization, data: dict[str, Any]) -> _Office:
        email = data["organizations"][org.code]["intake"]
        intake = User.objects.filter(email=email).first()
        if intake is None:
            raise DemoPetitionsError(f"{org.code}: no intake account {email}")
        kinds = KindPolicy.objects.filter(organization=org, self_approval=True)
        return cls(org, intake, frozenset(kinds.values_list("kind", flat=True)))


@dataclass
class _Plan:
    """One petition to make: what it says, who sent it, and how far it gets."""

    number: int
    received: datetime.datetime
    board: Board
    template: dict[str, Any]
    kind: str
    slots: dict[str, str]
    transfer_to: str | None = None
    target: str | None = None


class _Planner:
    """One organisation's petitions to make, and what their history needs to know."""

    def __init__(
        self,
        data: dict[str, Any],
        org: Organization,
        organizations: dict[str, Organization],
        clock: _Clock,
        now: datetime.datetime,
        result: PetitionsResult,
    ) -> None:
        self.data = data
        self.org = org
        self.organizations = organizations
        self.spec = data["organizations"][org.code]
        self.clock = clock
        self.now = now
        self.horizon = now - 10 * datetime.timedelta(minutes=1)
        self.result = result
        self.rng = random.Random(f"{data['random_seed']}-{org.code}")  # noqa: S311 - demo data
        self.boards = {b.code: b for b in Board.objects.filter(organization=org)}
        self.categories = {c.code: c for c in Category.objects.filter(organization=org)}
        self.board_specs = {row["code"]: row for row in self.spec["boards"]}
        self.departments = {d.name: d for d in Department.objects.filter(organization=org)}
        self.dongs = list(Dong.objects.filter(organization=org).values_list("name", flat=True))
        self.office = _Office.of(org, data)
        self.intake = self.office.intake
        self.accounts = self._accounts()
        self.created: list[Petition] = []
        self._members: dict[int, list[Staff]] = {}
        self._chiefs: dict[int, str] = {}
        self._by_org: dict[str, dict[str, Department]] = {org.code: self.departments}

    # who

    def _accounts(self) -> list[User]:
        """Residents with an account: the demo residents of people.json, and generated ones."""
        residents = [
            row["email"] for row in _people()["residents"] if row["organization"] == self.org.code
        ]
        users = list(User.objects.filter(email__in=residents).order_by("email"))
        names = self.data["petitioners"]
        rng = random.Random(f"{self.data['random_seed']}-{self.org.code}-accounts")  # noqa: S311
        for n in range(1, 21):
            name = rng.choice(names["surnames"]) + rng.choice(names["given"])
            user, created = _user(f"{self.org.code}.minwon{n:02d}@demo.sotong.kr", name)
            self.result.petitioners += created
            users.append(user)
        return users

    def _staff_of(self, department: Department) -> tuple[list[Staff], Staff | None]:
        members = self._members.get(department.pk)
        if members is None:
            members = self._members[department.pk] = list(
                Staff.objects.filter(department=department, active=True)
                .select_related("user")
                .order_by("pk")
            )
        officers = [s for s in members if s.position == Position.OFFICER]
        workers = officers or [s for s in members if s.position == Position.TEAM_LEAD] or members
        return workers, next((s for s in members if s.position == Position.HEAD), None)

    # what

    def _slots(self, rng: random.Random, org_code: str) -> dict[str, str]:
        spec = self.data["organizations"][org_code]
        places = spec["places"]
        dongs = (
            self.dongs
            if org_code == self.org.code
            else list(
                Dong.objects.filter(organization=self.organizations[org_code]).values_list(
                    "name", flat=True
                )
            )
        ) or ["시청 일대"]
        slots = {key: rng.choice(values) for key, values in self.data["slots"].items()}
        slots.update(
            street=rng.choice(places["streets"]),
            landmark=rng.choice(places["landmarks"]),
            dong=rng.choice(dongs),
            pole=rng.choice(places["poles"] or ["-"]),
            head=self.org.head_title or "기관장",
        )
        return slots

    def _templates_for(self, board_code: str, month: int) -> list[tuple[dict[str, Any], float]]:
        spec = self.board_specs[board_code]
        weights = {c["code"]: c["weight"] for c in self.spec["categories"]}
        eligible = []
        for template in self.data["templates"]:
            if template["topic"] not in spec["topics"]:
                continue
            if "only" in template and self.org.code not in template["only"]:
                continue
            if "season" in template and month not in template["season"]:
                continue
            if not set(template["kinds"]) & set(spec["kinds"]):
                continue
            eligible.append(template)
        per_category = Counter(t["category"] for t in eligible)
        return [
            (t, weights.get(t["category"], 1000) / per_category[t["category"]]) for t in eligible
        ]

    def _received(self, rng: random.Random) -> datetime.datetime:
        if rng.random() < 0.22:
            days = rng.uniform(0, 21)  # the open work of the last three weeks
        else:
            days = rng.uniform(0, self.data["months"] * 30.4)
        local = to_seoul(self.now - days * DAY)
        hour = rng.choices(
            range(24), weights=[1] * 7 + [3, 6, 9, 9, 8, 6, 8, 9, 8, 7, 6, 5] + [4] * 5
        )[0]
        at = local.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
        return min(at, self.horizon - HOUR)

    def plans(self) -> list[_Plan]:
        rng = self.rng
        board_codes = [row["code"] for row in self.spec["boards"]]
        board_weights = [row["weight"] for row in self.spec["boards"]]
        plans = []
        for number in range(1, _scaled(self.spec["count"]) + 1):
            received = self._received(rng)
            code = rng.choices(board_codes, weights=board_weights)[0]
            choices = self._templates_for(code, to_seoul(received).month)
            if not choices:
                continue
            template = rng.choices([t for t, _ in choices], weights=[w for _, w in choices])[0]
            kinds = [k for k in template["kinds"] if k in self.board_specs[code]["kinds"]]
            transfer_to = template.get("transfer_to")
            place_org = self.org.code
            if (
                self.org.kind == Organization.Kind.CITY
                and "only" not in template
                and template["topic"] in LOCAL_TOPICS
            ):
                districts = [c for c in ("junggu", "seodaemun") if c in self.organizations]
                if districts:
                    transfer_to = place_org = rng.choice(districts)
            if transfer_to is not None and transfer_to not in self.organizations:
                transfer_to = None
            plans.append(
                _Plan(
                    number=number,
                    received=received,
                    board=self.boards[code],
                    template=template,
                    kind=rng.choice(kinds),
                    slots=self._slots(rng, place_org),
                    transfer_to=transfer_to,
                )
            )
        self._at_risk(plans)
        plans.sort(key=lambda plan: plan.received)
        return plans

    def _at_risk(self, plans: list[_Plan]) -> None:
        """A few open petitions whose deadline is near (less than 20% of the period left), so
        that the traffic light shows every colour; the rest of the mix comes from their ages."""
        from sotong.petitions import deadlines

        wanted = self.spec.get("at_risk", 3)
        first = wanted
        for plan in plans:
            if wanted == 0:
                return
            age = (self.now - plan.received) / DAY
            if plan.transfer_to is not None or not 3 <= age <= 14:
                continue
            period = deadlines.period_text_for(self.org.pk, plan.kind)
            for hours in range(24, 24 * 21, 3):
                received = self.now - hours * HOUR
                due = deadlines.due_for(received, period)
                if 0.82 <= deadlines.elapsed_fraction(received, due, self.now) < 0.97:
                    plan.received = received
                    # Waiting for approval first, so that even a small load has every state.
                    plan.target = (Status.APPROVAL, Status.IN_PROGRESS, Status.ASSIGNED)[
                        (first - wanted) % 3
                    ]
                    wanted -= 1
                    break

    def _text(self, rng: random.Random, template: dict[str, Any], slots: dict[str, str]):
        # Titles and bodies are written in pairs (same position), a title for its text.
        index = rng.randrange(len(template["bodies"]))
        title = template["titles"][index % len(template["titles"])].format(**slots)
        body = template["bodies"][index].format(**slots)
        closing = rng.choice(self.data["closings"])
        if closing:
            body = f"{body} {closing}"
        return title, body

    def _address(self, rng: random.Random, template, slots, org_code: str):
        if not template.get("located"):
            return "", None, None
        org = self.organizations.get(org_code, self.org)
        center = self.data["organizations"][org_code]["center"]
        lat = Decimal(str(round(center[0] + rng.uniform(-0.008, 0.008), 6)))
        lon = Decimal(str(round(center[1] + rng.uniform(-0.01, 0.01), 6)))
        address = f"서울특별시 {org.name} {slots['street']} {rng.randint(1, 180)}"
        if org.kind == Organization.Kind.CITY:
            address = f"서울특별시 {slots['street']} {slots['landmark']} 일대"
        return address, lat, lon

    def _petitioner(self, rng: random.Random, board: Board, number: int) -> dict[str, Any]:
        """Who writes: an account (required on members-only boards), or a name and a confirmed
        phone or e-mail; staff channels carry the caller's name and phone."""
        spec = self.board_specs[board.code]
        names = self.data["petitioners"]
        block = names["phone_blocks"][self.org.code]
        name = rng.choice(names["surnames"]) + rng.choice(names["given"])
        # 010-0000-xxxx: never issued to a real subscriber in the demo's numbering plan.
        phone = f"010-0000-{block}{number % 1000:03d}"
        if "channel" in spec:
            entered = User.objects.get(email=spec["entered_by"])
            return {
                "actor": entered,
                "channel": spec["channel"],
                "petitioner_name": name,
                "contact_phone": phone,
            }
        if board.posting == Board.Posting.MEMBERS or rng.random() < self.data["account_share"]:
            # The people.json residents write a fair share, so their "내 민원" has a history.
            user = (
                rng.choice(self.accounts[:2])
                if rng.random() < 0.3 and len(self.accounts) > 20
                else rng.choice(self.accounts)
            )
            return {"actor": user, "channel": Channel.WEB}
        roll = rng.random()
        if roll < 0.12:
            return {
                "actor": self.intake,
                "channel": Channel.PHONE,
                "petitioner_name": name,
                "contact_phone": phone,
            }
        if roll < 0.18:
            return {
                "actor": self.intake,
                "channel": Channel.VISIT,
                "petitioner_name": name,
                "contact_phone": phone,
            }
        contact: dict[str, Any] = {"actor": None, "petitioner_name": name}
        contact["channel"] = Channel.OPEN311 if roll < 0.25 else Channel.WEB
        if rng.random() < 0.5:
            contact["contact_email"] = f"{self.org.code}.resident{number:04d}@example.kr"
        else:
            contact["contact_phone"] = phone
        return contact

    def _department_for(self, template: dict[str, Any], org_code: str) -> Department:
        org = self.organizations.get(org_code, self.org)
        departments = self._by_org.get(org_code)
        if departments is None:
            departments = self._by_org[org_code] = {
                d.name: d for d in Department.objects.filter(organization=org)
            }
        name = template.get("departments", {}).get(org_code)
        if name is None:
            category = next(
                c
                for c in self.data["organizations"][org_code]["categories"]
                if c["code"] == template["category"]
            )
            name = category["department"]
        return departments[name]

    def _target(self, rng: random.Random, received: datetime.datetime) -> str:
        age = (self.now - received) / DAY
        if age < 1:
            table = {"received": 5, "assigned": 3, "in_progress": 2}
        elif age < 4:
            table = {"received": 1, "assigned": 2, "in_progress": 4, "approval": 2, "answered": 2}
        elif age < 14:
            table = {"assigned": 1, "in_progress": 3, "approval": 1, "answered": 4, "closed": 4}
        elif age < 30:
            table = {"in_progress": 6, "approval": 3, "closed": 91}
        else:
            table = {"assigned": 1, "in_progress": 2, "closed": 97}
        return rng.choices(list(table), weights=list(table.values()))[0]

    def _answer_text(self, rng, template, slots, department: Department, org: Organization):
        variants = self.data["answers"][template["answer"]]
        place = f"{slots['dong']} {slots['street']}" if template.get("located") else slots["dong"]
        if org.pk not in self._chiefs:
            chief = Staff.objects.filter(organization=org, position=Position.CHIEF, active=True)
            self._chiefs[org.pk] = chief.values_list("name", flat=True).first() or ""
        chief_name = self._chiefs[org.pk]
        return rng.choice(variants).format(
            org=org.name,
            department=department.name,
            place=place,
            phone=self.data["organizations"][org.code]["phone"],
            head=org.head_title or "기관장",
            chief_name=chief_name,
        )
