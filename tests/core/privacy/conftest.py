"""A model with encrypted fields that exists only while the crypto tests run: the field and the
key rotation are tested on a table of their own, on whichever database the suite uses."""

import pytest


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """The cast's users are made with a password for every test; the production hasher takes most
    of a second each on a busy machine, and these tests are not about passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def secret_note_model(django_db_setup, django_db_blocker):
    from django.apps import apps
    from django.db import connection, models

    from sotong.core.privacy.fields import EncryptedCharField, EncryptedTextField

    class SecretNote(models.Model):
        title = models.CharField(max_length=50, default="")
        body = EncryptedTextField(null=True, blank=True)
        phone = EncryptedCharField(max_length=20, blank=True, default="")

        class Meta:
            app_label = "privacy"
            db_table = "privacy_test_secretnote"

        def __str__(self) -> str:
            return self.title

    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        editor.create_model(SecretNote)
    yield SecretNote
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        editor.delete_model(SecretNote)
    # Forget the model again, so that nothing after this module (makemigrations --check) sees it.
    del apps.all_models["privacy"]["secretnote"]
    apps.clear_cache()
