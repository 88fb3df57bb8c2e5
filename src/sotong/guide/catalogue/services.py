"""Every state change of the service catalogue (issue 6, points 1–2): one function per use case,
keyword-only, permission-checked, validated and audited. The admin, the catalogue import
(`catalogue_io`), the demo loader and the resident pages call these; nothing else writes services.

Facets are given as lists of choice values ("senior", "low_income" …) and stored as bit masks.
Errors people can fix come back as `ValidationError` with Korean messages per field; a missing
right is `PermissionDenied`. `actor=None` is the system (commands, the demo)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sotong.core import vocab
from sotong.core.audit import audit_record, changes_apply, diff, snapshot
from sotong.core.text import clean_text
from sotong.guide.catalogue import permissions as permissions
from sotong.guide.eligibility.rules import rule_validate
from sotong.guide.models import (
    EligibilityRule,
    Parameter,
    SavedService,
    Service,
    ServiceLifeStage,
    ServiceSituation,
    ServiceValue,
    ServiceView,
)

if TYPE_CHECKING:
    from sotong.accounts.models import User

__all__ = [
    "FACETS",
    "SERVICE_FIELDS",
    "parameter_save",
    "service_create",
    "service_is_saved",
    "service_review",
    "service_save",
    "service_set_published",
    "service_unsave",
    "service_update",
    "service_view_record",
]

# Plain fields a caller may set (organisation and department are objects or None).
SERVICE_FIELDS = (
    "organization",
    "name",
    "summary",
    "field",
    "provider_name",
    "provider_kind",
    "department",
    "target",
    "criteria",
    "benefit",
    "application_period",
    "apply_online_url",
    "apply_visit",
    "apply_phone",
    "documents",
    "receiving_office",
    "contact",
    "source_url",
    "last_checked",
    "review_due",
    "published",
    "source",
    "source_id",
)
TEXT_FIELDS = (
    "name",
    "summary",
    "provider_name",
    "target",
    "criteria",
    "benefit",
    "application_period",
    "apply_online_url",
    "apply_visit",
    "apply_phone",
    "documents",
    "receiving_office",
    "contact",
    "source_url",
    "source",
    "source_id",
)
URL_FIELDS = ("apply_online_url", "source_url")
# Facet name -> its vocabulary (the order of a vocabulary's members gives the bits).
FACETS: dict[str, type] = {
    "life_stages": ServiceLifeStage,
    "target_groups": vocab.TargetGroup,
    "values": ServiceValue,
    "situations": ServiceSituation,
    "interests": vocab.Interest,
}
VIEWS_KEPT = 50


def _required_messages() -> dict[str, str]:
    return {
        "name": _("서비스명을 입력하세요."),
        "summary": _("서비스 목적(요약)을 입력하세요."),
        "field": _("분야를 고르세요."),
        "provider_name": _("제공 기관을 입력하세요."),
        "provider_kind": _("제공 기관 유형을 고르세요."),
    }


def _facet_label(name: str) -> str:
    return str(Service._meta.get_field(name).verbose_name)


# --- validation ---------------------------------------------------------------------------------


def facet_mask(name: str, values: Any) -> int:
    """The mask of a facet given as a list of choice values; unknown values raise a
    `ValidationError` naming the facet."""
    choices = FACETS[name]
    if values is None:
        return 0
    if isinstance(values, str):
        values = [part for part in (p.strip() for p in values.split(",")) if part]
    if not isinstance(values, Iterable):
        raise ValidationError(
            {name: _("%(facet)s 값은 목록으로 주세요.") % {"facet": _facet_label(name)}}
        )
    values = list(values)
    unknown = [str(v) for v in values if v not in choices.values]
    if unknown:
        raise ValidationError(
            {
                name: _("%(facet)s에 알 수 없는 값이 있습니다: %(values)s")
                % {"facet": _facet_label(name), "values": ", ".join(unknown[:5])}
            }
        )
    return vocab.to_mask(choices, values)


def facet_values(service: Service, name: str) -> list[str]:
    return vocab.from_mask(FACETS[name], getattr(service, name))


def clean_rules(rules: Any) -> list[dict[str, Any]]:
    """Rules as `[{"kind", "params", "text"}]`, each checked by `eligibility.rule_validate`;
    errors come back under "rules", each naming the rule's number."""
    if rules is None:
        return []
    if isinstance(rules, Mapping) or not isinstance(rules, Iterable):
        raise ValidationError({"rules": _("자격 기준은 목록으로 주세요.")})
    cleaned: list[dict[str, Any]] = []
    errors: list[str] = []
    kinds = dict(EligibilityRule.Kind.choices)
    for number, rule in enumerate(rules, start=1):
        if not isinstance(rule, Mapping):
            errors.append(_("%(n)d번째 자격 기준의 형식이 알맞지 않습니다.") % {"n": number})
            continue
        kind = rule.get("kind")
        params = rule.get("params") or {}
        text = clean_text(rule.get("text") or "")
        if kind not in kinds:
            errors.append(
                _("%(n)d번째 자격 기준: 알 수 없는 종류 '%(kind)s'입니다.")
                % {"n": number, "kind": str(kind)[:30]}
            )
            continue
        if not isinstance(params, Mapping):
            errors.append(
                _("%(n)d번째 자격 기준(%(kind)s): 기준값은 사전(JSON 객체)이어야 합니다.")
                % {"n": number, "kind": kinds[kind]}
            )
            continue
        if len(text) > EligibilityRule._meta.get_field("text").max_length:
            errors.append(
                _("%(n)d번째 자격 기준: 설명은 200자까지 쓸 수 있습니다.") % {"n": number}
            )
            continue
        try:
            params = rule_validate(kind, dict(params))
        except ValidationError as exc:
            errors.append(
                _("%(n)d번째 자격 기준(%(kind)s): %(message)s")
                % {"n": number, "kind": kinds[kind], "message": " ".join(exc.messages)}
            )
            continue
        cleaned.append({"kind": kind, "params": dict(params), "text": text})
    if errors:
        raise ValidationError({"rules": errors})
    return cleaned


