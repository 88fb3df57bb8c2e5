"""Reusable reads of petitions: who sees which petition, public listings, the traffic light.

Pages read through these; a petition that `user` may not see raises the same Http404 as a
missing one. Public surfaces must show text through `core.privacy.public.public_text` (masked;
`{{ value|public }}` in templates), the place through `public_place_of` and the petitioner
through `petitioner_label` (masked name), never the stored fields directly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.utils.translation import gettext as _

from sotong.core.privacy import mask_name
from sotong.core.privacy.public import PublicPlace, public_place, public_text

from . import permissions
from .deadlines import AT_RISK_REMAINING, closed_days, elapsed_fraction
from .models import (
    OPEN_STATUSES,
    PUBLIC_STAGES,
    Attachment,
    Board,
    Petition,
    PetitionEvent,
    PetitionGroup,
    Status,
)

ON_TIME = "on_time"
AT_RISK = "at_risk"
OVERDUE = "overdue"
LIGHTS = (ON_TIME, AT_RISK, OVERDUE)
LIGHT_LABELS = {ON_TIME: "정상", AT_RISK: "임박", OVERDUE: "지연"}

# Contact data is decrypted only by `services.contact_view`; lists never load it.
CONTACT_FIELDS = ("contact_email", "contact_phone")


def _base() -> QuerySet[Petition]:
    return Petition.objects.select_related(
        "organization", "board", "category", "department", "handler"
    ).defer(*CONTACT_FIELDS)


def petition_for_user(user: Any, pk: int | str) -> Petition:
    """The petition `pk` if `user` may see it (public, own, or handled), else Http404."""
    try:
        petition = _base().get(pk=int(pk))
    except (Petition.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not permissions.can_view(user, petition):
        raise Http404
    return petition


def handled_petition_for_user(user: Any, pk: int | str) -> Petition:
    """The petition `pk` if `user` handles it (staff pages), else Http404 — the same for a
    missing and a foreign one. Contact data stays encrypted until `services.contact_view`."""
    queryset = Petition.objects.select_related(
        "organization",
        "board",
        "category",
        "department",
        "handler__department",
        "entered_by",
        "group",
        "transferred_to",
        "follow_up_of",
        "answer__approver",
        "answer__drafted_by",
    ).defer("petitioner_name", *CONTACT_FIELDS)
    try:
        petition = queryset.get(pk=int(pk))
    except (Petition.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not permissions.can_handle(user, petition):
        raise Http404
    return petition


def petition_by_token(token: str) -> Petition:
    """The petition whose petitioner holds `token` (the anonymous petitioner's link); 404 for
    a wrong one."""
    if not token or len(token) > 60:
        raise Http404
    petition = (
        Petition.objects.select_related("organization", "board", "category", "department")
        .filter(token=token)
        .first()
    )
    if petition is None:
        raise Http404
    return petition


def handled_attachment_for_user(user: Any, pk: int | str, attachment_pk: int) -> Attachment:
    """A file of a petition `user` handles; the same 404 for a missing petition or file, one of
    another petition, and one of a petition `user` may not open."""
    petition = handled_petition_for_user(user, pk)
    item = (
        Attachment.objects.select_related("file")
        .filter(pk=attachment_pk, petition=petition)
        .first()
    )
    if item is None:
        raise Http404
    return item


def handled_groups(user: Any) -> QuerySet[PetitionGroup]:
    """Groups holding at least one petition `user` may open (the staff inbox's rule)."""
    handled = Petition.objects.filter(group=OuterRef("pk")).filter(permissions.handled_filter(user))
    return PetitionGroup.objects.filter(Exists(handled))


def group_for_user(user: Any, pk: int) -> PetitionGroup:
    """The group if it holds a petition `user` may open and `user` works for its organisation;
    the same 404 for a missing and a foreign one."""
    group = handled_groups(user).select_related("organization").filter(pk=pk).first()
    if group is None or not (
        permissions.is_superuser(user) or permissions.staff_of(user, group.organization_id)
    ):
        raise Http404
    return group


def intake_board(org_code: str, board_code: str) -> Board:
    """The active board of the intake form's address; 404 for a missing or closed one."""
    board = (
        Board.objects.select_related("organization")
        .filter(organization__code=org_code, code=board_code, active=True)
        .first()
    )
    if board is None:
        raise Http404
    return board


def visible_petitions(user: Any) -> QuerySet[Petition]:
    """Every petition whose page exists for `user`."""
    return _base().filter(permissions.visible_filter(user)).distinct()


def public_petitions(
    *, organization: Any = None, board: Any = None, category: Any = None
) -> QuerySet[Petition]:
    """Public petitions for the public listing (newest first). Filters accept objects or ids."""
    qs = _base().filter(is_public=True)
    if organization is not None:
        qs = qs.filter(organization=organization)
    if board is not None:
        qs = qs.filter(board=board)
    if category is not None:
        qs = qs.filter(category=category)
    return qs.order_by("-received_at", "-id")


def staff_petitions(user: Any) -> QuerySet[Petition]:
    """Petitions `user` handles as staff (workspace lists); empty for anyone else."""
    return _base().filter(permissions.handled_filter(user)).distinct()


def awaiting_approval(user: Any) -> QuerySet[Petition]:
    """Petitions whose submitted answer waits for `user`'s decision."""
    staff = permissions.staff_of(user)
    if staff is None:
        return Petition.objects.none()
    return _base().filter(
        status=Status.APPROVAL, answer__approver_id=staff.pk, answer__state="submitted"
    )


def public_timeline(petition: Petition) -> QuerySet[PetitionEvent]:
    """The stages shown publicly, oldest first (notes are public text, masked on display)."""
    return petition.events.filter(stage__in=PUBLIC_STAGES).select_related("department")


def staff_timeline(petition: Petition) -> QuerySet[PetitionEvent]:
    return petition.events.select_related("department", "actor")


def public_place_of(petition: Any) -> PublicPlace:
    """The petition's place as public surfaces show it: street level and a point to about
    100 m, unless staff marked the exact place public. `petition` may be a row of `values()`."""
    get = petition.get if isinstance(petition, dict) else lambda name: getattr(petition, name)
    return public_place(
        get("address"), get("latitude"), get("longitude"), exact=bool(get("place_public"))
    )


def petitioner_label(petition: Petition) -> str:
    """The petitioner as the public sees them: a masked name, or "익명"."""
    name = petition.petitioner_name
    if not name and petition.user_id is not None:
        name = getattr(petition.user, "display_name", "") or ""
    return mask_name(name) if name else _("익명")


# --- the traffic light -------------------------------------------------------------------------


def traffic_light(petition: Petition, now: datetime) -> str:
    """ "overdue" after the deadline; "at_risk" when less than 20% of the period (in working
    time, `core.calendar.period_elapsed_fraction`) is left; else "on_time". "" for a petition
    that is not open (answered, closed, transferred: it left the count)."""
    if petition.status not in OPEN_STATUSES:
        return ""
    if now > petition.due_at:
        return OVERDUE
    closed = closed_days(petition.organization_id)  # memoised per process: no query per row
    used = elapsed_fraction(petition.received_at, petition.due_at, now, closed=closed)
    if used >= 1 - AT_RISK_REMAINING:
        return AT_RISK
    return ON_TIME


def with_light(qs: QuerySet[Petition], now: datetime) -> QuerySet[Petition]:
    """Annotates `light` ("on_time", "at_risk", "overdue", or "" when not open) in SQL.

    An approximation for lists and counts: the 80% mark is received_at + 0.8 × (due_at −
    received_at) in wall time, not working time, so a petition may turn at_risk a little
    earlier or later than `traffic_light` says over a weekend. "overdue" is exact."""
    # 5 × (now − received_at) ≥ 4 × (due_at − received_at) is the 80% mark without a float
    # multiplication of an interval, which SQLite's duration arithmetic does not do well.
    elapsed5 = ExpressionWrapper(
        (Value(now, output_field=DateTimeField()) - F("received_at")) * 5,
        output_field=DurationField(),
    )
    period4 = ExpressionWrapper((F("due_at") - F("received_at")) * 4, output_field=DurationField())
    return qs.alias(_elapsed5=elapsed5, _period4=period4).annotate(
        light=Case(
            When(~Q(status__in=OPEN_STATUSES), then=Value("")),
            When(due_at__lt=now, then=Value(OVERDUE)),
            When(_elapsed5__gte=F("_period4"), then=Value(AT_RISK)),
            default=Value(ON_TIME),
            output_field=CharField(),
        )
    )


def light_counts(qs: QuerySet[Petition], now: datetime) -> dict[str, int]:
    """{"on_time": n, "at_risk": n, "overdue": n} of the open petitions in `qs`."""
    from django.db.models import Count

    rows = (
        with_light(qs.filter(status__in=OPEN_STATUSES).order_by(), now)
        .values("light")
        .annotate(n=Count("id"))
    )
    counts = dict.fromkeys(LIGHTS, 0)
    for row in rows:
        if row["light"] in counts:
            counts[row["light"]] = row["n"]
    return counts


__all__ = [
    "AT_RISK",
    "LIGHTS",
    "LIGHT_LABELS",
    "ON_TIME",
    "OVERDUE",
    "awaiting_approval",
    "handled_petition_for_user",
    "light_counts",
    "petition_for_user",
    "petitioner_label",
    "public_petitions",
    "public_place_of",
    "public_text",  # core.privacy.public's, re-exported for callers of this module
    "public_timeline",
    "staff_petitions",
    "staff_timeline",
    "traffic_light",
    "visible_petitions",
    "with_light",
]
