"""The demo's service guide (`data/services.json`, `data/services_seoul120.json`): the dated
parameters rules refer to (기준중위소득 and 기초연금 선정기준액 for 2024–2026), the services the
seeds name and other national, Seoul and district services with their public criteria and
structured eligibility rules, the welfare services of the Seoul 120 knowledge base, and a few
helpers (민원도우미) of Seodaemun with requests in every state.

Services are written only through `sotong.guide.catalogue.services` with `actor=None` (the
system); helpers and requests through `sotong.helpdesk.services`. Idempotent: a service is
found by (source, source_id) and brought up to date with `service_update`, which writes and
audits nothing when nothing differs; parameters by (code, key, valid_from); helpers by staff; help
requests by (resident, message). A second load changes nothing."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from sotong.core.audit import audit_record
from sotong.guide.models import Parameter, Service
from sotong.helpdesk.models import Helper, HelpRequest
from sotong.org.models import Department, Organization, Staff

SERVICES_FILE = "services.json"
SEOUL120_FILE = "services_seoul120.json"
HELP_COORDINATOR_GROUP = "민원도우미 관리"
# Staff who keep their organisation's catalogue (admin, review list, import/export).
CATALOGUE_GROUP = "서비스 안내 관리"
CATALOGUE_PERMISSIONS = (
    "view_service",
    "add_service",
    "change_service",
    "view_eligibilityrule",
    "add_eligibilityrule",
    "change_eligibilityrule",
    "delete_eligibilityrule",
    "view_parameter",
    "view_faqentry",
    "change_faqentry",
)
CATALOGUE_MANAGERS = ("seodaemun.teamlead2@demo.sotong.kr", "junggu.officer3@demo.sotong.kr")
# Keys of a service entry that are not keywords of service_create.
META_KEYS = frozenset({"organization", "department", "source_comment", "sources"})
DATE_KEYS = ("last_checked", "review_due")


class DemoServicesError(Exception):
    """The data files contradict the organisations (a missing department or account)."""


@dataclass
class ServicesResult:
    parameters: int = 0
    services_created: int = 0
    services_updated: int = 0
    helpers: int = 0
    help_requests: int = 0
    skipped: list[str] = field(default_factory=list)


def read(name: str) -> dict[str, Any]:
    return json.loads(resources.files("sotong.demo").joinpath("data", name).read_text("utf-8"))


# --- parameters -------------------------------------------------------------------------------


def parameter_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The Parameter rows of the data file: one per (code, key, year), valid from 1 January."""
    rows = []
    for spec in data["parameters"]:
        key_labels = spec.get("key_labels", {})
        for year, values in spec["values"].items():
            for key, amount in values.items():
                suffix = key_labels.get(key) or (f"{key}인 가구" if key.isdigit() else key)
                rows.append(
                    {
                        "code": spec["code"],
                        "key": key,
                        "valid_from": datetime.date(int(year), 1, 1),
                        "valid_until": None,
                        "amount": int(amount),
                        "label": f"{year}년 {spec['label']} {suffix}"[:200],
                        "source": spec["sources"][year][:300],
                    }
                )
    return rows


