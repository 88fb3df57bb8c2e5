"""Every change to accounts and resident profiles. Each function is one use case: keyword-only,
checked, atomic and audited. Audit events name the fields that changed, never their values:
the audit log is append-only, so personal data written there could never be erased."""

from __future__ import annotations

import uuid

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sotong.core.audit import audit_record
from sotong.org.models import Dong, Organization

from .models import AccountDeletion, ResidentProfile, User
from .permissions import can_delete_account, can_edit_profile

# Where the e-mail of a deleted account points: `.invalid` is reserved (RFC 2606) and can never
# be delivered to, so no mail for the former owner can reach anyone.
DELETED_EMAIL_DOMAIN = "deleted.invalid"


def _check_language(language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("지원하지 않는 언어입니다.")})


@transaction.atomic
def resident_profile_update(
    *,
    actor: User,
    user: User,
    name: str,
    phone: str,
    address: str,
    organization: Organization | None,
    dong: Dong | None,
    language: str,
) -> ResidentProfile:
    """Creates the profile on first save. Values arrive cleaned by `forms.ResidentProfileForm`;
    the rules that keep a row consistent are checked again here."""
    if not can_edit_profile(actor, user):
        raise PermissionDenied
    _check_language(language)
    profile, created = ResidentProfile.objects.select_for_update().get_or_create(user=user)
    values = {
        "name": name,
        "phone": phone,
        "address": address,
        "organization": organization,
        "dong": dong,
        "language": language,
    }
    changed = sorted(f for f, v in values.items() if getattr(profile, f) != v)
    for field, value in values.items():
        setattr(profile, field, value)
    profile.clean()
    if not changed and not created:
        return profile
    profile.save()
    audit_record(
        actor=actor,
        action="accounts.profile_created" if created else "accounts.profile_updated",
        obj=profile,
        organization=organization,
        after={"changed_fields": changed},
    )
    return profile


@transaction.atomic
def resident_language_set(*, actor: User, user: User, language: str) -> ResidentProfile:
    """Keeps the language a resident chose (the language switch) for their next logins."""
    if not can_edit_profile(actor, user):
        raise PermissionDenied
    _check_language(language)
    profile, created = ResidentProfile.objects.select_for_update().get_or_create(
        user=user, defaults={"language": language}
    )
    if not created and profile.language == language:
        return profile
    before = None if created else {"language": profile.language}
    profile.language = language
    profile.save(update_fields=["language", "updated_at"])
    audit_record(
        actor=actor,
        action="accounts.language_set",
        obj=profile,
        before=before,
        after={"language": language},
    )
    return profile


@transaction.atomic
def account_delete(*, actor: User, user: User, reason: str) -> AccountDeletion:
    """Closes an account the way the law allows (see README.md): records that other laws keep
    (petitions and their answers …) still point at the user row, so the row stays, deactivated
    and stripped of everything that identifies its owner."""
    if not can_delete_account(actor, user):
        raise PermissionDenied
    if reason not in AccountDeletion.Reason.values:
        raise ValidationError({"reason": _("탈퇴 사유를 고르세요.")})
    user = User.objects.select_for_update().get(pk=user.pk)
    if AccountDeletion.objects.filter(user=user).exists():
        raise ValidationError(_("이미 탈퇴한 계정입니다."))

    erased = ["email", "display_name", "password"]
    profile = ResidentProfile.objects.filter(user=user).first()
    if profile is not None:
        for field in ResidentProfile.PERSONAL_FIELDS:
            setattr(profile, field, None if field == "dong" else "")
        profile.save(update_fields=[*ResidentProfile.PERSONAL_FIELDS, "updated_at"])
        erased += [f"profile.{f}" for f in ResidentProfile.PERSONAL_FIELDS]
    if SocialAccount.objects.filter(user=user).delete()[0]:
        erased.append("social_accounts")
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()

    user.email = f"deleted-{uuid.uuid4().hex}@{DELETED_EMAIL_DOMAIN}"
    user.display_name = ""
    user.is_active = False
    # A new (unusable) password hash also changes the session hash, so every session the owner
    # still has on other devices is refused on its next request.
    user.set_unusable_password()
    user.save(update_fields=["email", "display_name", "is_active", "password"])

    deletion = AccountDeletion.objects.create(user=user, reason=reason)
    audit_record(
        actor=actor,
        action="accounts.account_deleted",
        obj=deletion,
        after={"erased_fields": erased},
        reason=reason,
    )
    return deletion


# allauth.mfa keeps its secrets in a JSON column, encrypted by our MFA adapter with the field keys
# (adapters.MFAAdapter); these are the keys of that JSON that hold ciphertext.
MFA_ENCRYPTED_KEYS = {Authenticator.Type.TOTP: "secret", Authenticator.Type.RECOVERY_CODES: "seed"}


def mfa_secrets_rotate(*, batch_size: int = 500, dry_run: bool = False):
    """Re-encrypts TOTP secrets and recovery-code seeds under the newest field key. Registered
    with `sotong.core.privacy` (apps.py), so `manage.py privacy_rotate_keys` covers them; that
    command audits the run. Batches of rows, each its own transaction with the rows locked."""
    from sotong.core.privacy import crypto
    from sotong.core.privacy.services import RotationCount

    rows = Authenticator.objects.filter(type__in=list(MFA_ENCRYPTED_KEYS))
    count = RotationCount(label="mfa.Authenticator", rows=rows.count())
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                (rows if dry_run else rows.select_for_update())
                .filter(pk__gt=last_pk)
                .order_by("pk")[:batch_size]
            )
            for authenticator in batch:
                key = MFA_ENCRYPTED_KEYS[authenticator.type]
                token = authenticator.data.get(key, "")
                if not token:
                    continue
                if crypto.is_current(token):
                    count.current += 1
                    continue
                try:
                    rotated = crypto.rotate(token)
                except crypto.DecryptionError:
                    count.failed.append(f"mfa.Authenticator #{authenticator.pk} {key}")
                    continue
                count.rotated += 1
                if not dry_run:
                    authenticator.data = {**authenticator.data, key: rotated}
                    authenticator.save(update_fields=["data"])
        if not batch:
            return count
        last_pk = batch[-1].pk
