"""The demo's petitions (`data/petitions.json`): per organisation its petition policy, kind
periods, categories (= Open311 services), boards with their checklist, the staff who handle
them, and several hundred petitions written from templates about ordinary district matters,
spread over the last ~14 months and taken through the real services (`sotong.petitions.services`)
to every state: received, assigned, in progress, waiting for approval, answered, closed and
transferred — with extensions, returns, 담당전결, ratings, reopened follow-ups, groups of repeated
petitions, and open ones that are at risk or overdue.

How the history gets its dates: every service reads the time through `services._common._now`;
while the demo loads, that clock is set to the moment each step happened (`_history`). Three more things
are switched off for the history, because it is history: notifications (nobody should get 2,000
messages about last year), duplicate detection (the demo makes its groups itself) and the
per-save search hook (the petitions are indexed once at the end, `index_objects`).

Deterministic (a fixed random seed; dates relative to `now`) and idempotent: configuration rows
are found by natural keys and saved only when different; an organisation that already has demo
petitions (idempotency key `demo-<org>-…`) gets none. Cheap enough for `make demo`."""

from __future__ import annotations

import datetime
import json
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from sotong.accounts.models import User
from sotong.core.calendar import next_working_moment, to_seoul
from sotong.org import services as org_services
from sotong.org.models import Department, Dong, Organization, Position, Staff, Team
from sotong.petitions import services
from sotong.petitions.models import (
    Board,
    Category,
    Channel,
    KindPolicy,
    Petition,
    Policy,
    Status,
)

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
KEY_PREFIX = "demo-"
# Seoul's 응답소 passes matters of a district's streets on to the district (이송).
LOCAL_TOPICS = frozenset({"traffic", "road", "cleaning", "street", "flood", "health_env"})


def _scaled(count: int) -> int:
    """The number of demo petitions per organisation, scaled by settings.DEMO_PETITION_SCALE
    (1 for `make demo`; the demo loader's own tests use less, to stay quick)."""
    from django.conf import settings

    scale = float(getattr(settings, "DEMO_PETITION_SCALE", 1))
    return max(1, round(count * scale))


class DemoPetitionsError(Exception):
    """The data file contradicts the organisations (a missing department or account)."""


@dataclass
class PetitionsResult:
    petitions: int = 0
    groups: int = 0
    staff: int = 0
    petitioners: int = 0
    settings: int = 0
    by_status: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)


# --- the clock of the history -------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.at: datetime.datetime | None = None

    def __call__(self) -> datetime.datetime:
        return self.at or timezone.now()


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


@contextmanager
def _swapped(owner: Any, name: str, value: Any) -> Iterator[None]:
    original = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)


@contextmanager
def _history(clock: _Clock) -> Iterator[None]:
    from sotong.core.search import tasks as search_tasks

    with ExitStack() as stack:
        stack.enter_context(_swapped(services._common, "_now", clock))
        stack.enter_context(_swapped(services._common, "_notify", _nothing))
        stack.enter_context(_swapped(services._common, "_enqueue_duplicates", _nothing))
        stack.enter_context(_swapped(search_tasks, "index_object", _nothing))
        yield


# --- configuration --------------------------------------------------------------------------------


def _people() -> dict[str, Any]:
    text = resources.files("sotong.demo").joinpath("data", "people.json").read_text("utf-8")
    return json.loads(text)


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


_password_hash: dict[str, str] = {}


def _user(email: str, name: str) -> tuple[User, bool]:
    """A demo account like the loader's: the published demo password, a verified e-mail."""
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    password = _people()["password"]
    if password not in _password_hash:  # one hash for the one demo password: loading stays fast
        _password_hash[password] = make_password(password)
    user = User.objects.create(email=email, display_name=name, password=_password_hash[password])
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user, True


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


