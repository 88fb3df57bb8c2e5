"""Accounts: one user model for residents and staff. A user is staff when an `org.Staff` row
points at them; residents keep their personal details in `ResidentProfile`."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sotong.core.privacy.fields import EncryptedCharField
from sotong.core.privacy.mask import mask_name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("e-mail is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Logs in with e-mail. `is_staff` keeps Django's meaning (may enter the admin site)."""

    email = models.EmailField(_("이메일"), unique=True)
    display_name = models.CharField(_("표시 이름"), max_length=50, blank=True)
    is_active = models.BooleanField(_("활성"), default=True)
    is_staff = models.BooleanField(_("관리 화면 접근"), default=False)
    date_joined = models.DateTimeField(_("가입일"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("사용자")
        verbose_name_plural = _("사용자")

    def __str__(self) -> str:
        return self.display_name or self.email


class ResidentProfile(models.Model):
    """What a resident tells us about themselves. Contact data is encrypted at rest; the real name is
    shown only masked (홍*동) on public pages. Every change goes through `services.py`."""

    class Language(models.TextChoices):
        KO = "ko", _("한국어")
        EN = "en", _("English")

    user = models.OneToOneField(
        User, verbose_name=_("사용자"), on_delete=models.CASCADE, related_name="resident_profile"
    )
    name = models.CharField(_("이름"), max_length=50, blank=True)
    phone = EncryptedCharField(_("전화번호"), blank=True)
    address = EncryptedCharField(_("주소"), blank=True)
    organization = models.ForeignKey(
        "org.Organization",
        verbose_name=_("거주 자치단체"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dong = models.ForeignKey(
        "org.Dong",
        verbose_name=_("거주 행정동"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    language = models.CharField(
        _("사용 언어"), max_length=2, choices=Language.choices, default=Language.KO
    )
    created_at = models.DateTimeField(_("만든 때"), auto_now_add=True)
    updated_at = models.DateTimeField(_("고친 때"), auto_now=True)

    # Fields that hold personal data: erased on account deletion, never written to the audit log.
    PERSONAL_FIELDS = ("name", "phone", "address", "dong")

    class Meta:
        verbose_name = _("주민 프로필")
        verbose_name_plural = _("주민 프로필")

    def __str__(self) -> str:
        # No name here: str() ends up in logs, audit events and admin titles.
        return f"주민 프로필 #{self.pk}"

    def clean(self) -> None:
        if self.dong_id and self.dong.organization_id != self.organization_id:
            raise ValidationError({"dong": _("선택한 자치단체에 속한 행정동을 고르세요.")})

    @property
    def public_name(self) -> str:
        """The name as it may appear on public pages (홍*동)."""
        return mask_name(self.name) if self.name else ""


class AccountDeletion(models.Model):
    """What remains of a deleted account: when and why, never who. The user row itself stays,
    deactivated and anonymised, because records the law keeps (petitions …) point at it."""

    class Reason(models.TextChoices):
        NOT_NEEDED = "not_needed", _("더 이상 쓰지 않음")
        PRIVACY = "privacy", _("개인정보가 걱정됨")
        MOVED = "moved", _("다른 지역으로 이사함")
        OTHER = "other", _("기타")

    user = models.OneToOneField(
        User, verbose_name=_("사용자"), on_delete=models.PROTECT, related_name="deletion"
    )
    deleted_at = models.DateTimeField(_("탈퇴일"), default=timezone.now)
    reason = models.CharField(_("탈퇴 사유"), max_length=20, choices=Reason.choices)

    class Meta:
        verbose_name = _("회원 탈퇴 기록")
        verbose_name_plural = _("회원 탈퇴 기록")
        ordering = ["-deleted_at"]

    def __str__(self) -> str:
        return f"{self.deleted_at:%Y-%m-%d} {self.get_reason_display()}"
