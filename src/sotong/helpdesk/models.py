"""The helpers (민원도우미) of residents: staff who help a resident with a service or a petition,
the requests for help, each contact and the resident's satisfaction (`README.md`).

The tables keep the names they had when the helpers were part of the service guide (app label
`services`: `services_helper`, `services_helprequest` …), so moving the code into its own app moved
no data (migration 0001 only takes the models over in Django's state)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sotong.core.privacy.fields import EncryptedCharField


class Helper(models.Model):
    """A staff member who helps residents with a service or a petition (민원도우미)."""

    staff = models.OneToOneField(
        "org.Staff", verbose_name=_("직원"), on_delete=models.CASCADE, related_name="helper"
    )
    organization = models.ForeignKey(
        "org.Organization", verbose_name=_("기관"), on_delete=models.CASCADE, related_name="+"
    )
    active = models.BooleanField(_("활동 중"), default=True)
    introduction = models.CharField(_("소개"), max_length=300, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("동시 담당 한도"), default=10, validators=[MinValueValidator(1)]
    )

    class Meta:
        db_table = "services_helper"
        verbose_name = _("민원도우미")
        verbose_name_plural = _("민원도우미")
        permissions = [("coordinate_help", _("민원도우미 배정·관리"))]

    def __str__(self) -> str:
        return self.staff.name


class HelpRequest(models.Model):
    """A resident's request for help with a service or a petition:
    requested → assigned → in_progress → done (with a result), or cancelled."""

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("help request status", "신청")
        ASSIGNED = "assigned", _("배정")
        IN_PROGRESS = "in_progress", _("진행 중")
        DONE = "done", _("완료")
        CANCELLED = "cancelled", _("취소")

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("신청 완료")
        REFERRED = "referred", _("다른 기관 연계")
        INFORMED = "informed", _("안내 완료")
        NOT_ELIGIBLE = "not_eligible", _("대상 아님")
        UNREACHABLE = "unreachable", _("연락 안 됨")

    class ContactMethod(models.TextChoices):
        PHONE = "phone", _("전화")
        VISIT = "visit", _("방문")
        EMAIL = "email", _("이메일")

    organization = models.ForeignKey(
        "org.Organization", verbose_name=_("기관"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("신청인"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="help_requests",
    )
    service = models.ForeignKey(
        "services.Service",
        verbose_name=_("서비스"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    petition = models.ForeignKey(
        "petitions.Petition",
        verbose_name=_("민원"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.TextField(_("도움 받고 싶은 내용"), max_length=2000)
    contact_method = models.CharField(_("연락 방법"), max_length=10, choices=ContactMethod.choices)
    contact_phone = EncryptedCharField(_("연락처"), max_length=20, blank=True)
    status = models.CharField(
        _("상태"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    helper = models.ForeignKey(
        Helper,
        verbose_name=_("도우미"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
    )
    assigned_by = models.ForeignKey(
        "org.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("결과"), max_length=20, choices=Outcome.choices, blank=True)
    result = models.TextField(_("결과 내용"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "services_helprequest"
        verbose_name = _("도우미 신청")
        verbose_name_plural = _("도우미 신청")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status"], name="help_org_status"),
            models.Index(fields=["helper", "status"], name="help_helper_status"),
        ]

    def __str__(self) -> str:
        return f"도우미 신청 #{self.pk}"

    def audit_label(self) -> str:
        return f"도우미 신청 #{self.pk}"


class HelpContact(models.Model):
    """One contact of the helper with the resident (date, channel, what was done)."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("전화")
        VISIT = "visit", _("방문")
        OFFICE = "office", _("내방")
        EMAIL = "email", _("이메일")
        MESSAGE = "message", _("문자")

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="contacts")
    at = models.DateTimeField(_("일시"))
    channel = models.CharField(_("방법"), max_length=10, choices=Channel.choices)
    note = models.TextField(_("내용"), max_length=2000)
    by = models.ForeignKey("org.Staff", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "services_helpcontact"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"도우미 신청 #{self.request_id} 연락"


class HelpSurvey(models.Model):
    """The resident's satisfaction with a finished request (one per request)."""

    request = models.OneToOneField(HelpRequest, on_delete=models.CASCADE, related_name="survey")
    satisfaction = models.PositiveSmallIntegerField(
        _("만족도"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    kindness = models.PositiveSmallIntegerField(
        _("친절도"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("의견"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "services_helpsurvey"

    def __str__(self) -> str:
        return f"도우미 신청 #{self.request_id} 만족도"
