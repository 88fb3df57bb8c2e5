"""Who a campaign goes to: a `Segment` (the filters staff choose, stored as JSON on
`Campaign.segment`), the subscribers it selects and the exact number of messages it would make.

The rules of content (notify README, "Rules of content") live here, once, for counting and for
planning alike, so the count staff see before sending is the number `planning.campaign_plan`
creates:

- only ACTIVE subscribers of the campaign's organisation (a city's segment may take in its
  districts, `include_children`);
- targeted and emergency campaigns go to "immediate" subscribers, a newsletter to "weekly" ones;
- within a facet (interests, life stages, target groups, the subscriber's channels) any value
  matches, across facets all must; an emergency looks at the region only (organisation and 동);
- per subscriber and channel: e-mail when the address is confirmed and the subscriber chose
  e-mail; KakaoTalk when the phone is confirmed and they chose KakaoTalk (the provider falls
  back to SMS); else SMS when the phone is confirmed and they chose SMS. A campaign sends only on
  its own channels; an emergency goes to every confirmed address (e-mail, and the phone by
  KakaoTalk or SMS as the subscriber chose, SMS when they chose neither), whatever the channels.

Facets are bit masks (`sotong.core.vocab`), so a segment over a million subscribers is one scan
with bitwise ANDs, and the count is one query with conditional aggregation."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.db.models.lookups import Exact, GreaterThan
from django.utils import timezone
from django.utils.translation import gettext as _

from sotong.core.vocab import Interest, LifeStage, TargetGroup, filter_any, to_mask

from .models import CHANNEL_BITS, Campaign, Channel, Subscriber, channel_mask

EMAIL_BIT = CHANNEL_BITS[Channel.EMAIL]
SMS_BIT = CHANNEL_BITS[Channel.SMS]
KAKAO_BIT = CHANNEL_BITS[Channel.KAKAO]
ALL_CHANNELS = EMAIL_BIT | SMS_BIT | KAKAO_BIT
# The order in which planning writes and counts report channels.
CHANNEL_ORDER = (str(Channel.EMAIL), str(Channel.KAKAO), str(Channel.SMS))
BIRTH_YEAR_MIN = 1900
# The largest id a database holds (PostgreSQL bigint, SQLite INTEGER); SQLite's driver raises
# OverflowError on a larger int, so a 동 id beyond it is refused with the other bad values.
ID_MAX = 2**63 - 1

_FACETS = {
    "interests": Interest,
    "life_stages": LifeStage,
    "target_groups": TargetGroup,
    "channels": Channel,
}
_KEYS = (
    "include_children",
    "dongs",
    "interests",
    "life_stages",
    "target_groups",
    "channels",
    "birth_year_min",
    "birth_year_max",
)


@dataclass
class Segment:
    """The filters of a campaign. Empty lists and None mean "no filter"; the organisation is
    always the campaign's own (and, for a city with `include_children`, its districts')."""

    include_children: bool = False
    dongs: list[int] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    life_stages: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    # The subscriber's chosen channels (any of them); which channels a campaign sends on is the
    # campaign's `channels`, not this.
    channels: list[str] = field(default_factory=list)
    birth_year_min: int | None = None
    birth_year_max: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None, *, organization=None) -> Segment:
        """A validated segment from its stored form. Unknown keys or values raise a Korean
        ValidationError per field. With `organization`, every 동 must belong to it (or to one of
        its districts when the segment takes them in)."""
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ValidationError(_("대상 조건의 형식이 올바르지 않습니다."))
        errors: dict[str, list[str]] = {}
        unknown = sorted(str(key) for key in data if key not in _KEYS)
        if unknown:
            errors["__all__"] = [
                _("알 수 없는 대상 조건입니다: %(keys)s") % {"keys": ", ".join(unknown)}
            ]

        include_children = data.get("include_children", False)
        if not isinstance(include_children, bool):
            errors["include_children"] = [_("하위 기관 포함 여부는 참 또는 거짓이어야 합니다.")]

        dongs = _int_list(data.get("dongs"), "dongs", _("행정동"), errors)

        facets: dict[str, list[str]] = {}
        for key, choices in _FACETS.items():
            facets[key] = _choice_list(data.get(key), key, choices, errors)

        birth_years: dict[str, int | None] = {}
        this_year = timezone.localdate().year
        for key in ("birth_year_min", "birth_year_max"):
            value = data.get(key)
            if value is None or value == "":
                birth_years[key] = None
            elif isinstance(value, bool) or not isinstance(value, int):
                errors[key] = [_("출생 연도는 숫자여야 합니다.")]
            elif not BIRTH_YEAR_MIN <= value <= this_year:
                errors[key] = [
                    _("출생 연도는 %(low)d년부터 %(high)d년 사이여야 합니다.")
                    % {"low": BIRTH_YEAR_MIN, "high": this_year}
                ]
            else:
                birth_years[key] = value
        low, high = birth_years.get("birth_year_min"), birth_years.get("birth_year_max")
        if low is not None and high is not None and low > high:
            errors["birth_year_max"] = [_("출생 연도 끝은 시작보다 빠를 수 없습니다.")]

        if errors:
            raise ValidationError(errors)
        segment = cls(
            include_children=include_children,
            dongs=dongs,
            birth_year_min=low,
            birth_year_max=high,
            **facets,
        )
        if organization is not None and segment.dongs:
            scope = organization_scope(organization, segment)
            from sotong.org.models import Dong

            found = set(
                Dong.objects.filter(pk__in=segment.dongs, organization_id__in=scope).values_list(
                    "pk", flat=True
                )
            )
            if missing := [pk for pk in segment.dongs if pk not in found]:
                raise ValidationError(
                    {
                        "dongs": [
                            _("이 기관의 행정동이 아닙니다: %(ids)s")
                            % {"ids": ", ".join(map(str, missing))}
                        ]
                    }
                )
        return segment

    def to_json(self) -> dict[str, Any]:
        """The stored form: every key, lists in the vocabularies' order, no duplicates."""
        data = dataclasses.asdict(self)
        data["dongs"] = sorted(set(self.dongs))
        for key, choices in _FACETS.items():
            chosen = set(data[key])
            data[key] = [value for value in choices.values if value in chosen]
        return data

    def is_empty(self) -> bool:
        """True when nothing narrows the organisation's subscribers."""
        return not (
            self.dongs
            or self.interests
            or self.life_stages
            or self.target_groups
            or self.channels
            or self.birth_year_min is not None
            or self.birth_year_max is not None
        )


