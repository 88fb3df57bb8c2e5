"""Every state change of the privacy app: recording staff reads of personal data, and
re-encrypting stored values under the newest key."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils.translation import gettext as _

from sotong.core.types import Actor

from . import crypto
from .detect import mask_text
from .fields import encrypted_fields
from .models import PersonalDataAccess
from .permissions import may_read_personal_data

T = TypeVar("T")

MAX_FIELDS = 50
MAX_FIELD_NAME = 100


# --- the log of staff reads -------------------------------------------------------------------


@transaction.atomic
def personal_data_access_record(
    *,
    actor: Actor,
    subject,
    fields: Sequence[str],
    purpose: str,
    obj: models.Model | None = None,
    request: HttpRequest | None = None,
    subject_label: str = "",
) -> PersonalDataAccess | None:
    """Records that `actor` is being shown `fields` of `subject`'s personal data, for `purpose`.

    Call it in the view that shows the data, before the data leaves the server. A person reading
    their own data is not recorded (returns None). Anyone else must be active staff
    (PermissionDenied otherwise); whether this member of staff may see this resident's data is
    the calling app's rule, checked before. `obj` is the object through which the data is read
    (a petition), `request` gives the view name and the IP address."""
    if not may_read_personal_data(actor, subject):
        raise PermissionDenied(_("개인정보를 열람할 권한이 없습니다."))
    clean_fields = _clean_fields(fields)
    clean_purpose = _clean_purpose(purpose)
    if subject is None and not subject_label.strip():
        raise ValueError("a read of someone without an account needs a subject_label")
    if subject is not None and actor.pk == subject.pk:
        return None
    if obj is not None and obj.pk is None:
        raise ValueError("personal_data_access_record needs a saved object")
    record = PersonalDataAccess(
        actor=actor,
        subject=subject,
        subject_label=subject_label.strip()[:100],
        fields=clean_fields,
        purpose=clean_purpose,
        view_name=_view_name(request),
        ip_address=_ip_address(request),
    )
    if obj is not None:
        record.object_type = obj._meta.concrete_model._meta.label_lower
        record.object_id = str(obj.pk)[:64]
    record.save()
    return record


def reveal(
    *,
    actor: Actor,
    subject,
    purpose: str,
    values: T,
    fields: Sequence[str] | None = None,
    obj: models.Model | None = None,
    request: HttpRequest | None = None,
) -> T:
    """Records the read and hands back `values` unchanged: the one line an app needs where it
    shows a resident's personal data to staff, e.g.

        contact = reveal(actor=request.user, subject=petition.author, purpose="민원 회신",
                         values={"phone": profile.phone}, obj=petition, request=request)

    `fields` defaults to the keys of `values` when it is a mapping. Nothing is returned (the
    exception propagates) when the read may not be recorded."""
    if fields is None:
        if not isinstance(values, Mapping):
            raise ValueError("reveal needs `fields` unless `values` is a mapping of field names")
        fields = list(values)
    personal_data_access_record(
        actor=actor, subject=subject, fields=fields, purpose=purpose, obj=obj, request=request
    )
    return values


def _clean_fields(fields: Sequence[str]) -> list[str]:
    if isinstance(fields, str):
        fields = [fields]
    names: list[str] = []
    for name in fields:
        text = str(name).strip()
        if text and text not in names:
            names.append(text[:MAX_FIELD_NAME])
    if not names:
        raise ValidationError({"fields": _("열람한 개인정보 항목을 하나 이상 적어야 합니다.")})
    if len(names) > MAX_FIELDS:
        raise ValidationError({"fields": _("열람 항목이 너무 많습니다.")})
    return names


def _clean_purpose(purpose: str) -> str:
    # A purpose typed by staff may quote the very data it is about; the log keeps it masked.
    text = " ".join(mask_text(str(purpose or "")).split())
    if not text:
        raise ValidationError({"purpose": _("개인정보를 열람하는 목적을 적어야 합니다.")})
    if len(text) > 200:
        raise ValidationError({"purpose": _("열람 목적은 200자 이내로 적어 주세요.")})
    return text


def _view_name(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    match = getattr(request, "resolver_match", None)
    name = getattr(match, "view_name", None) or mask_text(request.path)
    return name[:200]


def _ip_address(request: HttpRequest | None) -> str | None:
    """REMOTE_ADDR only: behind a proxy, the deployment sets it from the trusted proxy header."""
    if request is None:
        return None
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


# --- key rotation -----------------------------------------------------------------------------


@dataclass
class RotationCount:
    """Values of one model (or one registered store) after a rotation run. `failed` names the
    rows and fields that no key decrypts, never their values."""

    label: str
    rows: int = 0
    rotated: int = 0
    current: int = 0
    failed: list[str] = field(default_factory=list)


@dataclass
class RotationReport:
    counts: list[RotationCount]
    dry_run: bool = False

    @property
    def rotated(self) -> int:
        return sum(count.rotated for count in self.counts)

    @property
    def current(self) -> int:
        return sum(count.current for count in self.counts)

    @property
    def failed(self) -> list[str]:
        return [failure for count in self.counts for failure in count.failed]


Progress = Callable[[str, int, int], None]
# Encrypted values that do not live in an EncryptedTextField (e.g. allauth's TOTP secrets, which
# accounts encrypts with crypto.encrypt): their app registers a function that rotates them.
Rotator = Callable[..., RotationCount]
_ROTATORS: dict[str, Rotator] = {}


def register_rotator(name: str, rotator: Rotator) -> None:
    """Adds values outside encrypted fields to `privacy_rotate_keys`. `rotator(batch_size=…,
    dry_run=…)` returns a RotationCount; list it in the app's manifest (core/manifest.py)."""
    _ROTATORS[name] = rotator


