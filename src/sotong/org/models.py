"""Organisations (시·구), their departments (국 › 과·담당관 › 팀), staff and staffing tables.

Rules of one row live here; everything that changes state goes through `services.py`."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

slug_validator = RegexValidator(
    r"^[a-z][a-z0-9-]{1,39}$", _("영문 소문자, 숫자, 하이픈으로 2–40자를 입력하세요.")
)
# Korean numbers as people write them: 02-330-1114, (02) 120, 1588-0000, 120.
phone_validator = RegexValidator(
    r"^[0-9][0-9()\- ]{1,18}[0-9]$|^\([0-9]{2,3}\)[0-9\- ]{3,16}[0-9]$",
    _("전화번호는 숫자와 하이픈(-), 괄호, 빈칸으로 입력하세요. 예: 02-330-1114"),
)


class Organization(models.Model):
    """A city (광역시·특별시) or a district (자치구). A district's parent is its city."""

    class Kind(models.TextChoices):
        CITY = "city", _("광역·특별시")
        DISTRICT = "district", _("자치구")

    code = models.SlugField(
        _("영문 코드"),
        max_length=40,
        unique=True,
        validators=[slug_validator],
        help_text=_("주소에 쓰이는 영문 코드 (예: seodaemun)"),
    )
    admin_code = models.CharField(
        _("행정기관코드"),
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^\d{7}$", _("행정기관코드는 숫자 7자리입니다."))],
    )
    name = models.CharField(_("이름"), max_length=50, unique=True)
    name_en = models.CharField(_("영문 이름"), max_length=80, blank=True)
    kind = models.CharField(_("종류"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("상위 기관"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    head_title = models.CharField(_("기관장 직명"), max_length=20, help_text=_("예: 시장, 구청장"))
    address = models.CharField(_("주소"), max_length=200, blank=True)
    phone = models.CharField(
        _("대표 전화"), max_length=20, blank=True, validators=[phone_validator]
    )
    website = models.URLField(_("누리집"), blank=True)
    description = models.TextField(_("소개"), blank=True)

    class Meta:
        verbose_name = _("기관")
        verbose_name_plural = _("기관")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:organization", kwargs={"code": self.code})

    def audit_label(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": _("자기 자신을 상위 기관으로 지정할 수 없습니다.")})
        if self.kind == self.Kind.DISTRICT and self.parent_id is None:
            raise ValidationError({"parent": _("자치구에는 상위 시를 지정해야 합니다.")})
        if self.kind == self.Kind.CITY and self.parent_id is not None:
            raise ValidationError({"parent": _("시에는 상위 기관을 둘 수 없습니다.")})
        if self.parent_id and self.parent.kind != self.Kind.CITY:
            raise ValidationError({"parent": _("상위 기관은 시여야 합니다.")})


class Dong(models.Model):
    """An administrative neighbourhood (행정동) of a district, where residents live."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("기관"), on_delete=models.CASCADE, related_name="dongs"
    )
    name = models.CharField(_("이름"), max_length=30)

    class Meta:
        verbose_name = _("행정동")
        verbose_name_plural = _("행정동")
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="dong_unique_per_org",
                violation_error_message=_("이 기관에 같은 이름의 행정동이 이미 있습니다."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization.name} {self.name}"


class Department(models.Model):
    """A unit that owns work. Bureaus (국·실·본부) group divisions (과·담당관) where the seeds say so;
    a division has no parent when it reports to the head of the organisation directly."""

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("국·실·본부")
        DIVISION = "division", _("과")
        OFFICE = "office", _("담당관")
        HEALTH_CENTER = "health_center", _("보건소")
        AGENCY = "agency", _("사업소")
        COMMUNITY_CENTER = "community_center", _("동 주민센터")
        OTHER = "other", _("기타")

    organization = models.ForeignKey(
        Organization, verbose_name=_("기관"), on_delete=models.PROTECT, related_name="departments"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("상위 부서(국)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("이름"), max_length=50)
    name_en = models.CharField(_("영문 이름"), max_length=100, blank=True)
    kind = models.CharField(_("종류"), max_length=20, choices=Kind.choices, default=Kind.DIVISION)
    duties = models.TextField(_("주요 업무"), blank=True)
    phone = models.CharField(_("전화"), max_length=20, blank=True, validators=[phone_validator])
    order = models.PositiveSmallIntegerField(_("표시 순서"), default=100)
    active = models.BooleanField(_("운영 중"), default=True)

    class Meta:
        verbose_name = _("부서")
        verbose_name_plural = _("부서")
        ordering = ["organization", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="department_unique_per_org",
                violation_error_message=_("이 기관에 같은 이름의 부서가 이미 있습니다."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return f"{self.organization.name} {self.name}"

    @property
    def is_bureau(self) -> bool:
        return self.kind == self.Kind.BUREAU

    def clean(self) -> None:
        if self.pk and self.kind != self.Kind.BUREAU and self.children.exists():
            raise ValidationError(
                {"kind": _("하위 부서가 있는 국·실·본부는 다른 종류로 바꿀 수 없습니다.")}
            )
        if self.parent_id is None:
            return
        if self.parent_id == self.pk:
            raise ValidationError({"parent": _("자기 자신을 상위 부서로 지정할 수 없습니다.")})
        if self.parent.organization_id != self.organization_id:
            raise ValidationError({"parent": _("상위 부서는 같은 기관에 있어야 합니다.")})
        if self.parent.kind != self.Kind.BUREAU:
            raise ValidationError({"parent": _("상위 부서는 국·실·본부여야 합니다.")})
        if self.kind == self.Kind.BUREAU:
            raise ValidationError({"parent": _("국·실·본부는 다른 부서 아래에 둘 수 없습니다.")})


class Team(models.Model):
    department = models.ForeignKey(
        Department, verbose_name=_("부서"), on_delete=models.PROTECT, related_name="teams"
    )
    name = models.CharField(_("이름"), max_length=50)
    duties = models.TextField(_("주요 업무"), blank=True)
    order = models.PositiveSmallIntegerField(_("표시 순서"), default=100)

    class Meta:
        verbose_name = _("팀")
        verbose_name_plural = _("팀")
        ordering = ["department", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "name"],
                name="team_unique_per_department",
                violation_error_message=_("이 부서에 같은 이름의 팀이 이미 있습니다."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.department.name} {self.name}"


class Position(models.TextChoices):
    """Who approves what depends on the position (see petitions' approval rules)."""

    OFFICER = "officer", _("주무관")
    TEAM_LEAD = "team_lead", _("팀장")
    HEAD = "head", _("과장·담당관")
    DIRECTOR = "director", _("국장")
    DEPUTY = "deputy", _("부시장·부구청장")
    CHIEF = "chief", _("시장·구청장")


# Higher number = higher in the line of approval.
POSITION_RANK = {
    Position.OFFICER: 1,
    Position.TEAM_LEAD: 2,
    Position.HEAD: 3,
    Position.DIRECTOR: 4,
    Position.DEPUTY: 5,
    Position.CHIEF: 6,
}


class Staff(models.Model):
    """A public servant of one organisation. Officers, team leads and heads belong to a
    department; directors head a bureau; the deputy and the chief belong to the organisation."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("사용자"),
        on_delete=models.PROTECT,
        related_name="staff",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("기관"), on_delete=models.PROTECT, related_name="staff"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("부서"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("팀"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    name = models.CharField(_("이름"), max_length=50)
    position = models.CharField(_("직위"), max_length=12, choices=Position.choices)
    title = models.CharField(
        _("직명"), max_length=50, blank=True, help_text=_("예: 시민소통기획관, 정책기획팀장")
    )
    grade = models.PositiveSmallIntegerField(
        _("급"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text=_("1–9급; 선출직은 비워 둡니다."),
    )
    office_phone = models.CharField(
        _("사무실 전화"), max_length=20, blank=True, validators=[phone_validator]
    )
    active = models.BooleanField(_("재직 중"), default=True)

    class Meta:
        verbose_name = _("직원")
        verbose_name_plural = _("직원")
        ordering = ["organization", "department", "grade", "name"]
        constraints = [
            # Two people cannot be the sitting mayor of one city at the same time.
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(position="chief", active=True),
                name="staff_one_active_chief_per_org",
                violation_error_message=_("이 기관에는 이미 재직 중인 기관장이 있습니다."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_position_display()})"

    @property
    def rank(self) -> int:
        return POSITION_RANK[Position(self.position)]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.department_id and self.department.organization_id != self.organization_id:
            errors["department"] = _("부서는 직원의 기관에 속해야 합니다.")
        if self.team_id and self.team.department_id != self.department_id:
            errors["team"] = _("팀은 직원의 부서에 속해야 합니다.")
        needs_department = {Position.OFFICER, Position.TEAM_LEAD, Position.HEAD, Position.DIRECTOR}
        if self.position in needs_department and not self.department_id:
            errors["department"] = _("이 직위에는 부서를 지정해야 합니다.")
        if (
            self.position == Position.DIRECTOR
            and self.department_id
            and not self.department.is_bureau
        ):
            errors["department"] = _("국장은 국·실·본부에 배치해야 합니다.")
        if self.position in {Position.DEPUTY, Position.CHIEF} and (
            self.department_id or self.team_id
        ):
            errors["department"] = _("부기관장과 기관장은 부서 없이 기관에 소속됩니다.")
        if self.position == Position.CHIEF and self.grade is not None:
            errors["grade"] = _("기관장은 선출직이므로 급을 비워 두세요.")
        if errors:
            raise ValidationError(errors)


class StaffingEntry(models.Model):
    """One cell pair of a staffing table (정원/현원): for a department, a job series and a grade,
    on a date. Totals (by organisation, series or grade) are sums, never stored."""

    class Series(models.TextChoices):
        GENERAL = "general", _("행정·기술직군")
        FIXED_TERM = "fixed_term", _("임기제 일반직")
        OTHER = "other", _("기타(관리운영, 전문경력)")

    organization = models.ForeignKey(
        Organization, verbose_name=_("기관"), on_delete=models.CASCADE, related_name="staffing"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("부서"), on_delete=models.CASCADE, related_name="staffing"
    )
    as_of = models.DateField(_("기준일"))
    series = models.CharField(_("직군"), max_length=12, choices=Series.choices)
    grade = models.CharField(_("급"), max_length=20, help_text=_("예: 4급, 7급 이하, 전체"))
    authorized = models.PositiveIntegerField(_("정원"))
    current = models.PositiveIntegerField(_("현원"))

    class Meta:
        verbose_name = _("정원·현원")
        verbose_name_plural = _("정원·현원")
        ordering = ["organization", "-as_of", "department", "series", "grade"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "department", "as_of", "series", "grade"],
                name="staffing_unique_cell",
                violation_error_message=_(
                    "같은 기준일·부서·직군·급의 정원·현원이 이미 있습니다. 그 항목을 고치세요."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.department.name} {self.get_series_display()} {self.grade}: {self.authorized}/{self.current}"

    def clean(self) -> None:
        if self.department_id and self.department.organization_id != self.organization_id:
            raise ValidationError({"department": _("부서는 같은 기관에 속해야 합니다.")})
        if self.grade is not None and not self.grade.strip():
            raise ValidationError({"grade": _("급을 입력하세요. 예: 5급, 7급 이하, 전체")})

    @property
    def column_key(self) -> tuple[int, int, str]:
        """Orders the columns of a staffing table as the seed tables do: series in their declared
        order, then grades from the highest (2급) down, with 'N급 이하' after 'N급'."""
        series_order = list(self.Series.values).index(self.series)
        digits = "".join(ch for ch in self.grade.split("급")[0] if ch.isdigit())
        return (series_order, int(digits) if digits else 99, self.grade)

    @property
    def difference(self) -> int:
        """Positive: over strength (과원), negative: vacancies (결원)."""
        return self.current - self.authorized


class ClosingDay(models.Model):
    """A day the organisation itself is closed (휴무일): a local temporary holiday, a disaster
    closing, or a 임시공휴일 declared after the installed `holidays` release. Petition deadlines
    count it like a public holiday (`org.closing_days.closed_days`, core/calendar_README.md).
    Added and removed through `services.closing_day_add/remove`, never edited."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("기관"),
        on_delete=models.CASCADE,
        related_name="closing_days",
    )
    day = models.DateField(_("휴무일"))
    reason = models.CharField(
        _("사유"), max_length=200, help_text=_("예: 구 개청기념일 임시휴무, 태풍 피해 복구")
    )
    created_at = models.DateTimeField(_("등록 일시"), auto_now_add=True)

    class Meta:
        verbose_name = _("휴무일")
        verbose_name_plural = _("휴무일")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day"],
                name="closing_day_unique_per_org",
                violation_error_message=_("이 기관에 같은 날의 휴무일이 이미 있습니다."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.reason}"

    def audit_label(self) -> str:
        return f"{self.organization.name} {self.day.isoformat()}"
