"""Notifications (알림): who wants to hear what (`Subscriber`, `Consent`), what is said
(`Template`, `Campaign`, `Notification`) and the outbox of what must still be delivered
(`Delivery`, one row per message × recipient × channel).

Rules of one row live here; every state change goes through `services.py` (subscriptions,
templates, campaigns, transactional notifications) or `pipeline.py` (delivery). See README.md for
the states and the exactly-once protocol."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sotong.core.privacy.fields import EncryptedCharField, EncryptedJSONField


class Channel(models.TextChoices):
    EMAIL = "email", _("이메일")
    SMS = "sms", _("문자(SMS·LMS)")
    KAKAO = "kakao", _("카카오 알림톡")


# A subscriber's channels are a bit mask; the bit of a channel is fixed forever.
CHANNEL_BITS = {Channel.EMAIL: 1, Channel.SMS: 2, Channel.KAKAO: 4}


def channel_mask(channels) -> int:
    mask = 0
    for channel in channels:
        mask |= CHANNEL_BITS[Channel(channel)]
    return mask


def channels_of(mask: int) -> list[str]:
    return [str(channel) for channel, bit in CHANNEL_BITS.items() if mask & bit]


class Priority(models.IntegerChoices):
    """Lower goes first. Workers claim in this order, and emergency work has its own queue."""

    EMERGENCY = 0, _("긴급")
    TRANSACTIONAL = 10, _("개별 알림")
    TARGETED = 20, _("맞춤 알림")
    NEWSLETTER = 30, _("소식지")


class Subscriber(models.Model):
    """One person on one organisation's list: a resident's account, or just a confirmed e-mail
    address or phone number. Addresses are encrypted; the keyed hashes find and merge duplicates.
    Interests, life stages, target groups and channels are bit masks (`sotong.core.vocab`)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("확인 대기")
        ACTIVE = "active", _("구독 중")
        UNSUBSCRIBED = "unsubscribed", _("구독 해지")

    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", _("바로 받기")
        WEEKLY = "weekly", _("주간 모아 받기")

    organization = models.ForeignKey(
        "org.Organization",
        on_delete=models.PROTECT,
        related_name="subscribers",
        verbose_name=_("기관"),
    )
    dong = models.ForeignKey(
        "org.Dong",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("행정동"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subscriptions",
        verbose_name=_("회원"),
    )
    status = models.CharField(
        _("상태"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    email = EncryptedCharField(_("이메일"), max_length=254, blank=True)
    email_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    email_confirmed_at = models.DateTimeField(_("이메일 확인"), null=True, blank=True)
    phone = EncryptedCharField(_("휴대전화"), max_length=20, blank=True)
    phone_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    phone_confirmed_at = models.DateTimeField(_("휴대전화 확인"), null=True, blank=True)
    interests = models.PositiveIntegerField(_("관심 분야"), default=0)
    life_stages = models.PositiveIntegerField(_("생애주기"), default=0)
    target_groups = models.PositiveIntegerField(pgettext_lazy("target group", "대상"), default=0)
    channels = models.PositiveSmallIntegerField(_("받는 방법"), default=0)
    birth_year = models.PositiveSmallIntegerField(_("출생 연도"), null=True, blank=True)
    frequency = models.CharField(
        _("받는 주기"), max_length=20, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    digest_weekday = models.PositiveSmallIntegerField(
        _("소식지 요일"), default=4, help_text=_("0 = 월요일 … 6 = 일요일")
    )
    quiet_start = models.TimeField(_("방해 금지 시작"), null=True, blank=True)
    quiet_end = models.TimeField(_("방해 금지 끝"), null=True, blank=True)
    promo_consent = models.BooleanField(_("광고성 정보 수신 동의"), default=False)
    night_promo_consent = models.BooleanField(_("야간 광고성 정보 수신 동의"), default=False)
    language = models.CharField(_("언어"), max_length=8, default="ko")
    # Bumped to revoke every manage/unsubscribe link handed out so far.
    token_version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("신청일"), default=timezone.now)
    updated_at = models.DateTimeField(_("고친 때"), auto_now=True)
    unsubscribed_at = models.DateTimeField(_("해지일"), null=True, blank=True)

    class Meta:
        verbose_name = _("구독자")
        verbose_name_plural = _("구독자")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email_hash"], name="notify_subscriber_email_once"
            ),
            models.UniqueConstraint(
                fields=["organization", "phone_hash"], name="notify_subscriber_phone_once"
            ),
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=Q(user__isnull=False),
                name="notify_subscriber_user_once",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"], name="notify_sub_org_status")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Consent(models.Model):
    """An append-only record of every consent given or withdrawn: what, on which channel, when
    and how. It outlives the subscription, as the law asks a sender to prove consent."""

    class Kind(models.TextChoices):
        SUBSCRIBE = "subscribe", _("알림 수신")
        CHANNEL = "channel", _("받는 방법")
        PROMO = "promo", _("광고성 정보 수신")
        NIGHT_PROMO = "night_promo", _("야간 광고성 정보 수신")

    class Source(models.TextChoices):
        WEB = "web", _("누리집")
        EMAIL_LINK = "email_link", _("이메일 링크")
        SMS_CODE = "sms_code", _("문자 인증번호")
        SMS_REPLY = "sms_reply", _("문자 회신")
        ACCOUNT = "account", _("회원 정보")
        STAFF = "staff", _("담당자 입력")
        IMPORT = "import", _("일괄 등록")

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.PROTECT, related_name="consents", verbose_name=_("구독자")
    )
    kind = models.CharField(_("종류"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("채널"), max_length=10, choices=Channel.choices, blank=True)
    granted = models.BooleanField(_("동의"))
    source = models.CharField(_("경로"), max_length=20, choices=Source.choices)
    at = models.DateTimeField(_("일시"), default=timezone.now)

    class Meta:
        verbose_name = _("수신 동의 기록")
        verbose_name_plural = _("수신 동의 기록")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.granted} #{self.subscriber_id}"


class Confirmation(models.Model):
    """A double opt-in challenge: a code sent by SMS or a link sent by e-mail. Only the hash of
    the code is kept; a few wrong tries end it."""

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="confirmations"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("수신 확인")
        verbose_name_plural = _("수신 확인")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.subscriber_id}"


