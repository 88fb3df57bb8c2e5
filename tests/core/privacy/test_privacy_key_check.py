"""A process holding the wrong keys refuses to start (issue 11: restored without
SOTONG_FIELD_LOOKUP_KEY, everything looked fine while every subscriber lookup hash was dead)."""

import io
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from sotong.core.privacy import checks
from sotong.core.privacy.models import KeyCheck


@pytest.fixture
def recorded(db):
    """The KeyCheck row, written with the keys of this test run (as `migrate` writes it)."""
    KeyCheck.objects.all().delete()
    assert checks.key_check_record()
    return KeyCheck.objects.get()


def test_keys_that_wrote_the_database_pass(recorded):
    assert checks.key_errors() == []
    checks.ensure_keys_match()


def test_a_recorded_row_is_never_replaced(recorded, settings):
    settings.FIELD_LOOKUP_KEY = "another-key"
    assert not checks.key_check_record()
    assert KeyCheck.objects.get().lookup_fingerprint == recorded.lookup_fingerprint


def test_another_lookup_key_is_an_error_naming_the_variable(recorded, settings):
    settings.FIELD_LOOKUP_KEY = "a-key-from-somewhere-else"

    errors = checks.key_errors()

    assert [error.id for error in errors] == ["privacy.E101"]
    assert "SOTONG_FIELD_LOOKUP_KEY" in errors[0].msg
    assert "SOTONG_FIELD_LOOKUP_KEY" in errors[0].hint
    with pytest.raises(ImproperlyConfigured, match="SOTONG_FIELD_LOOKUP_KEY"):
        checks.ensure_keys_match()


def test_encryption_keys_without_the_data_key_are_an_error(recorded, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    errors = checks.key_errors()

    assert [error.id for error in errors] == ["privacy.E102"]
    assert "SOTONG_FIELD_ENCRYPTION_KEYS" in errors[0].msg


def test_system_check_stops_runserver_and_workers(recorded, settings):
    settings.FIELD_LOOKUP_KEY = "a-key-from-somewhere-else"
    with pytest.raises(SystemCheckError, match=r"privacy\.E101"):
        call_command("check")


def test_rotation_re_encrypts_the_canary_so_the_old_key_can_go(recorded, settings):
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, *old]
    call_command("privacy_rotate_keys", stdout=io.StringIO())

    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert checks.key_errors() == []


def test_an_unmigrated_database_is_not_judged(db, monkeypatch):
    from django.db import DatabaseError

    def missing(using):
        raise DatabaseError("no such table: privacy_keycheck")

    monkeypatch.setattr(checks, "_stored_row", missing)
    assert checks.key_errors() == []


@pytest.mark.django_db(transaction=True)
def test_the_wsgi_application_refuses_to_load_with_another_lookup_key(tmp_path):
    """gunicorn runs no system checks: loading sotong.wsgi (in gunicorn's master) must fail."""
    from sotong.core.tasks.testing import PROJECT_DIR, shared_test_database

    KeyCheck.objects.all().delete()
    checks.key_check_record()
    with shared_test_database(tmp_path) as url:
        env = {"DATABASE_URL": url, "SOTONG_ENV": "test", "PYTHONPATH": str(PROJECT_DIR / "src")}
        load = [sys.executable, "-c", "import sotong.wsgi"]
        good = subprocess.run(load, env={**os.environ, **env}, capture_output=True, text=True)
        bad = subprocess.run(
            load,
            env={**os.environ, **env, "SOTONG_FIELD_LOOKUP_KEY": "a-key-from-somewhere-else"},
            capture_output=True,
            text=True,
        )
    assert good.returncode == 0, good.stderr
    assert bad.returncode != 0
    assert "ImproperlyConfigured" in bad.stderr
    assert "SOTONG_FIELD_LOOKUP_KEY" in bad.stderr
