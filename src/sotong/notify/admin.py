"""Admin screens of notify: read-only windows for operators (what is queued, what failed and why,
which consents were recorded). Campaigns and templates are composed on the staff pages
(`/notify/staff/`), which go through the services; subscriptions change only by their owner.

No admin screen shows an e-mail address or a phone number: they are personal data, and an operator
investigating a delivery needs its state, not its recipient."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sotong.core.admin import ReadOnlyAdmin
from sotong.core.vocab import Interest, from_mask

from .models import (
    Campaign,
    Consent,
    Delivery,
    Notification,
    Subscriber,
    Template,
    channels_of,
)


@admin.register(Subscriber)
class SubscriberAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "organization",
        "dong",
        "status",
        "channel_list",
        "interest_list",
        "frequency",
        "has_email",
        "has_phone",
        "created_at",
    )
    list_filter = ("status", "frequency", "organization")
    list_select_related = ("organization", "dong")
    list_per_page = 50
    fields = (
        "organization",
        "dong",
        "status",
        "channel_list",
        "interest_list",
        "frequency",
        "digest_weekday",
        "quiet_start",
        "quiet_end",
        "promo_consent",
        "night_promo_consent",
        "email_confirmed_at",
        "phone_confirmed_at",
        "created_at",
        "unsubscribed_at",
    )
    readonly_fields = fields

    @admin.display(description=_("받는 방법"))
    def channel_list(self, obj: Subscriber) -> str:
        return ", ".join(channels_of(obj.channels))

    @admin.display(description=_("관심 분야"))
    def interest_list(self, obj: Subscriber) -> str:
        labels = dict(Interest.choices)
        return ", ".join(str(labels[value]) for value in from_mask(Interest, obj.interests))

    @admin.display(description=_("이메일"), boolean=True)
    def has_email(self, obj: Subscriber) -> bool:
        return obj.email_confirmed_at is not None

    @admin.display(description=_("휴대전화"), boolean=True)
    def has_phone(self, obj: Subscriber) -> bool:
        return obj.phone_confirmed_at is not None


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ("at", "subscriber_id", "kind", "channel", "granted", "source")
    list_filter = ("kind", "channel", "granted", "source")
    list_per_page = 100


@admin.register(Template)
class TemplateAdmin(ReadOnlyAdmin):
    list_display = ("name", "key", "kind", "channel", "organization", "promotional", "active")
    list_filter = ("kind", "channel", "promotional", "active", "organization")
    search_fields = ("name", "key")


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = (
        "title",
        "organization",
        "kind",
        "status",
        "planned_count",
        "scheduled_at",
        "finished_at",
    )
    list_filter = ("kind", "status", "organization")
    search_fields = ("title",)
    list_select_related = ("organization",)
    exclude = ("created_by", "sent_by")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("id", "event", "organization", "ref", "created_at")
    list_filter = ("event",)
    search_fields = ("=ref", "=event")
    fields = ("event", "organization", "ref", "created_at")
    readonly_fields = fields


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "channel",
        "priority",
        "status",
        "attempts",
        "not_before",
        "sent_at",
        "delivered_at",
        "failure_code",
        "campaign_id",
        "notification_id",
    )
    list_filter = ("status", "channel", "priority", "failure_code")
    search_fields = ("=provider_message_id", "=campaign__id")
    list_per_page = 100
    show_full_result_count = False  # the outbox can hold millions of rows
