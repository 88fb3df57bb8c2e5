"""Field encryption and key rotation, through the database the suite runs on."""

import pytest
from cryptography.fernet import Fernet
from django import forms
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.test.utils import isolate_apps

from sotong.core.privacy import crypto
from sotong.core.privacy.fields import EncryptedCharField, EncryptedTextField, encrypted_fields
from sotong.core.privacy.services import (
    RotationCount,
    encryption_keys_rotate,
    register_rotator,
)

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    return settings


def raw_column(model, pk, column):
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()[0]


# --- crypto -------------------------------------------------------------------------------------


def test_encrypt_decrypt_round_trip(old_key):
    token = crypto.encrypt("홍길동 010-1234-5678")
    assert "010" not in token
    assert crypto.decrypt(token) == "홍길동 010-1234-5678"
    assert crypto.encrypt("same") != crypto.encrypt("same")  # random IV: equal values differ


def test_old_key_still_decrypts_after_a_new_key_is_put_in_front(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    token = crypto.encrypt("secret")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert crypto.decrypt(token) == "secret"
    assert not crypto.is_current(token)
    rotated = crypto.rotate(token)
    assert crypto.is_current(rotated)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert crypto.decrypt(rotated) == "secret"


def test_a_dropped_key_fails_loudly(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    token = crypto.encrypt("secret")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(crypto.DecryptionError, match="FIELD_ENCRYPTION_KEYS"):
        crypto.decrypt(token)
    with pytest.raises(crypto.DecryptionError):
        crypto.rotate(token)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("not a token at all: 한글")


@pytest.mark.parametrize("keys", [[], ["short"], ["not base64!" * 4]])
def test_bad_keys_are_a_configuration_error(settings, keys):
    settings.FIELD_ENCRYPTION_KEYS = keys
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


# --- fields -------------------------------------------------------------------------------------


def test_field_round_trip_through_the_database(secret_note_model, old_key):
    note = secret_note_model.objects.create(
        title="t", body="주민번호 900101-1234567", phone="010-1234-5678"
    )
    fresh = secret_note_model.objects.get(pk=note.pk)
    assert fresh.body == "주민번호 900101-1234567"
    assert fresh.phone == "010-1234-5678"
    assert (
        secret_note_model.objects.values_list("phone", flat=True).get(pk=note.pk) == "010-1234-5678"
    )


def test_value_is_not_readable_in_the_raw_column(secret_note_model, old_key):
    note = secret_note_model.objects.create(body="900101-1234567", phone="010-1234-5678")
    raw_phone = raw_column(secret_note_model, note.pk, "phone")
    raw_body = raw_column(secret_note_model, note.pk, "body")
    for raw, plain in ((raw_phone, "010-1234-5678"), (raw_body, "900101-1234567")):
        assert plain not in raw
        assert "5678" not in raw
        assert Fernet(OLD_KEY.encode()).decrypt(raw.encode()).decode() == plain


def test_empty_and_null_values_are_stored_as_they_are(secret_note_model, old_key):
    note = secret_note_model.objects.create(body=None, phone="")
    assert raw_column(secret_note_model, note.pk, "body") is None
    assert raw_column(secret_note_model, note.pk, "phone") == ""
    fresh = secret_note_model.objects.get(pk=note.pk)
    assert fresh.body is None
    assert fresh.phone == ""
    assert secret_note_model.objects.filter(body__isnull=True).count() == 1


def test_update_and_bulk_update_encrypt_too(secret_note_model, old_key):
    note = secret_note_model.objects.create(phone="010-1111-2222")
    secret_note_model.objects.filter(pk=note.pk).update(phone="010-3333-4444")
    assert "4444" not in raw_column(secret_note_model, note.pk, "phone")
    note.phone = "010-5555-6666"
    secret_note_model.objects.bulk_update([note], ["phone"])
    assert "6666" not in raw_column(secret_note_model, note.pk, "phone")
    assert secret_note_model.objects.get(pk=note.pk).phone == "010-5555-6666"


def test_filtering_on_an_encrypted_value_is_refused(secret_note_model, old_key):
    with pytest.raises(FieldError):
        secret_note_model.objects.filter(phone="010-1234-5678").count()
    with pytest.raises(FieldError):
        secret_note_model.objects.filter(phone__icontains="5678").count()


def test_row_written_under_an_old_key_is_read_after_a_new_key_is_added(secret_note_model, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    note = secret_note_model.objects.create(phone="010-1234-5678")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert secret_note_model.objects.get(pk=note.pk).phone == "010-1234-5678"


def test_char_field_is_a_one_line_input_limited_to_max_length():
    form_field = EncryptedCharField(max_length=20).formfield()
    assert form_field.max_length == 20
    assert isinstance(form_field.widget, forms.TextInput)
    assert isinstance(EncryptedTextField().formfield().widget, forms.Textarea)


@isolate_apps("sotong.core.privacy")
def test_unique_or_indexed_encrypted_fields_are_refused_by_a_system_check():
    class Bad(models.Model):
        unique_secret = EncryptedTextField(unique=True)
        indexed_secret = EncryptedCharField(db_index=True)
        plain_secret = EncryptedTextField()

        class Meta:
            app_label = "privacy"

        def __str__(self) -> str:
            return str(self.pk)

    def ids(name):
        return {error.id for error in Bad._meta.get_field(name).check()}

    assert "privacy.E001" in ids("unique_secret")
    assert "privacy.E001" in ids("indexed_secret")
    assert ids("plain_secret") == set()


def test_encrypted_fields_are_found_through_the_app_registry(secret_note_model):
    found = encrypted_fields()
    assert [f.name for f in found[secret_note_model]] == ["body", "phone"]
    for model, model_fields in found.items():
        assert not model._meta.proxy
        assert all(isinstance(f, EncryptedTextField) for f in model_fields)


# --- rotation -----------------------------------------------------------------------------------


def notes_under(secret_note_model, settings, key, count):
    from sotong.core.privacy.models import KeyCheck

    # Only the notes are encrypted in these tests' database: the key check value written at
    # migrate (under this run's key, privacy/checks.py) would count as one more value.
    KeyCheck.objects.all().delete()
    settings.FIELD_ENCRYPTION_KEYS = [key]
    return [
        secret_note_model.objects.create(title=f"n{i}", body=f"본문 {i}", phone=f"010-0000-{i:04d}")
        for i in range(count)
    ]


def count_for(report, model):
    return next(c for c in report.counts if c.label == model._meta.label)


def test_rotation_re_encrypts_every_value_under_the_newest_key(secret_note_model, settings):
    notes = notes_under(secret_note_model, settings, OLD_KEY, 7)
    secret_note_model.objects.create(body=None, phone="")  # nothing to rotate in this row
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    progress = []
    report = encryption_keys_rotate(batch_size=3, progress=lambda *a: progress.append(a))
    mine = count_for(report, secret_note_model)
    assert (mine.rows, mine.rotated, mine.current, mine.failed) == (8, 14, 0, [])
    label = secret_note_model._meta.label
    assert [p for p in progress if p[0] == label] == [(label, 3, 8), (label, 6, 8), (label, 8, 8)]
    # the old key can go now
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    for i, note in enumerate(notes):
        fresh = secret_note_model.objects.get(pk=note.pk)
        assert (fresh.body, fresh.phone, fresh.title) == (f"본문 {i}", f"010-0000-{i:04d}", f"n{i}")


def test_rotation_is_idempotent(secret_note_model, settings):
    notes_under(secret_note_model, settings, OLD_KEY, 3)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    encryption_keys_rotate()
    raw_before = raw_column(secret_note_model, secret_note_model.objects.first().pk, "phone")
    second = count_for(encryption_keys_rotate(), secret_note_model)
    assert (second.rotated, second.current) == (0, 6)
    # values already under the newest key are not rewritten
    assert (
        raw_column(secret_note_model, secret_note_model.objects.first().pk, "phone") == raw_before
    )


def test_rotation_reports_values_no_key_decrypts(secret_note_model, settings):
    [note] = notes_under(secret_note_model, settings, OTHER_KEY, 1)
    notes_under(secret_note_model, settings, OLD_KEY, 1)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    mine = count_for(encryption_keys_rotate(), secret_note_model)
    assert mine.rotated == 2
    label = secret_note_model._meta.label
    assert mine.failed == [f"{label} #{note.pk} body", f"{label} #{note.pk} phone"]


def test_rotation_is_audited(secret_note_model, settings):
    from sotong.core.audit.models import AuditEvent

    notes_under(secret_note_model, settings, OLD_KEY, 2)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    encryption_keys_rotate()
    event = AuditEvent.objects.get(action="privacy.keys_rotated")
    assert event.actor_id is None
    assert event.after["rotated"] >= 4
    assert "010" not in str(event.after)


def test_dry_run_changes_nothing(secret_note_model, settings):
    [note] = notes_under(secret_note_model, settings, OLD_KEY, 1)
    raw_before = raw_column(secret_note_model, note.pk, "phone")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    mine = count_for(encryption_keys_rotate(dry_run=True), secret_note_model)
    assert mine.rotated == 2
    assert raw_column(secret_note_model, note.pk, "phone") == raw_before


def test_registered_rotators_run_too(secret_note_model, settings, monkeypatch):
    from sotong.core.privacy import services

    calls = []

    def rotator(*, batch_size, dry_run):
        calls.append((batch_size, dry_run))
        return RotationCount(label="allauth totp", rows=1, rotated=1)

    monkeypatch.setattr(services, "_ROTATORS", {})
    register_rotator("allauth totp", rotator)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    report = encryption_keys_rotate(batch_size=10)
    assert calls == [(10, False)]
    assert count_for_label(report, "allauth totp").rotated == 1


def count_for_label(report, label):
    return next(c for c in report.counts if c.label == label)


def test_batch_size_must_be_positive():
    with pytest.raises(ValueError, match="batch_size"):
        encryption_keys_rotate(batch_size=0)


# --- the command --------------------------------------------------------------------------------


def test_command_rotates_and_reports_progress(secret_note_model, settings, capsys):
    notes_under(secret_note_model, settings, OLD_KEY, 4)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call_command("privacy_rotate_keys", "--batch-size", "2")
    out = capsys.readouterr().out
    label = secret_note_model._meta.label
    assert f"  {label}: 2/4행" in out
    assert f"{label}: 행 4개, 다시 암호화 8개, 이미 새 키 0개, 실패 0개" in out
    assert "키 교체가 끝났습니다" in out
    call_command("privacy_rotate_keys", "--check")
    assert f"{label}: 행 4개, 다시 암호화 0개, 이미 새 키 8개, 실패 0개" in capsys.readouterr().out


def test_command_check_fails_while_old_values_remain(secret_note_model, settings):
    notes_under(secret_note_model, settings, OLD_KEY, 1)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    with pytest.raises(CommandError, match="옛 키로 암호화된 값이 2개"):
        call_command("privacy_rotate_keys", "--check")


def test_command_fails_on_values_no_key_decrypts(secret_note_model, settings):
    [note] = notes_under(secret_note_model, settings, OTHER_KEY, 1)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    with pytest.raises(CommandError, match=f"#{note.pk} phone") as failure:
        call_command("privacy_rotate_keys")
    assert "010" not in str(failure.value)


def test_command_refuses_a_bad_batch_size():
    with pytest.raises(CommandError, match="--batch-size"):
        call_command("privacy_rotate_keys", "--batch-size", "0")
