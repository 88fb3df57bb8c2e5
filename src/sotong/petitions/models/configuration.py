"""What an organisation configures: the retention policy, kind periods, categories (also the
Open311 services) and boards."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import Kind

code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]{0,39}$", _("코드는 영문 소문자, 숫자, _, -로 1–40자를 입력하세요.")
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