def load_parameters(data: dict[str, Any]) -> int:
    """Creates missing parameters and corrects different ones; one audit event with the counts
    when anything changed. Returns the number of rows written."""
    created = updated = 0
    for row in parameter_rows(data):
        natural = {k: row[k] for k in ("code", "key", "valid_from")}
        values = {k: v for k, v in row.items() if k not in natural}
        existing = Parameter.objects.filter(**natural).first()
        if existing is None:
            Parameter.objects.create(**natural, **values)
            created += 1
        elif any(getattr(existing, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(existing, k, v)
            existing.save()
            updated += 1
    if created or updated:
        codes = sorted({spec["code"] for spec in data["parameters"]})
        audit_record(
            actor=None,
            action="services.parameter.load",
            after={"created": created, "updated": updated, "codes": codes},
        )
    return created + updated


# --- services ---------------------------------------------------------------------------------


def service_arguments(
    entry: dict[str, Any], defaults: dict[str, Any], organizations: dict[str, Organization]
) -> dict[str, Any]:
    """The keywords of `service_create` for one data entry (organisation and department
    resolved, dates parsed, defaults filled in)."""
    arguments = {**defaults, **{k: v for k, v in entry.items() if k not in META_KEYS}}
    for key in DATE_KEYS:
        if isinstance(arguments.get(key), str):
            arguments[key] = datetime.date.fromisoformat(arguments[key])
    code = entry.get("organization")
    organization = None
    if code:
        if code not in organizations:
            raise DemoServicesError(f"{entry['source_id']}: no organisation {code!r}")
        organization = organizations[code]
    department = None
    if entry.get("department"):
        if organization is None:
            raise DemoServicesError(f"{entry['source_id']}: a department needs an organisation")
        department = Department.objects.filter(
            organization=organization, name=entry["department"]
        ).first()
        if department is None:
            raise DemoServicesError(
                f"{entry['source_id']}: no department {entry['department']!r} in {code}"
            )
    arguments["organization"] = organization
    arguments["department"] = department
    arguments.setdefault("rules", [])
    return arguments


def load_catalogue(
    data: dict[str, Any], organizations: dict[str, Organization], result: ServicesResult
) -> dict[str, Service]:
    """Creates or updates every service of a data file; returns them by source_id."""
    from sotong.guide.catalogue import services as services_catalogue

    defaults = data.get("defaults", {})
    services: dict[str, Service] = {}
    for entry in data["services"]:
        arguments = service_arguments(entry, defaults, organizations)
        existing = Service.objects.filter(
            source=arguments["source"], source_id=arguments["source_id"]
        ).first()
        if existing is None:
            service = services_catalogue.service_create(actor=None, **arguments)
            result.services_created += 1
        else:
            stamp = existing.updated_at
            service = services_catalogue.service_update(actor=None, service=existing, **arguments)
            service.refresh_from_db(fields=["updated_at"])
            if service.updated_at != stamp:
                result.services_updated += 1
        services[entry["source_id"]] = service
    return services


# --- helpers (민원도우미) -----------------------------------------------------------------------


def _staff(email: str) -> Staff:
    staff = Staff.objects.filter(user__email__iexact=email).select_related("user").first()
    if staff is None:
        raise DemoServicesError(f"no demo staff {email}")
    return staff


def _coordinator_group() -> Group:
    group, _created = Group.objects.get_or_create(name=HELP_COORDINATOR_GROUP)
    permission = Permission.objects.get(
        content_type__app_label="helpdesk", codename="coordinate_help"
    )
    if not group.permissions.filter(pk=permission.pk).exists():
        group.permissions.add(permission)
    return group


def load_helpers(
    spec: dict[str, Any], services: dict[str, Service], result: ServicesResult
) -> None:
    """Helpers from the demo staff, a coordinator, and help requests taken through the real
    services to each state (requested, assigned, in progress, done with a survey, cancelled)."""
    from sotong.accounts.models import User
    from sotong.helpdesk import services as services_help

    helpers: dict[str, Helper] = {}
    for row in spec["staff"]:
        staff = _staff(row["email"])
        helper = Helper.objects.filter(staff=staff).first()
        if helper is None:
            helper = services_help.helper_create(
                actor=None,
                staff=staff,
                capacity=row["capacity"],
                introduction=row["introduction"],
            )
            result.helpers += 1
        helpers[row["email"]] = helper

    coordinator = _staff(spec["coordinator"]).user
    group = _coordinator_group()
    if not coordinator.groups.filter(pk=group.pk).exists():
        coordinator.groups.add(group)
    coordinator = User.objects.get(pk=coordinator.pk)  # drop the cached permissions

    for row in spec["requests"]:
        resident = User.objects.filter(email__iexact=row["resident"]).first()
        if resident is None:
            raise DemoServicesError(f"no demo resident {row['resident']}")
        if HelpRequest.objects.filter(user=resident, message=row["message"]).exists():
            continue
        service = services[row["service"]]
        request = services_help.help_request_create(
            actor=resident,
            organization=_staff(spec["coordinator"]).organization,
            message=row["message"],
            contact_method=row["contact_method"],
            contact_phone=row.get("contact_phone", ""),
            service=service,
        )
        result.help_requests += 1
        if row["state"] == HelpRequest.Status.REQUESTED:
            continue
        if row["state"] == HelpRequest.Status.CANCELLED:
            services_help.help_request_cancel(
                actor=resident, request=request, reason=row.get("reason", "")
            )
            continue
        helper = helpers[row["helper"]]
        request = services_help.help_assign(actor=coordinator, request=request, helper=helper)
        if row["state"] == HelpRequest.Status.ASSIGNED:
            continue
        helper_user = helper.staff.user
        services_help.help_contact_add(
            actor=helper_user,
            request=request,
            at=request.created_at,
            channel=row["contact_method"],
            note=row["contact_note"],
        )
        if row["state"] == HelpRequest.Status.IN_PROGRESS:
            continue
        services_help.help_complete(
            actor=helper_user, request=request, outcome=row["outcome"], result=row["result"]
        )
        if row.get("survey"):
            services_help.help_survey_submit(actor=resident, request=request, **row["survey"])


# --- all of it --------------------------------------------------------------------------------


@transaction.atomic
def load_services(organizations: dict[str, Organization]) -> ServicesResult:
    """Loads (or brings up to date) the demo's parameters, services and helpers."""
    result = ServicesResult()
    data = read(SERVICES_FILE)
    result.parameters = load_parameters(data)
    services = load_catalogue(data, organizations, result)
    seoul120 = resources.files("sotong.demo").joinpath("data", SEOUL120_FILE)
    if seoul120.is_file():
        load_catalogue(read(SEOUL120_FILE), organizations, result)
    load_helpers(data["helpers"], services, result)
    load_catalogue_managers()
    return result


def load_catalogue_managers() -> None:
    """Seodaemun's 희망복지팀장 and Jung-gu's 복지지원과 officer keep their organisation's services:
    the admin (so `is_staff`), the review list and the import/export pages."""
    group, _created = Group.objects.get_or_create(name=CATALOGUE_GROUP)
    wanted = set(
        Permission.objects.filter(
            content_type__app_label="services", codename__in=CATALOGUE_PERMISSIONS
        )
    )
    if set(group.permissions.all()) != wanted:
        group.permissions.set(wanted)
    for email in CATALOGUE_MANAGERS:
        user = _staff(email).user
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        user.groups.add(group)