class _OrgPetitions:
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

    # the life of a petition

    def _at(self, moment: datetime.datetime, *, before: datetime.datetime | None = None) -> None:
        """Sets the clock to `moment` moved into office hours when that keeps it before
        `before` (and before now)."""
        limit = min(before or self.horizon, self.horizon)
        office = next_working_moment(moment)
        if office != moment:  # not everyone starts at the stroke of nine
            office += self.rng.uniform(0, 100) * datetime.timedelta(minutes=1)
        self.clock.at = office if office < limit else min(moment, limit)

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

    def submit(self, plan: _Plan) -> Petition:
        rng = self.rng
        title, body = self._text(rng, plan.template, plan.slots)
        if rng.random() < 0.04:
            # A number typed into the text: flagged to the handler, masked on public pages.
            block = self.data["petitioners"]["phone_blocks"][self.org.code]
            body += f" 연락은 010-0000-{block}{plan.number % 1000:03d}로 주세요."
        org_code = plan.transfer_to if self.org.kind == Organization.Kind.CITY else self.org.code
        address, lat, lon = self._address(rng, plan.template, plan.slots, org_code or self.org.code)
        spec = self.board_specs[plan.board.code]
        is_public = plan.board.public_by_default
        if spec["allow_private"] and is_public and rng.random() < 0.1:
            is_public = False
        self.clock.at = plan.received
        petition = services.petition_submit(
            board=plan.board,
            kind=plan.kind,
            title=title,
            body=body,
            category=self.categories[plan.template["category"]],
            is_public=is_public,
            address=address,
            latitude=lat,
            longitude=lon,
            received_at=plan.received,
            idempotency_key=f"{KEY_PREFIX}{self.org.code}-{plan.number}",
            **self._petitioner(rng, plan.board, plan.number),
        )
        self.created.append(petition)
        return petition

    def live(self, petition: Petition, plan: _Plan) -> None:
        """Takes a received petition to the state its age suggests."""
        rng = self.rng
        if plan.transfer_to is not None:
            self.transfer(petition, plan)
            return
        target = plan.target or self._target(rng, petition.received_at)
        department = self._department_for(plan.template, self.org.code)
        self.handle(petition, target, department, plan, self.office)

    def transfer(self, petition: Petition, plan: _Plan) -> None:
        rng = self.rng
        if (self.now - petition.received_at) < DAY:
            return  # still waiting at the intake desk
        to_org = self.organizations[plan.transfer_to]
        self._at(petition.received_at + rng.uniform(1, 20) * HOUR)
        services.petition_transfer(
            actor=self.intake,
            petition=petition,
            to_organization=to_org,
            reason=self.data["transfer_reasons"][to_org.code],
        )
        received = (
            Petition.objects.filter(organization=to_org, title=petition.title, pk__gt=petition.pk)
            .order_by("-pk")
            .first()
        )
        if received is None:
            return
        self.created.append(received)
        target = self._target(rng, received.received_at)
        department = self._department_for(plan.template, to_org.code)
        self.handle(received, target, department, plan, _Office.of(to_org, self.data))

    def handle(
        self,
        petition: Petition,
        target: str,
        department: Department,
        plan: _Plan,
        office: _Office,
    ) -> None:
        rng = self.rng
        org = office.organization
        if target == Status.RECEIVED:
            return
        # A board with a receiving department has assigned it already.
        department = petition.department or department
        workers, _head = self._staff_of(department)
        if not workers:
            raise DemoPetitionsError(f"{org.code}: nobody works in {department.name}")
        handler = rng.choice(workers)
        received = petition.received_at
        finishing = target in (Status.ANSWERED, Status.CLOSED)
        if finishing:
            late = rng.random() < self.data["late_share"]
            extend = not late and rng.random() < self.data["extension_share"]
        else:
            late = extend = False
        # Until when the visible work runs: the answer, or some moment before now.
        if finishing:
            end = self._answer_moment(rng, petition, target, late)
        else:
            end = received + (self.horizon - received) * rng.uniform(0.5, 0.95)
        first = min(end, received + (petition.due_at - received) * 0.6)

        if petition.status == Status.RECEIVED:
            self._at(received + (first - received) * rng.uniform(0.05, 0.2), before=end)
            petition = services.petition_assign(
                actor=office.intake, petition=petition, department=department, handler=handler
            )
        if target == Status.ASSIGNED:
            return
        self._at(received + (first - received) * rng.uniform(0.25, 0.4), before=end)
        petition = services.petition_accept(actor=handler.user, petition=petition)
        if extend:
            self._at(received + (petition.due_at - received) * rng.uniform(0.6, 0.8), before=end)
            if self.clock.at < self.horizon:
                old_due = petition.due_at
                petition = services.petition_extend(
                    actor=handler.user,
                    petition=petition,
                    reason=rng.choice(self.data["extension_reasons"]),
                )
                end = old_due + (petition.due_at - old_due) * rng.uniform(0.2, 0.9)
                end = min(end, self.horizon)
        start = self.clock.at
        if target == Status.IN_PROGRESS:
            if rng.random() < 0.5:
                self._at(start + (end - start) * 0.8, before=end)
                services.answer_save(
                    actor=handler.user,
                    petition=petition,
                    body=self._answer_text(rng, plan.template, plan.slots, department, org),
                )
            return
        body = self._answer_text(rng, plan.template, plan.slots, department, org)
        checklist = self.data["checklist"]
        self._at(start + (end - start) * rng.uniform(0.4, 0.6), before=end)
        services.answer_save(actor=handler.user, petition=petition, body=body)
        self_approve = (
            target != Status.APPROVAL
            and petition.kind in office.self_approval
            and not plan.board.chief_answers
            and rng.random() < self.data["self_approval_share"]
        )
        if self_approve:
            self.clock.at = end
            services.answer_self_approve(actor=handler.user, petition=petition, checklist=checklist)
        else:
            submitted = start + (end - start) * rng.uniform(0.65, 0.8)
            self._at(submitted, before=end)
            answer = services.answer_submit(
                actor=handler.user, petition=petition, checklist=checklist
            )
            if target == Status.APPROVAL:
                return
            if rng.random() < self.data["return_share"]:
                self._at(submitted + (end - submitted) * 0.3, before=end)
                services.answer_return(
                    actor=answer.approver.user,
                    petition=petition,
                    comment=rng.choice(self.data["return_comments"]),
                )
                self._at(submitted + (end - submitted) * 0.6, before=end)
                services.answer_save(actor=handler.user, petition=petition, body=body)
                answer = services.answer_submit(
                    actor=handler.user, petition=petition, checklist=checklist
                )
            self.clock.at = end
            services.answer_approve(actor=answer.approver.user, petition=petition)
        if target == Status.CLOSED:
            self.close(Petition.objects.get(pk=petition.pk), plan, office)

    def _answer_moment(self, rng, petition: Petition, target: str, late: bool):
        received, due = petition.received_at, petition.due_at
        if late:
            moment = due + rng.uniform(3, 120) * HOUR
        else:
            moment = received + (due - received) * rng.uniform(0.25, 0.95)
        if target == Status.ANSWERED:
            # Still within the reopen period, or the petition would have been closed.
            reopen = petition.board.reopen_days * DAY
            if moment < self.now - reopen + DAY:
                moment = self.now - rng.uniform(0.5, reopen / DAY - 2) * DAY
        if moment >= self.horizon or moment <= received:
            moment = received + (self.horizon - received) * rng.uniform(0.6, 0.9)
        return moment

    def close(self, petition: Petition, plan: _Plan, office: _Office) -> None:
        """After the answer: a rating (account holders), a follow-up petition now and then, or
        the system's closing when the reopen period ends."""
        rng = self.rng
        answered = petition.answered_at
        reopen_end = answered + petition.board.reopen_days * DAY
        account = petition.user
        if account is not None and rng.random() < 0.04:
            moment = answered + rng.uniform(1, 5) * DAY
            if moment < self.horizon:
                self.clock.at = moment
                follow_up = services.petition_reopen(
                    actor=account,
                    petition=petition,
                    body=rng.choice(self.data["reopen_bodies"]),
                )
                self.created.append(follow_up)
                target = self._target(rng, follow_up.received_at)
                self.handle(follow_up, target, follow_up.department, plan, office)
                return
        if account is not None and rng.random() < self.data["rating_share"]:
            moment = answered + rng.uniform(2, 96) * HOUR
            if moment < self.horizon:
                self.clock.at = moment
                speed = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 3, 5, 5])[0]
                services.petition_rate(
                    actor=account,
                    petition=petition,
                    speed=speed,
                    completeness=max(1, min(5, speed + rng.choice([-1, 0, 0, 1]))),
                    comment=rng.choice(self.data["rating_comments"]),
                )
                return
        if reopen_end < self.horizon:
            self.clock.at = reopen_end + rng.uniform(0, 1) * HOUR
            services.petition_close(actor=None, petition=petition)

    # groups of repeated petitions

    def group(self, index: int, spec: dict[str, Any]) -> None:
        rng = self.rng
        template = next(t for t in self.data["templates"] if t["key"] == spec["template"])
        board_code, kind = next(
            (row["code"], kind)
            for row in self.spec["boards"]
            for kind in template["kinds"]
            if template["topic"] in row["topics"] and "channel" not in row and kind in row["kinds"]
        )
        board = self.boards[board_code]
        base = self.now - spec["days_ago"] * DAY
        petitions = []
        for n in range(spec["size"]):
            slots = self._slots(rng, self.org.code)
            slots.update(spec["slots"])
            plan = _Plan(
                number=10_000 + index * 100 + n,
                received=min(base + n * rng.uniform(3, 30) * HOUR, self.horizon - DAY / 2),
                board=board,
                template=template,
                kind=kind,
                slots=slots,
            )
            petitions.append(self.submit(plan))
        department = self._department_for(template, self.org.code)
        workers, _head = self._staff_of(department)
        handler = workers[0]
        last = max(p.received_at for p in petitions)
        for petition in petitions:
            self._at(last + rng.uniform(1, 4) * HOUR)
            services.petition_assign(
                actor=self.intake, petition=petition, department=department, handler=handler
            )
        self._at(last + 6 * HOUR)
        group = services.group_create(
            actor=self.intake,
            petitions=petitions,
            title=spec["title"].format(**spec["slots"]),
        )
        self.result.groups += 1
        if not spec["answered"]:
            return
        self._at(last + 2 * DAY)
        body = self._answer_text(rng, template, {**slots, **spec["slots"]}, department, self.org)
        done = services.group_answer(
            actor=handler.user, group=group, body=body, checklist=self.data["checklist"]
        )
        approved_at = self.clock.at + 5 * HOUR
        for petition in done:
            if petition.status == Status.APPROVAL:
                self.clock.at = approved_at
                services.answer_approve(actor=petition.answer.approver.user, petition=petition)
        for petition in done:
            self.close(Petition.objects.get(pk=petition.pk), plan, self.office)

    def run(self) -> None:
        for plan in self.plans():
            petition = self.submit(plan)
            self.live(petition, plan)
        for index, spec in enumerate(self.data["groups"]):
            if spec["organization"] == self.org.code:
                self.group(index, spec)


