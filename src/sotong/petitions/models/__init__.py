"""Petitions (응답소): boards, kinds with their legal periods, categories (also the Open311
services), the petition with its public timeline, its answer and approval, groups of repeated and
many-person petitions, the routing model, Open311 keys and the destruction log.

Rules of one row live here; every state change goes through `services/`. README.md describes
the states, deadlines and who sees what.

One module per part: `choices` (kinds, channels, statuses, stages), `configuration` (policy,
kind periods, categories, boards), `petition` (the petition, its group, timeline, answer and
attachments) and `records` (routing model, Open311 keys, destruction log)."""

from .choices import OPEN_STATUSES, PUBLIC_STAGES, Channel, Kind, Stage, Status
from .configuration import Board, Category, KindPolicy, Policy
from .petition import (
    Answer,
    Attachment,
    Petition,
    PetitionEvent,
    PetitionGroup,
    _token,  # noqa: F401  (Petition.token's default as the migrations name it)
)
from .records import Destruction, Open311Key, RoutingModel

__all__ = [
    "OPEN_STATUSES",
    "PUBLIC_STAGES",
    "Answer",
    "Attachment",
    "Board",
    "Category",
    "Channel",
    "Destruction",
    "Kind",
    "KindPolicy",
    "Open311Key",
    "Petition",
    "PetitionEvent",
    "PetitionGroup",
    "Policy",
    "RoutingModel",
    "Stage",
    "Status",
]