def _int_list(value, key: str, label: str, errors: dict) -> list[int]:
    if value is None or value == "":
        return []
    if not isinstance(value, list | tuple) or any(
        isinstance(item, bool) or not isinstance(item, int) or not 0 < item <= ID_MAX
        for item in value
    ):
        errors[key] = [_("%(label)s 목록의 형식이 올바르지 않습니다.") % {"label": label}]
        return []
    return list(dict.fromkeys(value))


def _choice_list(value, key: str, choices, errors: dict) -> list[str]:
    if value is None or value == "":
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        errors[key] = [_("선택 목록의 형식이 올바르지 않습니다.")]
        return []
    unknown = [item for item in value if item not in choices.values]
    if unknown:
        errors[key] = [_("알 수 없는 항목입니다: %(values)s") % {"values": ", ".join(unknown)}]
        return []
    return list(dict.fromkeys(value))


def organization_scope(organization, segment: Segment) -> list[int]:
    """Ids of the organisations whose subscribers the segment may reach."""
    from sotong.org.models import Organization

    ids = [organization.pk]
    if segment.include_children and organization.kind == Organization.Kind.CITY:
        ids += list(
            Organization.objects.filter(parent_id=organization.pk).values_list("pk", flat=True)
        )
    return ids


def _as_segment(segment: Segment | Mapping | None) -> Segment:
    return segment if isinstance(segment, Segment) else Segment.from_json(segment)