class Template(models.Model):
    """What one kind of message says on one channel. `key` is an event type for transactional
    messages (`petitions.answered`) or a name for campaign templates. The body uses Django's
    template language restricted to variables and `{% if %}`; `services.template_check` refuses a
    send when a variable has no value. An organisation's template overrides the platform's
    (organization = NULL) of the same key and channel."""

    class Kind(models.TextChoices):
        TRANSACTIONAL = "transactional", _("개별 알림")
        CAMPAIGN = "campaign", _("발송용")

    organization = models.ForeignKey(
        "org.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notify_templates",
        verbose_name=_("기관"),
    )
    key = models.CharField(_("키"), max_length=80)
    kind = models.CharField(_("종류"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("채널"), max_length=10, choices=Channel.choices)
    name = models.CharField(_("이름"), max_length=100)
    subject = models.CharField(_("제목"), max_length=200, blank=True)
    body = models.TextField(_("본문"))
    kakao_template_code = models.CharField(_("알림톡 템플릿 코드"), max_length=64, blank=True)
    sample_context = models.JSONField(_("미리보기 값"), default=dict, blank=True)
    promotional = models.BooleanField(_("광고성 정보"), default=False)
    active = models.BooleanField(_("사용"), default=True)
    updated_at = models.DateTimeField(_("고친 때"), auto_now=True)

    class Meta:
        verbose_name = _("알림 틀")
        verbose_name_plural = _("알림 틀")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key", "channel"], name="notify_template_once"
            ),
            models.UniqueConstraint(
                fields=["key", "channel"],
                condition=Q(organization__isnull=True),
                name="notify_template_platform_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_channel_display()})"


class Campaign(models.Model):
    """A message staff send to a segment of subscribers: the weekly `newsletter`, a `targeted`
    notice (with an optional conversion goal) or an `emergency` alert. `segment` holds the
    filters (see `segments.py`); `planned` deliveries are created in one INSERT … SELECT."""

    class Kind(models.TextChoices):
        NEWSLETTER = "newsletter", _("소식지")
        TARGETED = "targeted", _("맞춤 알림")
        EMERGENCY = "emergency", _("긴급 알림")

    class Status(models.TextChoices):
        DRAFT = "draft", _("작성 중")
        SCHEDULED = "scheduled", _("예약됨")
        SENDING = "sending", _("발송 중")
        SENT = "sent", _("발송 완료")
        CANCELLED = "cancelled", _("취소됨")

    organization = models.ForeignKey(
        "org.Organization",
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("기관"),
    )
    kind = models.CharField(_("종류"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("상태"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    title = models.CharField(_("제목"), max_length=200)
    segment = models.JSONField(pgettext_lazy("recipients", "대상"), default=dict, blank=True)
    channels = models.PositiveSmallIntegerField(_("보낼 채널"), default=0)
    subject = models.CharField(_("이메일 제목"), max_length=200, blank=True)
    body = models.TextField(_("이메일 본문"), blank=True)
    sms_body = models.TextField(_("문자 본문"), blank=True)
    kakao_template = models.ForeignKey(
        Template,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("알림톡 틀"),
    )
    kakao_variables = models.JSONField(_("알림톡 변수"), default=dict, blank=True)
    promotional = models.BooleanField(_("광고성 정보"), default=False)
    digest_since = models.DateTimeField(_("소식 모음 시작"), null=True, blank=True)
    digest_until = models.DateTimeField(_("소식 모음 끝"), null=True, blank=True)
    digest_items = models.JSONField(_("소식 모음"), default=list, blank=True)
    conversion_action = models.CharField(_("성과 행동"), max_length=80, blank=True)
    conversion_days = models.PositiveSmallIntegerField(_("성과 집계 기간(일)"), default=30)
    scheduled_at = models.DateTimeField(_("발송 예약"), null=True, blank=True)
    planned_count = models.PositiveIntegerField(_("대상 수"), default=0)
    planned_at = models.DateTimeField(_("대상 확정"), null=True, blank=True)
    finished_at = models.DateTimeField(_("발송 완료"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("작성자"),
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("발송자"),
    )
    created_at = models.DateTimeField(_("작성일"), default=timezone.now)
    updated_at = models.DateTimeField(_("고친 때"), auto_now=True)

    class Meta:
        verbose_name = _("발송")
        verbose_name_plural = _("발송")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("send_campaign", _("맞춤 알림·소식지 발송")),
            ("send_emergency", _("긴급 알림 발송")),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def priority(self) -> int:
        return {
            self.Kind.EMERGENCY: Priority.EMERGENCY,
            self.Kind.TARGETED: Priority.TARGETED,
            self.Kind.NEWSLETTER: Priority.NEWSLETTER,
        }[self.kind]


class Notification(models.Model):
    """One transactional message to one person, asked for by another app through
    `services.notification_send` (a petition was answered …). The recipient is an account, a
    subscriber, or a bare confirmed address (an anonymous petitioner); the addresses are copied,
    encrypted, at the time of the event."""

    event = models.CharField(_("사건"), max_length=80)
    organization = models.ForeignKey(
        "org.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("기관"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("받는 사람"),
    )
    to_email = EncryptedCharField(_("이메일"), max_length=254, blank=True)
    to_phone = EncryptedCharField(_("휴대전화"), max_length=20, blank=True)
    # Values of the message (a name, a petition title, a confirmation code): encrypted at rest.
    context = EncryptedJSONField(_("내용 값"), default=dict, blank=True)
    ref = models.CharField(_("관련 항목"), max_length=120, blank=True)
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("만든 때"), default=timezone.now)

    class Meta:
        verbose_name = _("개별 알림")
        verbose_name_plural = _("개별 알림")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk}"


class Delivery(models.Model):
    """The outbox: one message to one recipient on one channel. Written in the transaction of the
    event (or the campaign's planning); a worker claims it, hands it to the channel's transport
    and records the outcome. The unique constraints make "once per (message, recipient,
    channel)" a database fact; README.md describes the claim protocol that keeps it once through a
    worker's crash."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("대기")
        SENDING = "sending", _("발송 중")
        SENT = "sent", _("발송됨")
        DELIVERED = "delivered", _("도달")
        FAILED = "failed", _("실패")
        SKIPPED = "skipped", _("제외")
        CANCELLED = "cancelled", _("취소됨")

    # No index of their own: notify_delivery_campaign and the unique constraints cover every
    # look-up, and one more index only slows down planning a million rows.
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
    )
    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
    )
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    not_before = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=80, blank=True)
    transport = models.CharField(max_length=40, blank=True)
    provider_ref = models.CharField(max_length=80, blank=True)
    provider_message_id = models.CharField(max_length=80, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("발송 건")
        verbose_name_plural = _("발송 건")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "subscriber", "channel"],
                condition=Q(campaign__isnull=False),
                name="notify_delivery_campaign_once",
            ),
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=Q(notification__isnull=False),
                name="notify_delivery_notification_once",
            ),
            models.CheckConstraint(
                condition=Q(campaign__isnull=False, notification__isnull=True)
                | Q(campaign__isnull=True, notification__isnull=False),
                name="notify_delivery_one_parent",
            ),
        ]
        indexes = [
            # The claim query: due rows in priority order. Partial, so finished rows (almost all
            # of them, in time) do not weigh on it.
            models.Index(
                fields=["priority", "not_before", "id"],
                condition=Q(status__in=["queued", "sending"]),
                name="notify_delivery_due",
            ),
            models.Index(
                fields=["provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="notify_delivery_provider_id",
            ),
            models.Index(fields=["campaign", "status"], name="notify_delivery_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk} ({self.get_status_display()})"


class Click(models.Model):
    """A recipient followed a tracked link in a message."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="clicks")
    url = models.URLField(max_length=500)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("링크 열람")
        verbose_name_plural = _("링크 열람")

    def __str__(self) -> str:
        return f"#{self.delivery_id} {self.at:%Y-%m-%d %H:%M}"


class ConversionEvent(models.Model):
    """Someone did something a campaign may aim at (applied for a service, subscribed …): other
    apps record it through `services.conversion_record`; reports count it for recipients who
    did it within the campaign's window."""

    action = models.CharField(_("행동"), max_length=80)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    ref = models.CharField(max_length=120, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("성과 행동")
        verbose_name_plural = _("성과 행동")
        indexes = [models.Index(fields=["action", "at"], name="notify_conversion_action")]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d}"


class RateWindow(models.Model):
    """Messages handed to one provider in one second, shared by every worker process: the
    per-provider rate limit is an atomic UPDATE on this row."""

    transport = models.CharField(max_length=40)
    second = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transport", "second"], name="notify_rate_once")
        ]

    def __str__(self) -> str:
        return f"{self.transport}@{self.second}: {self.count}"


class DeliveryControl(models.Model):
    """The one switch that holds every delivery of the install (`operations.py`): while `paused`,
    workers claim nothing and the scheduler starts nothing; queued messages wait. A restored copy
    of the database starts paused (scripts/restore.sh), so that its workers never send a real
    resident the copy's scheduled messages; an operator resumes with
    `manage.py notify_delivery resume`. No row means not paused."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    paused = models.BooleanField(_("발송 일시 중지"), default=False)
    reason = models.CharField(_("사유"), max_length=200, blank=True)
    changed_at = models.DateTimeField(_("바꾼 시각"), default=timezone.now)

    class Meta:
        verbose_name = _("발송 중지 스위치")
        verbose_name_plural = _("발송 중지 스위치")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="notify_control_single")]

    def __str__(self) -> str:
        return f"paused={self.paused}"
