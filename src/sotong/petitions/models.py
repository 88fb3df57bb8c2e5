"""Petitions (응답소): boards, kinds with their legal periods, categories (also the Open311
services), the petition with its public timeline, its answer and approval, groups of repeated and
many-person petitions, the routing model, Open311 keys and the destruction log.

Rules of one row live here; every state change goes through `services.py`. README.md describes
the states, deadlines and who sees what."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sotong.core.privacy.fields import EncryptedCharField

code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]{0,39}$", _("코드는 영문 소문자, 숫자, _, -로 1–40자를 입력하세요.")
)


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


class Policy(models.Model):
    """An organisation's petition rules that are not per board or kind."""

    organization = models.OneToOneField(
        "org.Organization",
        on_delete=models.CASCADE,
        related_name="petition_policy",
        verbose_name=_("기관"),
    )
    # 민원 관련 개인정보 보유 기간: after it, a closed petition's personal data is destroyed.
    retention_days = models.PositiveIntegerField(
        _("개인정보 보유 기간(일)"), default=1095, validators=[MinValueValidator(30)]
    )

    class Meta:
        verbose_name = _("민원 운영 기준")
        verbose_name_plural = _("민원 운영 기준")

    def __str__(self) -> str:
        return str(self.organization_id)


class KindPolicy(models.Model):
    """An organisation's processing period for a kind of petition ("7일", "14일", "즉시", "1개월",
    parsed by `core.calendar.Period`) and whether its handler may close it alone (담당전결)."""

    organization = models.ForeignKey(
        "org.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("기관")
    )
    kind = models.CharField(_("종류"), max_length=20, choices=Kind.choices)
    period = models.CharField(_("처리 기간"), max_length=20)
    self_approval = models.BooleanField(_("담당전결 허용"), default=False)

    class Meta:
        verbose_name = _("민원 종류별 처리 기간")
        verbose_name_plural = _("민원 종류별 처리 기간")
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="petitions_kind_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period}"


class Category(models.Model):
    """A subject of petitions (교통, 도로, 청소 … the rows of Jung-gu's table in seed 002); also
    an Open311 service (`service_code`). `keywords` seed the routing suggester before this
    organisation has history; `department` is where such petitions usually go."""

    organization = models.ForeignKey(
        "org.Organization",
        on_delete=models.CASCADE,
        related_name="petition_categories",
        verbose_name=_("기관"),
    )
    code = models.CharField(_("서비스 코드"), max_length=40, validators=[code_validator])
    name = models.CharField(_("이름"), max_length=60)
    description = models.TextField(_("설명"), blank=True)
    keywords = models.TextField(_("핵심어"), blank=True, help_text=_("쉼표로 구분"))
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("주 담당 부서"),
    )
    # Open311 service attributes (GeoReport v2 "service definition"), as a list of dicts.
    attributes = models.JSONField(_("추가 항목"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("순서"), default=0)
    active = models.BooleanField(_("사용"), default=True)

    class Meta:
        verbose_name = _("민원 분야")
        verbose_name_plural = _("민원 분야")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="petitions_category_code")
        ]

    def __str__(self) -> str:
        return self.name


class Board(models.Model):
    """An intake channel with its own rules (생활불편신고, 구청장에게 바란다 …)."""

    class Posting(models.TextChoices):
        ANYONE = "anyone", _("누구나 (비회원은 연락처 확인)")
        MEMBERS = "members", _("회원만")
        STAFF = "staff", _("직원 입력만")

    class Approver(models.TextChoices):
        TEAM_LEAD = "team_lead", _("팀장")
        HEAD = "head", _("부서장")
        CHIEF = "chief", _("기관장")

    organization = models.ForeignKey(
        "org.Organization",
        on_delete=models.CASCADE,
        related_name="petition_boards",
        verbose_name=_("기관"),
    )
    code = models.CharField(_("코드"), max_length=40, validators=[code_validator])
    name = models.CharField(_("이름"), max_length=60)
    description = models.TextField(_("안내"), blank=True)
    kinds = models.JSONField(_("받는 종류"), default=list)
    posting = models.CharField(
        _("글쓰기"), max_length=10, choices=Posting.choices, default=Posting.ANYONE
    )
    public_by_default = models.BooleanField(_("기본 공개"), default=True)
    allow_private = models.BooleanField(_("비공개 허용"), default=True)
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("접수 부서"),
    )
    chief_answers = models.BooleanField(_("기관장 직접 답변"), default=False)
    approver = models.CharField(
        _("결재권자"), max_length=10, choices=Approver.choices, default=Approver.TEAM_LEAD
    )
    checklist = models.JSONField(_("답변 점검 항목"), default=list, blank=True)
    reopen_days = models.PositiveSmallIntegerField(
        _("재민원 기간(일)"), default=14, validators=[MaxValueValidator(365)]
    )
    order = models.PositiveSmallIntegerField(_("순서"), default=0)
    active = models.BooleanField(_("사용"), default=True)

    class Meta:
        verbose_name = _("민원 게시판")
        verbose_name_plural = _("민원 게시판")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="petitions_board_code")
        ]

    def __str__(self) -> str:
        return self.name