def segment_queryset(
    organization, segment: Segment | Mapping | None, *, kind: str, promotional: bool = False
) -> QuerySet[Subscriber]:
    """The subscribers a campaign of `kind` with this segment is for (before channels: some of
    them may have no address the campaign can use; `segment_count` tells). An emergency is for
    everyone in the area, weekly-digest readers included: an alert cannot wait for Friday. A
    promotional campaign is only for those who consented to advertising (정보통신망법 제50조)."""
    segment = _as_segment(segment)
    kind = Campaign.Kind(kind)
    scope = organization_scope(organization, segment)
    queryset = Subscriber.objects.filter(status=Subscriber.Status.ACTIVE)
    if kind == Campaign.Kind.NEWSLETTER:
        queryset = queryset.filter(frequency=Subscriber.Frequency.WEEKLY)
    elif kind == Campaign.Kind.TARGETED:
        queryset = queryset.filter(frequency=Subscriber.Frequency.IMMEDIATE)
    if promotional and kind != Campaign.Kind.EMERGENCY:
        queryset = queryset.filter(promo_consent=True)
    queryset = (
        queryset.filter(organization_id=scope[0])
        if len(scope) == 1
        else queryset.filter(organization_id__in=scope)
    )
    if segment.dongs:
        queryset = queryset.filter(dong_id__in=segment.dongs)
    if kind == Campaign.Kind.EMERGENCY:
        # An alert is for everyone in the area, whatever they said interests them.
        return queryset
    queryset = filter_any(queryset, "interests", to_mask(Interest, segment.interests))
    queryset = filter_any(queryset, "life_stages", to_mask(LifeStage, segment.life_stages))
    queryset = filter_any(queryset, "target_groups", to_mask(TargetGroup, segment.target_groups))
    queryset = filter_any(queryset, "channels", channel_mask(segment.channels))
    if segment.birth_year_min is not None:
        queryset = queryset.filter(birth_year__gte=segment.birth_year_min)
    if segment.birth_year_max is not None:
        queryset = queryset.filter(birth_year__lte=segment.birth_year_max)
    return queryset


def _mask(channels: int | Iterable[str] | None) -> int:
    if channels is None:
        return ALL_CHANNELS
    if isinstance(channels, int):
        return channels & ALL_CHANNELS or ALL_CHANNELS
    return channel_mask(channels) or ALL_CHANNELS


def _chose(bit: int) -> Q:
    return Q(GreaterThan(F("channels").bitand(bit), 0))


def channel_conditions(*, kind: str, channels: int | Iterable[str] | None = None) -> dict[str, Q]:
    """For each channel a campaign of `kind` sends on, the condition a subscriber must meet to
    get a message on it (the rule of the module docstring). `channels`: the campaign's channels
    as a mask or names; None or empty means all. A subscriber meets at most one of the phone
    conditions, so the conditions never make two phone messages."""
    email_ok = Q(email_confirmed_at__isnull=False)
    phone_ok = Q(phone_confirmed_at__isnull=False)
    if Campaign.Kind(kind) == Campaign.Kind.EMERGENCY:
        return {
            str(Channel.EMAIL): email_ok,
            str(Channel.KAKAO): phone_ok & _chose(KAKAO_BIT),
            str(Channel.SMS): phone_ok & Q(Exact(F("channels").bitand(KAKAO_BIT), 0)),
        }
    mask = _mask(channels)
    conditions: dict[str, Q] = {}
    if mask & EMAIL_BIT:
        conditions[str(Channel.EMAIL)] = email_ok & _chose(EMAIL_BIT)
    if mask & KAKAO_BIT:
        conditions[str(Channel.KAKAO)] = phone_ok & _chose(KAKAO_BIT)
    if mask & SMS_BIT:
        sms = phone_ok & _chose(SMS_BIT)
        if mask & KAKAO_BIT:
            # KakaoTalk is sent instead (and falls back to SMS at the provider).
            sms &= Q(Exact(F("channels").bitand(KAKAO_BIT), 0))
        conditions[str(Channel.SMS)] = sms
    return conditions


def segment_count(
    organization,
    segment: Segment | Mapping | None,
    *,
    kind: str,
    channels: int | Iterable[str] | None = None,
    promotional: bool = False,
) -> dict[str, int]:
    """Exact numbers, in one query: `subscribers` who would get at least one message, messages
    per channel (`email`, `kakao`, `sms`), their sum `deliveries`, and `matched`, the
    subscribers the segment selects whether or not they have a usable address. `channels` are
    the campaign's (None: all); an emergency ignores them."""
    conditions = channel_conditions(kind=kind, channels=channels)
    queryset = segment_queryset(organization, segment, kind=kind, promotional=promotional)
    reachable = Q()
    for condition in conditions.values():
        reachable |= condition
    aggregates = {"matched": Count("pk")}
    if conditions:
        aggregates["subscribers"] = Count("pk", filter=reachable)
    for name, condition in conditions.items():
        aggregates[name] = Count("pk", filter=condition)
    row = queryset.aggregate(**aggregates)
    counts = {"subscribers": row.get("subscribers") or 0}
    for name in CHANNEL_ORDER:
        counts[name] = row.get(name) or 0
    counts["deliveries"] = sum(counts[name] for name in CHANNEL_ORDER)
    counts["matched"] = row["matched"] or 0
    return counts