# --- all of it ----------------------------------------------------------------------------------


def _actor() -> User:
    actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if actor is None:
        raise DemoPetitionsError("the petitions demo needs the demo superuser")
    return actor


def load_petitions(
    data: dict[str, Any],
    organizations: dict[str, Organization],
    *,
    now: datetime.datetime | None = None,
) -> PetitionsResult:
    """Loads the petitions demo for the organisations of `data` found in `organizations` (by
    code); call it inside the loader's transaction, after the staff and residents exist."""
    result = PetitionsResult()
    _password_hash.clear()  # hashed again per load, under the current PASSWORD_HASHERS
    now = now or timezone.now()
    actor = _actor()
    wanted = [code for code in data["organizations"] if code in organizations]
    for code in wanted:
        _Settings(data, organizations[code], actor, result).run()
    _permission_groups(data)
    # Fresh organisations only: the check is made before any of them is filled, as transfers
    # put petitions into other organisations.
    fresh = [
        code
        for code in wanted
        if not Petition.objects.filter(
            organization=organizations[code], idempotency_key__startswith=f"{KEY_PREFIX}{code}-"
        ).exists()
    ]
    result.skipped = [code for code in wanted if code not in fresh]
    clock = _Clock()
    created: list[Petition] = []
    with _history(clock):
        for code in fresh:
            filler = _OrgPetitions(data, organizations[code], organizations, clock, now, result)
            filler.run()
            created.extend(filler.created)
    if created:
        _index([p.pk for p in created])
    result.petitions = len(created)
    result.by_status = Counter(
        Petition.objects.filter(pk__in=[p.pk for p in created]).values_list("status", flat=True)
    )
    return result


def _index(ids: list[int]) -> None:
    from sotong.core.search import get_type, index_objects

    doctype = get_type("petition")
    if doctype is None:
        return
    objects = list(doctype.get_queryset().filter(pk__in=ids).order_by("pk"))
    for start in range(0, len(objects), 200):
        index_objects("petition", objects[start : start + 200])
