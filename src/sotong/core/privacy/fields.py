"""Model fields whose value is stored encrypted (see crypto.py). They cannot be filtered on or
indexed; keep a separate keyed hash where a look-up by value is needed.

An empty string and NULL are stored as they are (there is nothing to hide but the emptiness)."""

from __future__ import annotations

import json

from django.core import checks
from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_lookup(self, lookup_name):
        # Only isnull makes sense on ciphertext; any other lookup fails loudly (FieldError)
        # instead of silently comparing a plain value with a random-looking token.
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        return None

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        for flag in ("unique", "db_index", "primary_key"):
            if getattr(self, flag, False):
                errors.append(
                    checks.Error(
                        f"{type(self).__name__} cannot have {flag}=True: every encryption of a "
                        "value differs, so the database cannot compare them.",
                        hint="Store a keyed hash of the value in a separate field.",
                        obj=self,
                        id="privacy.E001",
                    )
                )
        return errors


class EncryptedCharField(EncryptedTextField):
    """Same as EncryptedTextField; the form widget is a one-line input. `max_length` limits the
    plain value in forms (the stored token is longer)."""

    def formfield(self, **kwargs):
        from django import forms

        kwargs.setdefault("widget", forms.TextInput)
        return super().formfield(**kwargs)


class EncryptedJSONField(EncryptedTextField):
    """A JSON object or array encrypted at rest (e.g. the values of a message that may name a
    person). A `str` given to it is taken as JSON already serialised — that is how key rotation
    writes a decrypted value back — so the field holds objects and arrays, never a bare string."""

    description = "JSON encrypted at rest"

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, str):
            json.loads(value)  # refuse anything that is not JSON text
            text = value
        else:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        return crypto.encrypt(text)

    def from_db_value(self, value, expression, connection):
        plain = super().from_db_value(value, expression, connection)
        if plain is None or plain == "":
            return plain
        return json.loads(plain)

    def to_python(self, value):
        return value

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), ensure_ascii=False, sort_keys=True)

    def formfield(self, **kwargs):
        from django import forms

        return super().formfield(**{"form_class": forms.JSONField, **kwargs})


def encrypted_fields() -> dict[type[models.Model], list[EncryptedTextField]]:
    """Every concrete model with encrypted fields, found through the app registry, with those
    fields. Proxy and unmanaged models are left out (their rows belong to another model or to
    another system)."""
    from django.apps import apps

    found: dict[type[models.Model], list[EncryptedTextField]] = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [
            field
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField) and field.model is model
        ]
        if fields:
            found[model] = fields
    return found
