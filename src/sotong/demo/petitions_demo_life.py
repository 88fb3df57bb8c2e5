"""The life of the petitions demo's petitions in one organisation: each planned petition is
submitted and taken, at the moments of its history, to the state its age suggests."""

from __future__ import annotations

import datetime
from typing import Any

from sotong.core.calendar import next_working_moment
from sotong.org.models import Department, Organization, Staff
from sotong.petitions import services
from sotong.petitions.models import (
    Petition,
    Status,
)

from .petitions_demo_base import DAY, HOUR, KEY_PREFIX, DemoPetitionsError
from .petitions_demo_plans import _Office, _Plan, _Planner


class _OrgPetitions(_Planner):
    # the life of a petition

    def _at(self, moment: datetime.datetime, *, before: datetime.datetime | None = None) -> None:
        """Sets the clock to `moment` moved into office hours when that keeps it before
        `before` (and before now)."""
        limit = min(before or self.horizon, self.horizon)
        office = next_working_moment(moment)
        if office != moment:  # not everyone starts at the stroke of nine
            office += self.rng.uniform(0, 100) * datetime.timedelta(minutes=1)
        self.clock.at = office if office < limit else min(moment, limit)

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
        """Takes `petition` to `target`: assigned, accepted (and perhaps extended), then a draft
        answer, or an answer through approval, and the time after it."""
        if target == Status.RECEIVED:
            return
        # A board with a receiving department has assigned it already.
        department = petition.department or department
        workers, _head = self._staff_of(department)
        if not workers:
            raise DemoPetitionsError(
                f"{office.organization.code}: nobody works in {department.name}"
            )
        handler = self.rng.choice(workers)
        extend, end = self._work_span(petition, target)
        received = petition.received_at
        first = min(end, received + (petition.due_at - received) * 0.6)

        if petition.status == Status.RECEIVED:
            self._at(received + (first - received) * self.rng.uniform(0.05, 0.2), before=end)
            petition = services.petition_assign(
                actor=office.intake, petition=petition, department=department, handler=handler
            )
        if target == Status.ASSIGNED:
            return
        self._at(received + (first - received) * self.rng.uniform(0.25, 0.4), before=end)
        petition = services.petition_accept(actor=handler.user, petition=petition)
        if extend:
            petition, end = self._extend(petition, handler, end)
        start = self.clock.at
        if target == Status.IN_PROGRESS:
            if self.rng.random() < 0.5:
                self._at(start + (end - start) * 0.8, before=end)
                services.answer_save(
                    actor=handler.user,
                    petition=petition,
                    body=self._answer_text(
                        self.rng, plan.template, plan.slots, department, office.organization
                    ),
                )
            return
        self._answer(petition, target, handler, department, plan, office, start, end)
        if target == Status.CLOSED:
            self.close(Petition.objects.get(pk=petition.pk), plan, office)

    def _work_span(self, petition: Petition, target: str) -> tuple[bool, datetime.datetime]:
        """Whether the handler extends the period, and until when the visible work runs: the
        answer, or some moment before now."""
        rng = self.rng
        received = petition.received_at
        if target in (Status.ANSWERED, Status.CLOSED):
            late = rng.random() < self.data["late_share"]
            extend = not late and rng.random() < self.data["extension_share"]
            return extend, self._answer_moment(rng, petition, target, late)
        return False, received + (self.horizon - received) * rng.uniform(0.5, 0.95)

    def _extend(
        self, petition: Petition, handler: Staff, end: datetime.datetime
    ) -> tuple[Petition, datetime.datetime]:
        received = petition.received_at
        rng = self.rng
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
        return petition, end

    def _answer(
        self,
        petition: Petition,
        target: str,
        handler: Staff,
        department: Department,
        plan: _Plan,
        office: _Office,
        start: datetime.datetime,
        end: datetime.datetime,
    ) -> None:
        """The answer written between `start` and `end`, then closed alone (담당전결) or
        submitted, perhaps returned once, and approved (unless `target` is approval)."""
        rng = self.rng
        org = office.organization
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
            return
        submitted = start + (end - start) * rng.uniform(0.65, 0.8)
        self._at(submitted, before=end)
        answer = services.answer_submit(actor=handler.user, petition=petition, checklist=checklist)
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