def encryption_keys_rotate(
    *,
    actor: Actor = None,
    batch_size: int = 500,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RotationReport:
    """Re-encrypts every value of every encrypted field under the newest key in
    settings.FIELD_ENCRYPTION_KEYS, and every value of the registered rotators.

    Idempotent: values the newest key already decrypts are left alone, so a second run changes
    nothing and an interrupted run can simply be started again. Each batch of rows is its own
    transaction (rows locked while they are rewritten), so a run over millions of rows neither
    holds one huge transaction nor loses a concurrent edit. With `dry_run`, only counts.
    Operator-only: it runs from the command line, `actor` is None for the system."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    tables = set(connection.introspection.table_names())
    counts = []
    for model, model_fields in encrypted_fields().items():
        if model._meta.db_table not in tables:
            continue
        counts.append(_rotate_model(model, model_fields, batch_size, dry_run, progress))
    for name, rotator in sorted(_ROTATORS.items()):
        counts.append(rotator(batch_size=batch_size, dry_run=dry_run))
        if progress:
            progress(name, counts[-1].rows, counts[-1].rows)
    report = RotationReport(counts=counts, dry_run=dry_run)
    if not dry_run:
        _audit_rotation(actor, report)
    return report


def _rotate_model(model, model_fields, batch_size, dry_run, progress) -> RotationCount:
    manager = model._base_manager
    label = model._meta.label
    count = RotationCount(label=label, rows=manager.count())
    # The ciphertext as stored: a Cast to plain text skips the field's decryption.
    raw = {
        f"_raw_{f.attname}": Cast(f.attname, output_field=models.TextField()) for f in model_fields
    }
    last_pk = None
    done = 0
    while True:
        with transaction.atomic():
            rows = manager.order_by("pk")
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            if not dry_run:
                rows = rows.select_for_update()
            batch = list(rows.annotate(**raw).values_list("pk", *raw)[:batch_size])
            for pk, *tokens in batch:
                updates = _rotate_row(count, f"{label} #{pk}", model_fields, tokens)
                if updates and not dry_run:
                    manager.filter(pk=pk).update(**updates)
        if not batch:
            break
        last_pk = batch[-1][0]
        done += len(batch)
        if progress:
            progress(label, done, count.rows)
    return count


def _rotate_row(count: RotationCount, where: str, model_fields, tokens) -> dict[str, Any]:
    """The fields of one row that need re-encrypting, as plain values (the field encrypts them
    again, with the newest key, when they are written)."""
    updates = {}
    for model_field, token in zip(model_fields, tokens, strict=True):
        if token is None or token == "":
            continue
        if crypto.is_current(token):
            count.current += 1
            continue
        try:
            updates[model_field.attname] = crypto.decrypt(token)
        except crypto.DecryptionError:
            count.failed.append(f"{where} {model_field.name}")
            continue
        count.rotated += 1
    return updates


def _audit_rotation(actor: Actor, report: RotationReport) -> None:
    from sotong.core.audit import audit_record

    audit_record(
        actor=actor,
        action="privacy.keys_rotated",
        after={
            "rotated": report.rotated,
            "current": report.current,
            "failed": len(report.failed),
            "models": [count.label for count in report.counts],
        },
        reason=_("암호화 키 교체에 따른 재암호화"),
    )
