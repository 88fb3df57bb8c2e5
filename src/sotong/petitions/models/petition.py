"""The petition with its group, timeline events, answer and attachments."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sotong.core.privacy.fields import EncryptedCharField

from .choices import Channel, Kind, Stage, Status
from .configuration import Board, Category


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
    # No index of its own: the composite indexes in Meta all start with the organization and serve
    # every lookup by it (lists, stats, the PROTECT check of an organization's deletion).
    organization = models.ForeignKey(
        "org.Organization",
        on_delete=models.PROTECT,
        db_index=False,
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
    # No index of its own: `petition_dept_status` (department, status) serves lookups by it.
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
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
    # of the web form and API posts. Unique by constraints in Meta, not `unique=True`: on
    # PostgreSQL that would add a second, `varchar_pattern_ops` index per field for LIKE queries,
    # which nothing runs here, and every INSERT would maintain it.
    token = models.CharField(max_length=40, default=_token, editable=False)
    idempotency_key = models.CharField(max_length=120, null=True, blank=True)
    # kiwi tokens of title + body, for near-duplicate detection and routing (space-separated).
    tokens = models.TextField(blank=True, editable=False)
    # Accepted on the fast path (Open311): the row is stored and answered at once; its receipt
    # (timeline, assignment, notices, audit) is finished by the `intake` task (services/intake.py).
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
        constraints = [
            models.UniqueConstraint(fields=["token"], name="petition_token_unique"),
            models.UniqueConstraint(
                fields=["idempotency_key"], name="petition_idempotency_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


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