def _validated(service: Service) -> Service:
    errors: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        setattr(service, name, clean_text(getattr(service, name)))
    for name, message in _required_messages().items():
        if not getattr(service, name):
            errors.setdefault(name, []).append(message)
    for name in URL_FIELDS:
        value = getattr(service, name)
        if value and urlsplit(value).scheme not in ("http", "https"):
            label = Service._meta.get_field(name).verbose_name
            errors.setdefault(name, []).append(
                _("%(field)s는 http:// 또는 https://로 시작하는 주소여야 합니다.")
                % {"field": label}
            )
    if service.department_id and service.department.organization_id != service.organization_id:
        errors.setdefault("department", []).append(_("담당 부서는 운영 기관의 부서여야 합니다."))
    try:
        service.full_clean(exclude=list(errors), validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if not errors and service.source_id:
        clash = Service.objects.filter(source=service.source, source_id=service.source_id)
        if service.pk:
            clash = clash.exclude(pk=service.pk)
        if clash.exists():
            errors["source_id"] = [_("이 출처에 같은 출처 번호가 이미 있습니다.")]
    if errors:
        raise ValidationError(errors)
    return service


def _require(actor: User | None, organization_id: int | None) -> None:
    if not permissions.can_edit_service(actor, organization_id):
        raise PermissionDenied(_("이 서비스를 관리할 권한이 없습니다."))


# --- the record of a service (audit) -----------------------------------------------------------


def _rules_of(service: Service) -> list[dict[str, Any]]:
    return [
        {"kind": rule.kind, "params": rule.params, "text": rule.text}
        for rule in service.rules.order_by("order", "pk")
    ]


def _record(service: Service, rules: list[dict[str, Any]] | None) -> dict[str, Any]:
    """What the audit log keeps of a service (no personal data: a public catalogue entry)."""
    data = snapshot(service, SERVICE_FIELDS)
    for name in FACETS:
        data[name] = facet_values(service, name)
    if rules is not None:
        data["rules"] = rules
    return data


def _write_rules(service: Service, rules: list[dict[str, Any]]) -> None:
    service.rules.all().delete()
    EligibilityRule.objects.bulk_create(
        EligibilityRule(
            service=service, kind=rule["kind"], params=rule["params"], text=rule["text"], order=i
        )
        for i, rule in enumerate(rules)
    )


def _changed(service: Service) -> None:
    from sotong.guide.catalogue import notify_fit

    notify_fit.service_changed(service=service)


def _split(changes: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, int], Any]:
    unknown = set(changes) - {*SERVICE_FIELDS, *FACETS, "rules"}
    if unknown:
        raise ValueError(f"not a service field: {', '.join(sorted(unknown))}")
    plain = {name: value for name, value in changes.items() if name in SERVICE_FIELDS}
    masks: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    for name in FACETS:
        if name in changes:
            try:
                masks[name] = facet_mask(name, changes[name])
            except ValidationError as exc:
                errors.update(exc.message_dict)
    rules = changes.get("rules")
    if rules is not None:
        try:
            rules = clean_rules(rules)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return plain, masks, rules


