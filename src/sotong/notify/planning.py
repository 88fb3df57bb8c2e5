"""Planning a campaign: writing its outbox rows (`Delivery`), one per recipient and channel, in
one INSERT … SELECT per channel, so a million recipients plan in seconds and no subscriber row
ever passes through Python.

The SELECT is the segment's queryset (`segments.segment_queryset`) filtered by the channel's
condition (`segments.channel_conditions`) with the delivery's columns as constant annotations,
compiled by Django (values are parameters, never formatted into the SQL). Planning is idempotent:
the partial unique index `notify_delivery_campaign_once` (campaign, subscriber, channel) turns a
second planning into a no-op for the rows that exist (`ON CONFLICT DO NOTHING`, which both
PostgreSQL and SQLite ≥ 3.24 apply to partial unique indexes when no conflict target is named),
and adds only subscribers who joined the segment since.

Timing rules that depend on the moment of sending (quiet hours, no promotional messages at
night) are the pipeline's (`timing.py`); planning only sets the earliest moment: the campaign's
schedule, or for a newsletter the subscriber's digest weekday at 09:00 Asia/Seoul."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models, router, transaction
from django.db.models import Case, Value, When
from django.db.models.functions import Cast

from .models import Campaign, Delivery
from .segments import CHANNEL_ORDER, Segment, channel_conditions, segment_count, segment_queryset

SEOUL = ZoneInfo("Asia/Seoul")
DIGEST_HOUR = time(9, 0)
# After planning this many rows, PostgreSQL's statistics of the outbox are refreshed (below).
ANALYZE_AFTER_ROWS = 10_000


def digest_times(start: datetime) -> dict[int, datetime]:
    """For each weekday (0 = Monday), the first 09:00 Asia/Seoul on that weekday at or after the
    day of `start`, but never before `start`: a Friday subscriber planned on Friday at 10:00
    gets the digest now, not a week later."""
    local = start.astimezone(SEOUL)
    times = {}
    for offset in range(7):
        day = local.date() + timedelta(days=offset)
        at = datetime.combine(day, DIGEST_HOUR, tzinfo=SEOUL)
        times[day.weekday()] = max(at, start)
    return times


def plan_start(campaign: Campaign, *, now: datetime) -> datetime:
    """The earliest moment any of the campaign's messages may leave."""
    return max(now, campaign.scheduled_at) if campaign.scheduled_at else now


def _campaign_channels(campaign: Campaign) -> int | None:
    # No channels chosen means every channel (an emergency ignores them anyway).
    return campaign.channels or None


def campaign_count(campaign: Campaign) -> dict[str, int]:
    """`segments.segment_count` for a campaign as it stands: what `campaign_plan` would create
    (before any rows exist)."""
    return segment_count(
        campaign.organization,
        Segment.from_json(campaign.segment),
        kind=campaign.kind,
        channels=_campaign_channels(campaign),
        promotional=campaign.promotional,
    )


def _constant(value, output_field: models.Field, *, vendor: str):
    """A parameter in the select list. PostgreSQL needs it typed (an untyped literal there is
    "text", which it refuses to put into a timestamp column); SQLite takes the value as Django
    stores it (a cast would cut microseconds off a timestamp)."""
    constant = Value(value, output_field=output_field)
    return Cast(constant, output_field=output_field) if vendor == "postgresql" else constant


def _insert_select_sql(queryset, columns: list[str], *, using: str):
    """The INSERT … SELECT for `queryset` (a values_list whose select list is `columns`, in
    that order)."""
    sql, params = queryset.query.get_compiler(using=using).as_sql()
    table = connections[using].ops.quote_name(Delivery._meta.db_table)
    names = ", ".join(connections[using].ops.quote_name(column) for column in columns)
    # Both databases: skip rows that meet an existing (campaign, subscriber, channel). The
    # SELECT always has a WHERE clause, which SQLite needs to parse ON CONFLICT after a SELECT.
    return f"INSERT INTO {table} ({names}) {sql} ON CONFLICT DO NOTHING", params


@transaction.atomic
def campaign_plan(campaign: Campaign, *, now: datetime) -> int:
    """Creates the campaign's deliveries for every recipient and channel of its segment and
    returns how many were created (0 when everything was planned before). Changes nothing on the
    campaign itself: `campaigns` owns its state and calls this."""
    using = router.db_for_write(Delivery)
    vendor = connections[using].vendor
    segment = Segment.from_json(campaign.segment)
    base = segment_queryset(
        campaign.organization, segment, kind=campaign.kind, promotional=campaign.promotional
    )
    start = plan_start(campaign, now=now)
    timestamp = models.DateTimeField()
    if campaign.kind == Campaign.Kind.NEWSLETTER:
        not_before = Case(
            *[
                When(digest_weekday=weekday, then=_constant(at, timestamp, vendor=vendor))
                for weekday, at in sorted(digest_times(start).items())
            ],
            default=_constant(start, timestamp, vendor=vendor),
            output_field=timestamp,
        )
    else:
        not_before = _constant(start, timestamp, vendor=vendor)

    conditions = channel_conditions(kind=campaign.kind, channels=_campaign_channels(campaign))
    fields = {field.column: field for field in Delivery._meta.concrete_fields}
    chosen = {
        "campaign_id": campaign.pk,
        "priority": int(campaign.priority),
        "status": Delivery.Status.QUEUED.value,
        "attempts": 0,
        "created_at": now,
    }
    created = 0
    with connections[using].cursor() as cursor:
        for channel in CHANNEL_ORDER:
            if channel not in conditions:
                continue
            row: dict[str, Any] = {"subscriber_id": models.F("pk"), "not_before": not_before}
            for column, field in fields.items():
                if field.primary_key or column in row:
                    continue
                if column == "channel":
                    row[column] = _constant(channel, field, vendor=vendor)
                elif column in chosen:
                    row[column] = _constant(chosen[column], field, vendor=vendor)
                elif field.has_default() or not field.null:
                    # What a save would store: the default, "" for a text column without one.
                    default = field.get_default()
                    if default is None and not field.null:
                        raise ImproperlyConfigured(f"planning has no value for Delivery.{column}")
                    row[column] = _constant(default, field, vendor=vendor)
            # Annotation names only have to be unique; the select list's order is the columns'.
            aliases = {f"plan_{column}": expression for column, expression in row.items()}
            queryset = (
                base.filter(conditions[channel]).annotate(**aliases).values_list(*aliases)
            ).order_by()
            sql, params = _insert_select_sql(queryset, list(row), using=using)
            cursor.execute(sql, params)
            created += max(cursor.rowcount, 0)
        if vendor == "postgresql" and created >= ANALYZE_AFTER_ROWS:
            # Until autovacuum comes by, the statistics say the outbox holds a few queued rows,
            # and the planner then claims each batch by sorting every queued row instead of
            # walking `notify_delivery_due` (measured: 72 ms a claim at 300,000 rows instead of
            # 0.2 ms, halving the delivery rate). ANALYZE samples a fixed number of rows (about
            # 0.3 s at a million), counts this transaction's own rows, and only warns when the
            # database user may not run it.
            cursor.execute(f"ANALYZE {connections[using].ops.quote_name(Delivery._meta.db_table)}")
    return created
