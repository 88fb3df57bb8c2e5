"""The petitions' choices: kinds, channels, statuses and timeline stages, and the groups of
them the rules use (`OPEN_STATUSES`, `PUBLIC_STAGES`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """민원의 종류. Each carries a legal processing period, configurable per organisation
    (`KindPolicy`); the defaults follow 민원처리법 as documented in `core/calendar_README.md`."""

    INQUIRY = "inquiry", _("질의")
    SUGGESTION = "suggestion", _("제안")
    GRIEVANCE = "grievance", _("고충")
    REPORT = "report", _("신고")
    CONSULTATION = "consultation", _("상담")
    OTHER = "other", _("기타")


class Channel(models.TextChoices):
    WEB = "web", _("누리집")
    OPEN311 = "open311", _("Open311 API")
    PHONE = "phone", _("전화")
    VISIT = "visit", _("방문")
    CALL_CENTRE = "call_centre", _("콜센터(120)")
    MOBILE_OFFICE = "mobile_office", _("찾아가는 민원실")
    SNS = "sns", _("SNS")
    EMAIL = "email", _("전자우편")


class Status(models.TextChoices):
    """접수 / 배정 / 이송 / 처리 / 결재 / 답변 / 완료 (GLOSSARY)."""

    RECEIVED = "received", _("접수")
    ASSIGNED = "assigned", _("배정")
    TRANSFERRED = "transferred", _("이송")
    IN_PROGRESS = "in_progress", _("처리 중")
    APPROVAL = "approval", _("결재 중")
    ANSWERED = "answered", _("답변 완료")
    CLOSED = "closed", _("종결")


OPEN_STATUSES = (
    Status.RECEIVED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.APPROVAL,
)


class Stage(models.TextChoices):
    RECEIVED = "received", _("접수")
    ASSIGNED = "assigned", _("배정")
    REASSIGNED = "reassigned", _("재배정")
    TRANSFERRED = "transferred", _("이송")
    ACCEPTED = "accepted", _("처리 시작")
    EXTENDED = "extended", _("처리 기한 연장")
    SUBMITTED = "submitted", _("결재 요청")
    RETURNED = "returned", _("결재 반려")
    APPROVED = "approved", _("결재")
    SELF_APPROVED = "self_approved", _("담당전결")
    ANSWERED = "answered", _("답변")
    GROUPED = "grouped", _("반복·다수인 민원 묶음")
    RATED = "rated", _("만족도 평가")
    REOPENED = "reopened", _("재민원")
    CLOSED = "closed", _("종결")
    DESTROYED = "destroyed", _("개인정보 파기")


# Stages shown on the public timeline (the others are internal: returns, grouping, ratings).
PUBLIC_STAGES = (
    Stage.RECEIVED,
    Stage.ASSIGNED,
    Stage.REASSIGNED,
    Stage.TRANSFERRED,
    Stage.EXTENDED,
    Stage.APPROVED,
    Stage.SELF_APPROVED,
    Stage.ANSWERED,
    Stage.REOPENED,
    Stage.CLOSED,
)