class PetitionGroup(models.Model):
    """반복·다수인 민원: near-duplicate petitions answered once for all their petitioners."""

    organization = models.ForeignKey(
        "org.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("기관")
    )
    title = models.CharField(_("제목"), max_length=200)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("반복·다수인 민원")
        verbose_name_plural = _("반복·다수인 민원")

    def __str__(self) -> str:
        return self.title


def _token() -> str:
    return secrets.token_urlsafe(16)


class Petition(models.Model):
    organization = models.ForeignKey(
        "org.Organization",
        on_delete=models.PROTECT,
        related_name="petitions",
        verbose_name=_("기관"),
    )
    board = models.ForeignKey(
        Board, on_delete=models.PROTECT, related_name="petitions", verbose_name=_("게시판")
    )
    kind = models.CharField(_("종류"), max_length=20, choices=Kind.choices)
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="petitions",
        verbose_name=_("분야"),
    )
    status = models.CharField(
        _("상태"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    channel = models.CharField(_("접수 경로"), max_length=20, choices=Channel.choices)
    title = models.CharField(_("제목"), max_length=200)
    body = models.TextField(_("내용"))
    is_public = models.BooleanField(_("공개"), default=True)
    # The place the petition is about (a broken street light), not where the petitioner lives.
    address = models.CharField(_("위치"), max_length=200, blank=True)
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(33), MaxValueValidator(39)],
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(124), MaxValueValidator(132)],
    )
    # Public surfaces show the place at street level (road without the building number, the
    # point to about 100 m: `core.privacy.public.public_place`) unless staff mark the exact place
    # public — a street light or a road, never a home (`services.petition_place_publish`).
    place_public = models.BooleanField(_("정확한 위치 공개"), default=False)

    # The petitioner: an account, or a confirmed e-mail/phone. Personal data, encrypted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="petitions",
        verbose_name=_("민원인 계정"),
    )
    petitioner_name = EncryptedCharField(_("민원인 이름"), max_length=50, blank=True)
    contact_email = EncryptedCharField(_("이메일"), max_length=254, blank=True)
    contact_phone = EncryptedCharField(_("전화번호"), max_length=20, blank=True)
    consent_at = models.DateTimeField(_("개인정보 이용 동의"), null=True, blank=True)
    personal_data_flagged = models.BooleanField(
        _("본문에 개인정보"),
        default=False,
        help_text=_("본문에서 주민등록번호 등 개인정보가 발견되어 공개 화면에서 가렸습니다."),
    )
    personal_data_destroyed_at = models.DateTimeField(_("개인정보 파기"), null=True, blank=True)

    entered_by = models.ForeignKey(
        "org.Staff",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("대리 입력 직원"),
    )
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="petitions",
        verbose_name=_("처리 부서"),
    )
    handler = models.ForeignKey(
        "org.Staff",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("담당자"),
    )
    group = models.ForeignKey(
        PetitionGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="petitions",
        verbose_name=_("반복·다수인 민원"),
    )
    follow_up_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("재민원 원 민원"),
    )
    transferred_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transfers",
        verbose_name=_("이송받은 원 민원"),
    )
    transferred_to = models.ForeignKey(
        "org.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("이송 기관"),
    )

    received_at = models.DateTimeField(_("접수"), default=timezone.now)
    due_at = models.DateTimeField(_("처리 기한"))
    period = models.CharField(_("처리 기간"), max_length=20)
    extended_at = models.DateTimeField(_("연장"), null=True, blank=True)
    extension_reason = models.TextField(_("연장 사유"), blank=True)
    answered_at = models.DateTimeField(_("답변"), null=True, blank=True)
    closed_at = models.DateTimeField(_("종결"), null=True, blank=True)

    speed_rating = models.PositiveSmallIntegerField(
        _("신속성 만족도"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    completeness_rating = models.PositiveSmallIntegerField(
        _("충실성 만족도"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_comment = models.TextField(_("만족도 의견"), blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    # Open311: the token handed back before a service_request_id exists, and the idempotency key
    # of the web form and API posts.
    token = models.CharField(max_length=40, unique=True, default=_token, editable=False)
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    # kiwi tokens of title + body, for near-duplicate detection and routing (space-separated).
    tokens = models.TextField(blank=True, editable=False)
    # Accepted on the fast path (Open311): the row is stored and answered at once; its receipt
    # (timeline, assignment, notices, audit) is finished by the `intake` task (services.py).
    intake_pending = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("민원")
        verbose_name_plural = _("민원")
        ordering = ["-received_at", "-id"]
        permissions = [
            # 민원 접수·배정 담당 (the 민원여권과 intake desk): receives, enters phone and visit
            # petitions, assigns, reassigns and transfers across the organisation.
            ("intake_petition", _("민원 접수·배정")),
            # Whole-organisation dashboards and statistics (기획, 감사 …); heads see their own.
            ("view_petition_statistics", _("민원 통계 전체 보기")),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "due_at"], name="petition_org_due"),
            models.Index(fields=["department", "status"], name="petition_dept_status"),
            models.Index(fields=["organization", "received_at"], name="petition_org_received"),
            models.Index(
                fields=["organization", "is_public", "received_at"], name="petition_public"
            ),
            models.Index(
                fields=["id"],
                condition=models.Q(intake_pending=True),
                name="petition_intake_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


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


class PetitionEvent(models.Model):
    """One stage of a petition's path, with its date: the public timeline and the case history.
    `note` is what the public may read (a reason for a transfer or extension, never personal
    data); `internal_note` is for staff (a return comment)."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="events")
    stage = models.CharField(_("단계"), max_length=20, choices=Stage.choices)
    at = models.DateTimeField(_("일시"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("공개 내용"), blank=True)
    internal_note = models.TextField(_("내부 메모"), blank=True)

    class Meta:
        verbose_name = _("민원 처리 단계")
        verbose_name_plural = _("민원 처리 단계")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.petition_id} {self.get_stage_display()}"


class Answer(models.Model):
    """The answer to a petition (or a group): drafted by the handler, checked against the
    board's checklist, approved (or returned) by the approver the board names — or closed by the
    handler alone when the kind allows 담당전결."""

    class State(models.TextChoices):
        DRAFT = "draft", _("작성 중")
        SUBMITTED = "submitted", _("결재 요청")
        RETURNED = "returned", _("반려")
        APPROVED = "approved", _("결재 완료")

    petition = models.OneToOneField(Petition, on_delete=models.CASCADE, related_name="answer")
    body = models.TextField(_("답변"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    checklist = models.JSONField(_("점검 항목"), default=list, blank=True)
    drafted_by = models.ForeignKey(
        "org.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("작성자")
    )
    approver = models.ForeignKey(
        "org.Staff",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("결재권자"),
    )
    self_approved = models.BooleanField(_("담당전결"), default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    return_comment = models.TextField(_("반려 의견"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("답변")
        verbose_name_plural = _("답변")

    def __str__(self) -> str:
        return f"#{self.petition_id} {self.get_state_display()}"


class Attachment(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="attachments")
    file = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    is_public = models.BooleanField(_("공개"), default=False)
    uploaded_by_staff = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("첨부 파일")
        verbose_name_plural = _("첨부 파일")

    def __str__(self) -> str:
        return f"#{self.petition_id} {self.file_id}"


class RoutingModel(models.Model):
    """The department/category suggester learnt from one organisation's final assignments
    (`routing.py`); the newest row is used."""

    organization = models.ForeignKey("org.Organization", on_delete=models.CASCADE, related_name="+")
    trained_at = models.DateTimeField(default=timezone.now)
    examples = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("배정 추천 모델")
        verbose_name_plural = _("배정 추천 모델")
        get_latest_by = "trained_at"

    def __str__(self) -> str:
        return f"{self.organization_id} {self.trained_at:%Y-%m-%d %H:%M}"


class Open311Key(models.Model):
    """An API key of the Open311 GeoReport v2 API. Only its hash is kept; the key is shown once."""

    organization = models.ForeignKey(
        "org.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("기관")
    )
    name = models.CharField(_("이름"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    active = models.BooleanField(_("사용"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API 키")
        verbose_name_plural = _("Open311 API 키")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Destruction(models.Model):
    """The record that a closed petition's personal data was destroyed after the retention
    period (개인정보 보호법 제21조): what, when, under which period; never the data itself."""

    petition_id_ref = models.PositiveBigIntegerField(_("민원 번호"))
    organization = models.ForeignKey("org.Organization", on_delete=models.PROTECT, related_name="+")
    fields = models.JSONField(_("파기 항목"), default=list)
    retention_days = models.PositiveIntegerField(_("보유 기간(일)"))
    destroyed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("privacy", "파기 기록")
        verbose_name_plural = pgettext_lazy("privacy", "파기 기록")

    def __str__(self) -> str:
        return f"#{self.petition_id_ref} {self.destroyed_at:%Y-%m-%d}"


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