# --- create, update, publish, review -------------------------------------------------------------


@transaction.atomic
def service_create(
    *,
    actor: User | None,
    organization,
    name: str,
    summary: str,
    field: str,
    provider_name: str,
    provider_kind: str,
    department=None,
    target: str = "",
    criteria: str = "",
    benefit: str = "",
    application_period: str = "",
    apply_online_url: str = "",
    apply_visit: str = "",
    apply_phone: str = "",
    documents: str = "",
    receiving_office: str = "",
    contact: str = "",
    source_url: str = "",
    last_checked: datetime.date | None = None,
    review_due: datetime.date | None = None,
    life_stages: Iterable[str] = (),
    target_groups: Iterable[str] = (),
    values: Iterable[str] = (),
    situations: Iterable[str] = (),
    interests: Iterable[str] = (),
    published: bool = True,
    source: str = "local",
    source_id: str = "",
    rules: list[dict[str, Any]] | None = None,
) -> Service:
    """A new service; `rules` its structured eligibility criteria."""
    _require(actor, organization.pk if organization is not None else None)
    arguments = dict(locals())
    arguments.pop("actor")
    plain, masks, cleaned_rules = _split(arguments)
    service = Service(**plain, **masks)
    _validated(service)
    try:
        with transaction.atomic():
            service.save()
    except IntegrityError:
        raise ValidationError(
            {"source_id": [_("이 출처에 같은 출처 번호가 이미 있습니다.")]}
        ) from None
    cleaned_rules = cleaned_rules or []
    _write_rules(service, cleaned_rules)
    audit_record(
        actor=actor,
        action="services.service.create",
        obj=service,
        after=_record(service, cleaned_rules),
    )
    _changed(service)
    return service


@transaction.atomic
def service_update(*, actor: User | None, service: Service, **changes: Any) -> Service:
    """Changes the given fields (the keywords of `service_create`); `rules=` replaces all rules.
    Nothing is written, audited or announced when nothing changes."""
    plain, masks, new_rules = _split(changes)
    service = Service.objects.select_for_update().get(pk=service.pk)
    _require(actor, service.organization_id)
    old_rules = _rules_of(service)
    before = _record(service, old_rules)
    # Not `audited_update`: the one event also holds the rules, what changed is judged on the
    # cleaned record (`_validated` normalises), and a clash of source numbers is its own message.
    changes_apply(service, {**plain, **masks})
    _validated(service)
    # Moving a service to another organisation needs the right on both.
    _require(actor, service.organization_id)
    rules_changed = new_rules is not None and new_rules != old_rules
    old, new = diff(before, _record(service, new_rules if new_rules is not None else old_rules))
    if not new and not old:
        return service
    try:
        with transaction.atomic():
            service.save()
    except IntegrityError:
        raise ValidationError(
            {"source_id": [_("이 출처에 같은 출처 번호가 이미 있습니다.")]}
        ) from None
    if rules_changed:
        _write_rules(service, new_rules)
    audit_record(actor=actor, action="services.service.update", obj=service, before=old, after=new)
    _changed(service)
    return service


@transaction.atomic
def service_set_published(*, actor: User | None, service: Service, published: bool) -> Service:
    service = Service.objects.select_for_update().get(pk=service.pk)
    _require(actor, service.organization_id)
    published = bool(published)
    if service.published == published:
        return service
    service.published = published
    service.save(update_fields=["published", "updated_at"])
    audit_record(
        actor=actor,
        action="services.service.publish",
        obj=service,
        before={"published": not published},
        after={"published": published},
    )
    if published:
        _changed(service)
    return service


@transaction.atomic
def service_review(
    *, actor: User | None, service: Service, review_due: datetime.date | None, note: str = ""
) -> Service:
    """Staff checked the service today: `last_checked` becomes today, `review_due` the next
    review date (today or later). `note` goes into the audit event's reason."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    _require(actor, service.organization_id)
    today = timezone.localdate()
    if isinstance(review_due, str):
        try:
            review_due = datetime.date.fromisoformat(review_due)
        except ValueError:
            raise ValidationError(
                {"review_due": _("다음 검토일은 YYYY-MM-DD 형식의 날짜로 입력하세요.")}
            ) from None
    if review_due is None:
        raise ValidationError({"review_due": _("다음 검토일을 입력하세요.")})
    if review_due < today:
        raise ValidationError({"review_due": _("다음 검토일은 오늘이나 그 뒤여야 합니다.")})
    note = clean_text(note)[:500]
    before = {"last_checked": service.last_checked, "review_due": service.review_due}
    service.last_checked = today
    service.review_due = review_due
    service.save(update_fields=["last_checked", "review_due", "updated_at"])
    audit_record(
        actor=actor,
        action="services.service.review",
        obj=service,
        before=before,
        after={"last_checked": today, "review_due": review_due},
        reason=note,
    )
    return service


# --- a resident's saved and recently viewed services --------------------------------------------


def _require_resident(actor: User | None) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("로그인한 사람만 서비스를 저장할 수 있습니다."))


def _require_visible(actor: User, service: Service) -> None:
    if not service.published and not permissions.can_edit_service(actor, service.organization_id):
        raise PermissionDenied(_("공개되지 않은 서비스입니다."))


def service_is_saved(*, user: User | None, service: Service) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return SavedService.objects.filter(user=user, service=service).exists()


@transaction.atomic
def service_save(*, actor: User | None, service: Service) -> SavedService:
    """Adds `service` to the actor's saved services (관심 서비스); saving twice keeps one.
    Not audited: which services a resident cares about is their own business (it is stored for
    them alone), and it changes nothing anyone else relies on."""
    _require_resident(actor)
    _require_visible(actor, service)
    saved, _created = SavedService.objects.get_or_create(user=actor, service=service)
    return saved


@transaction.atomic
def service_unsave(*, actor: User | None, service: Service) -> bool:
    """Removes `service` from the saved ones; True when it was saved."""
    _require_resident(actor)
    deleted, _rows = SavedService.objects.filter(user=actor, service=service).delete()
    return bool(deleted)


def service_view_record(*, user: User | None, service: Service) -> None:
    """Remembers that `user` viewed `service` now: the newest view per service, at most
    VIEWS_KEPT services per user (older ones are forgotten). Nothing for visitors."""
    if user is None or not getattr(user, "is_authenticated", False):
        return
    now = timezone.now()
    with transaction.atomic():
        updated = ServiceView.objects.filter(user=user, service=service).update(viewed_at=now)
        if not updated:
            try:
                with transaction.atomic():
                    ServiceView.objects.create(user=user, service=service, viewed_at=now)
            except IntegrityError:  # a parallel request recorded it first
                ServiceView.objects.filter(user=user, service=service).update(viewed_at=now)
            old = list(
                ServiceView.objects.filter(user=user)
                .order_by("-viewed_at", "-pk")
                .values_list("pk", flat=True)[VIEWS_KEPT:]
            )
            if old:
                ServiceView.objects.filter(pk__in=old).delete()


# --- parameters (the admin) ---------------------------------------------------------------------

PARAMETER_FIELDS = ("code", "key", "valid_from", "valid_until", "amount", "label", "source")


@transaction.atomic
def parameter_save(*, actor: User | None, parameter: Parameter) -> Parameter:
    """Creates or changes a dated parameter (기준중위소득 …): superusers and the system only."""
    if actor is not None and not (
        getattr(actor, "is_active", False) and getattr(actor, "is_superuser", False)
    ):
        raise PermissionDenied(_("기준값은 최고 관리자만 바꿀 수 있습니다."))
    parameter.full_clean()
    if parameter.valid_until and parameter.valid_until < parameter.valid_from:
        raise ValidationError({"valid_until": _("적용 종료일은 적용 시작일 뒤여야 합니다.")})
    before = {}
    if parameter.pk:
        before = snapshot(Parameter.objects.get(pk=parameter.pk), PARAMETER_FIELDS)
    parameter.save()
    old, new = diff(before, snapshot(parameter, PARAMETER_FIELDS))
    if new or old:
        audit_record(
            actor=actor,
            action="services.parameter.update" if before else "services.parameter.create",
            obj=parameter,
            before=old or None,
            after=new,
        )
    return parameter
